// Reports of one process for `mmaplab inspect`: the JSON document and the aligned text table
// (sizes, perms, notable VmFlags with a legend, and runs of pages in the same state).
#include "report.hpp"
#include "abi.hpp"

#include <algorithm>
#include <array>
#include <fmt/core.h>
#include <iterator>
#include <span>

namespace mml::report {

namespace {

using nlohmann::json;

constexpr size_t kMaxRunsShown = 64; // per mapping in the table

std::vector<std::string> flag_names(uint64_t flags) {
    std::vector<std::string> out;
    for (int bit = 0; bit < 64; ++bit) {
        if (!((flags >> bit) & 1u)) continue;
        auto name = abi::kpageflag_name(bit);
        out.push_back(name ? std::string(*name) : fmt::format("BIT{}", bit));
    }
    return out;
}

json page_json(const Process& p, const Page& pg, size_t index) {
    const uint64_t e = pg.entry;
    const bool present = abi::pm_present(e);
    const bool pfn_ok = present && p.pfn_known;
    const bool kpage_ok = pfn_ok && p.kpage_known && abi::pm_pfn(e) != 0;
    json j = {{"index", index},
              {"present", present},
              {"swapped", abi::pm_swapped(e)},
              {"file_shared", abi::pm_file_shared(e)},
              {"exclusive", abi::pm_exclusive(e)},
              {"soft_dirty", abi::pm_soft_dirty(e)}};
    j["pfn"] = pfn_ok ? json(abi::pm_pfn(e)) : json(nullptr);
    // kflags 0 on a present page: not read, the exclusive bit gave mapcount 1 (procfs.hpp).
    j["mapcount"] = kpage_ok ? json(pg.mapcount) : json(nullptr);
    j["flags"] = kpage_ok && pg.kflags != 0 ? json(flag_names(pg.kflags)) : json(nullptr);
    return j;
}

json mapping_json(const Process& p, const Mapping& m, bool pages) {
    json smaps = json::object();
    for (const SmapsField& f : m.smaps) smaps[f.name] = f.kb ? json(*f.kb) : json(f.value);
    json j = {{"start", fmt::format("{:#x}", m.start)},
              {"end", fmt::format("{:#x}", m.end)},
              {"perms", m.perms},
              {"offset", m.offset},
              {"dev", m.dev},
              {"inode", m.inode},
              {"path", m.path},
              {"smaps", std::move(smaps)},
              {"vmflags", m.vmflags}};
    if (pages) {
        json list = json::array();
        for (size_t i = 0; i < m.pages.size(); ++i) list.push_back(page_json(p, m.pages[i], i));
        j["pages"] = std::move(list);
    }
    return j;
}

// ---- the table ----

// VmFlags the perms column already says.
bool obvious_flag(std::string_view code) {
    constexpr std::array<std::string_view, 8> kObvious{"rd", "wr", "ex", "sh",
                                                       "mr", "mw", "me", "ms"};
    return std::find(kObvious.begin(), kObvious.end(), code) != kObvious.end();
}

std::string notable_flags(const Mapping& m) {
    std::string out;
    for (const std::string& c : m.vmflags) {
        if (obvious_flag(c)) continue;
        if (!out.empty()) out += ' ';
        out += c;
    }
    return out;
}

constexpr std::array<std::string_view, 8> kColumns{
    "Size", "Rss", "Pss", "Private_Dirty", "Private_Clean", "Shared_Dirty", "Shared_Clean", "Swap"};

struct Widths {
    size_t addr = 0, flags = 7, kind = 4;
};

Widths measure(const Process& p) {
    Widths w;
    for (const Mapping& m : p.mappings) {
        w.addr = std::max(w.addr, fmt::format("{:x}", m.end).size());
        w.flags = std::max(w.flags, notable_flags(m).size());
        w.kind = std::max(w.kind, to_string(m.kind()).size());
    }
    w.addr = std::max<size_t>(w.addr, 12);
    return w;
}

void append_header(std::string& out, const Process& p, const Widths& w) {
    std::string name;
    for (const auto& [k, v] : p.status)
        if (k == "Name") name = v;
    out += fmt::format("pid {} ({}): {} mappings, VmRSS {} kB (anon {}, file {}, shmem {}), "
                       "faults {} minor {} major\n",
                       p.pid, name, p.mappings.size(), p.status_kb("VmRSS"), p.status_kb("RssAnon"),
                       p.status_kb("RssFile"), p.status_kb("RssShmem"), p.minflt, p.majflt);
    out += fmt::format("{:<{}}", "Address range", 2 * w.addr + 1);
    const std::array<std::string_view, 8> heads{"Size",      "Rss",      "Pss",      "PrivDirty",
                                                "PrivClean", "ShrDirty", "ShrClean", "Swap"};
    for (std::string_view h : heads) out += fmt::format(" {:>9}", h);
    out += fmt::format(" Perm {:<{}} {:<{}} Path\n", "VmFlags", w.flags, "Kind", w.kind);
}

void append_row(std::string& out, const Mapping& m, const Widths& w) {
    out += fmt::format("{:0{}x}-{:0{}x}", m.start, w.addr, m.end, w.addr);
    for (std::string_view c : kColumns) out += fmt::format(" {:>9}", m.kb(c));
    out += fmt::format(" {:<4} {:<{}} {:<{}} {}\n", m.perms, notable_flags(m), w.flags,
                       to_string(m.kind()), w.kind, m.path.empty() ? "" : m.path);
}

void append_totals(std::string& out, const Process& p, const Widths& w) {
    out += fmt::format("{:<{}}", fmt::format("total ({} mappings)", p.mappings.size()),
                       2 * w.addr + 1);
    for (std::string_view c : kColumns) out += fmt::format(" {:>9}", p.rollup_kb(c));
    out += "  (kB)\n";
}

void append_legend(std::string& out, const Process& p) {
    std::vector<std::string> seen;
    for (const Mapping& m : p.mappings)
        for (const std::string& c : m.vmflags)
            if (!obvious_flag(c) && std::find(seen.begin(), seen.end(), c) == seen.end())
                seen.push_back(c);
    if (seen.empty()) return;
    std::sort(seen.begin(), seen.end());
    out += "VmFlags:";
    for (const std::string& c : seen) {
        auto words = abi::vmflag_words(c);
        out += fmt::format("\n  {} = {}", c, words ? *words : "(a code this tool does not know)");
    }
    out += '\n';
}

// kpageflags bits that change with mere access (LRU aging); runs ignore them.
constexpr uint64_t kAgingFlags = (1ull << 2) | (1ull << 6) | (1ull << 25); // REFERENCED ACTIVE IDLE

// The state of a page that a run of equal pages shares (not its PFN, not its aging bits).
struct PageState {
    uint64_t bits = 0; // pagemap flag bits (55..63), without the PFN or swap entry
    uint32_t mapcount = 0;
    uint64_t kflags = 0;
    bool operator==(const PageState&) const = default;
};

PageState state_of(const Page& pg, bool kpage) {
    PageState s;
    s.bits = pg.entry & ~abi::kPmPfnMask;
    if (kpage && abi::pm_pfn(pg.entry) != 0) {
        s.mapcount = pg.mapcount;
        s.kflags = pg.kflags & ~kAgingFlags;
    }
    return s;
}

bool has_kflag(const Page& pg, int bit) {
    return (pg.kflags >> bit) & 1u;
}

// "pfn 0x10", "pfn 0x10-0x13", "pfns 0x10 0x52 0x7" or "pfns 0x10 0x52 0x7 ... (9 frames)".
std::string pfn_text(std::span<const Page> run) {
    const uint64_t first = abi::pm_pfn(run.front().entry);
    bool contiguous = true;
    for (size_t k = 1; k < run.size(); ++k)
        contiguous = contiguous && abi::pm_pfn(run[k].entry) == first + k;
    if (run.size() == 1) return fmt::format("pfn {:#x}", first);
    if (contiguous) return fmt::format("pfn {:#x}-{:#x}", first, first + run.size() - 1);
    std::string out = "pfns";
    for (size_t k = 0; k < std::min<size_t>(run.size(), 3); ++k)
        out += fmt::format(" {:#x}", abi::pm_pfn(run[k].entry));
    if (run.size() > 3) out += fmt::format(" ... ({} frames, not contiguous)", run.size());
    return out;
}

// Flags every page of the run has, and the aging flags only some have.
std::string flags_text(std::span<const Page> run) {
    uint64_t all = ~uint64_t{0}, any = 0;
    for (const Page& pg : run) {
        all &= pg.kflags;
        any |= pg.kflags;
    }
    std::string out = abi::kpageflags_to_string(all);
    if (any != all) out += fmt::format(" (some also {})", abi::kpageflags_to_string(any & ~all));
    return out;
}

const char* count_source_name(Page::CountSource s) {
    switch (s) {
    case Page::CountSource::Read:
        return "kpagecount";
    case Page::CountSource::Counted:
        return "counted page table entries";
    case Page::CountSource::Proven:
        return "proven by the mapping's Pss";
    case Page::CountSource::ExclusiveBit:
        break;
    }
    return "exclusive bit";
}

std::string describe(const Process& p, std::span<const Page> run) {
    const Page& first = run.front();
    const uint64_t e = first.entry;
    const bool present = abi::pm_present(e);
    const bool kpage = present && p.kpage_known && abi::pm_pfn(e) != 0;
    std::string d = present ? "present" : abi::pm_swapped(e) ? "swapped" : "not present";
    if (kpage && has_kflag(first, abi::kKpfZeroPage)) d += " zero-page";
    if (kpage && has_kflag(first, abi::kKpfDirty)) d += " dirty";
    if (abi::pm_exclusive(e)) d += " exclusive";
    if (abi::pm_file_shared(e)) d += " file/shared";
    if (abi::pm_soft_dirty(e)) d += " soft-dirty";
    if (abi::pm_uffd_wp(e)) d += " uffd-wp";
    if (abi::pm_guard(e)) d += " guard";
    if (present && p.pfn_known) d += "  " + pfn_text(run);
    if (kpage && !first.flags_read())
        d += fmt::format("  mapcount {} ({}; flags not read)", first.mapcount,
                         count_source_name(first.count_source()));
    else if (kpage)
        d += fmt::format("  mapcount {}  {}", first.mapcount, flags_text(run));
    return d;
}

void append_pages(std::string& out, const Process& p, const Mapping& m) {
    if (m.pages.empty()) {
        out += "    (pages not read)\n";
        return;
    }
    size_t runs = 0;
    for (size_t i = 0; i < m.pages.size();) {
        const PageState s = state_of(m.pages[i], p.kpage_known);
        size_t j = i + 1;
        while (j < m.pages.size() && state_of(m.pages[j], p.kpage_known) == s) ++j;
        if (++runs > kMaxRunsShown) {
            out += fmt::format("    ... pages {}-{} in more runs\n", i, m.pages.size() - 1);
            return;
        }
        const std::string range =
            j - i == 1 ? fmt::format("{}", i) : fmt::format("{}-{}", i, j - 1);
        const std::span<const Page> run(m.pages.data() + i, j - i);
        out += fmt::format("    pages {:<13} {}\n", range, describe(p, run));
        i = j;
    }
}

} // namespace

json process_json(const Process& p, bool pages) {
    json maps = json::array();
    for (const Mapping& m : p.mappings) maps.push_back(mapping_json(p, m, pages));
    return json{{"pid", p.pid}, {"mappings", std::move(maps)}};
}

std::string process_table(const Process& p, bool pages) {
    const Widths w = measure(p);
    std::string out;
    append_header(out, p, w);
    for (const Mapping& m : p.mappings) {
        append_row(out, m, w);
        if (pages) append_pages(out, p, m);
    }
    append_totals(out, p, w);
    append_legend(out, p);
    return out;
}

} // namespace mml::report
