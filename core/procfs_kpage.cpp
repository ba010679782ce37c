// /proc/kpagecount and /proc/kpageflags for the present pages that need them: the pagemap's
// exclusive bit answers "mapped once" for most pages; the rest are read once per frame, in
// coalesced preads, or reused from the previous snapshot where that is provably the same.
#include "abi.hpp"
#include "fd.hpp"
#include "frame_set.hpp"
#include "procfs.hpp"
#include "procfs_count.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace mml::procfs {

// WHAT IS DERIVED, WHAT IS READ, WHAT IS REUSED (and why each is the kernel's truth)
//
// Derived: a present anonymous page whose pagemap entry has PM_MMAP_EXCLUSIVE gets mapcount 1
//   and nothing read (kread 0). The kernel sets that bit exactly when the page is mapped once
//   (fs/proc/task_mmu.c: precise page mapcount == 1 with CONFIG_PAGE_MAPCOUNT; for large
//   folios without it, "folio not maybe-shared"), which is what kpagecount would say for a
//   small page. Mappings that may hold huge pages (VmFlag hg, or smaps *HugePages/*PmdMapped
//   above 0) are read in full instead: THP flags matter there, and kpagecount of a large folio
//   can be an average.
// Read, count only: a present anonymous page without the exclusive bit (shared after fork,
//   or the zero page) gets /proc/kpagecount and not kpageflags. Its flags answer nothing the
//   classifier needs: it is anonymous (pagemap has no PM_FILE: the kernel found no page or an
//   anonymous one), so it exists because of a write unless it is the zero page or has no
//   counted struct page (PFNMAP) - and those have kpagecount 0 (the zero page is never
//   counted), while a counted anonymous page mapped here has at least 1. So every frame whose
//   count reads 0 gets kpageflags too (the zero page shows ZERO_PAGE), the others do not.
// Read, count and flags: file and shmem pages (only KPF_DIRTY tells their dirtiness), pages of
//   huge-capable mappings, and every page with ReadOptions::kpage_all. Each frame is read once
//   per call even when several pages or processes map it (a bitmap of needed PFNs, no sort).
// Proven by Pss (ReadOptions::pss_proof: smaps and pagemap of the process from one read): in a
//   mapping that counting would take (countable: private, not KSM-mergeable, not a PFN/IO map,
//   not huge-page capable), with no swap or migration entry, whose non-exclusive present pages are
//   all anonymous, every such page but the zero page has mapcount 2 when smaps' Pss equals
//   page_size x (exclusive pages) + page_size / 2 x (those pages), in kB. Why: smaps adds, per
//   present page with a struct page, page_size / mapcount (an exclusive page is mapped once:
//   page_size), at 2^-12 byte precision, rounded down, then prints kB rounded down
//   (fs/proc/task_mmu.c, smaps_account, PSS_SHIFT); the zero page adds nothing. A page without
//   the exclusive bit is mapped at least twice, so the sum is at most the expected value, and
//   every page mapped 3 or more times takes at least page_size / 6 (682 bytes) off it: a
//   value an exact multiple of 1 kB can then only print as 1 kB less or lower. The zero page,
//   when its PFN is not known, counts as a shared page and makes the sum fall short too. So
//   equality proves mapcount 2 for every one of them, with nothing read (Page::kCountProven).
//   (Both sides use the precise per-page mapcount with CONFIG_PAGE_MAPCOUNT, the default. A
//   kernel built with CONFIG_NO_PAGE_MAPCOUNT gives the pages of a large folio their folio's
//   average instead, as the exclusive-bit derivation above already accepts: huge-capable
//   mappings are excluded, small-size THP ("mTHP") in other mappings is not detected.)
// Counted (ReadOptions::count_shared, the Sampler only): the mapcount of a present anonymous
//   page without the exclusive bit, in a private mapping that is not KSM-mergeable, huge-page
//   capable nor a PFN/IO map, and not the zero page (its PFN learned by reading a fresh page of
//   our own, confirmed by its ZERO_PAGE flag), is the number of page table entries mapping its
//   frame in the observed processes: such a page can only be mapped by its fork relatives,
//   all lab processes and all observed, and kpagecount of a small page counts exactly its page
//   table entries. Checked every call, mapping by mapping: a frame counted once (its exclusive
//   bit says otherwise: a mapper we do not see), 255 times or more (one byte per PFN counts
//   them) or a mismatch with kpagecount on the mapping's first frame or on its frames of a
//   rotating 1/kKpageRefreshEvery slice (by a hash of runs of 8 PFNs) sends all of that mapping's
//   pages to kpagecount instead (the benchmark's subject, forked without exec, shares the
//   benchmark's heap: caught here; tests/lab_kpage.cpp hides a child to show it).
// Reused (KpageReuse, the Sampler only; then nothing is counted): what is known of a shared
//   anonymous page (read or counted) is copied from the previous snapshot when (1) no lab action
//   ran in between, (2) its mapping has the same range and the page's pagemap entry in that process
//   is bit-identical (same PFN, same exclusive bit), (3) no pagemap entry of any observed process
//   changed to or from that PFN and the set of processes is the same, (4) the mapping is not
//   KSM-mergeable (mg) nor huge-page capable. Why the mapcount is then the same: an anonymous page
//   of a lab process can only be mapped by its fork relatives, which are all lab processes and all
//   observed; a mapcount changes only when a page table entry changes, which (3) would have seen.
//   (3) is found in the one walk of the pages that reuses: ranges both snapshots have are compared
//   entry by entry there (Pass1::pages), the rest before it (reusable); reuse is tentative in that
//   walk, and when any entry changed the walk is done again with the changed PFNs known (rare:
//   with no action, only the kernel's own work moves a page).
//   Flags that change with no page table change (LRU aging, reclaim, mlock of a sibling is an
//   action and so (1)) are bounded by re-reading a rotating slice: every page is read at least
//   every kKpageRefreshEvery snapshots (1.6 s at 10 Hz).
// tests/lab_kpage.cpp checks each of these against a fresh read of both files.

namespace {

using frames::frames_of;
using frames::FrameSet;
using frames::read_set;
using kpage::count_candidate;
using kpage::Counted;
using kpage::in_slice;
using kpage::PageWriter;
using kpage::pss_proves_pairs;
using kpage::set_values;
using kpage::Slot;
using kpage::smaps_field;

constexpr size_t kThreadMin = 16 * 1024; // frames worth reading with a second thread

// A two-letter VmFlags code as one number.
constexpr unsigned code(char a, char b) {
    return static_cast<unsigned>(static_cast<unsigned char>(a)) << 8 |
           static_cast<unsigned char>(b);
}

// The VmFlags read_kpage asks about, found in one walk of the mapping's codes.
struct VmBits {
    bool hg = false;  // MADV_HUGEPAGE
    bool mg = false;  // KSM-mergeable
    bool raw = false; // pf, io or mm: PFN map, I/O or mixed map
    bool ht = false;  // hugetlb
    explicit VmBits(const Mapping& m) {
        for (const std::string& c : m.vmflags) {
            if (c.size() != 2) continue; // every code is two letters; compared as one number
            switch (code(c[0], c[1])) {
            case code('h', 'g'):
                hg = true;
                break;
            case code('m', 'g'):
                mg = true;
                break;
            case code('h', 't'):
                ht = true;
                break;
            case code('p', 'f'):
            case code('i', 'o'):
            case code('m', 'm'):
                raw = true;
                break;
            default:
                break;
            }
        }
    }
};

// Mappings whose pages may be huge: every present page is read there.
// A mapping with less than 2 MiB resident and no hugetlb flag holds no PMD-mapped page
// (AnonHugePages, ShmemPmdMapped and FilePmdMapped count inside Rss, a PMD at least 2 MiB;
// the Hugetlb fields only in ht mappings): its other ~25 fields are not walked (a mapping's
// fields are a 2 KiB block of their own, mostly cold in cache by now).
bool huge_capable(const Mapping& m, const VmBits& vm) {
    if (vm.hg) return true;
    const SmapsField* rss = smaps_field(m, 3, "Rss");
    if (!vm.ht && rss && rss->kb && *rss->kb < 2048) return false;
    for (const SmapsField& f : m.smaps) {
        if (!f.kb || *f.kb == 0) continue;
        const std::string_view n = f.name;
        switch (n.size()) { // most nonzero fields (Rss, Pss, Size...) end here, no compare
        case 13:
            if (n == "AnonHugePages" || n == "FilePmdMapped") return true;
            break;
        case 14:
            if (n == "ShmemPmdMapped" || n == "Shared_Hugetlb") return true;
            break;
        case 15:
            if (n == "Private_Hugetlb") return true;
            break;
        default:
            break;
        }
    }
    return false;
}

// The previous snapshot's pages of one process, found by address.
struct PrevPages {
    const Process* proc = nullptr;
    size_t mi = 0; // cursor: mappings are visited in address order
    // The previous pages of a mapping with exactly m's range, or nullptr.
    const Page* twin(const Mapping& m) {
        if (!proc) return nullptr;
        const auto& ms = proc->mappings;
        while (mi < ms.size() && ms[mi].end <= m.start) ++mi;
        if (mi == ms.size() || ms[mi].start != m.start || ms[mi].end != m.end ||
            ms[mi].pages.size() != m.pages.size())
            return nullptr;
        return ms[mi].pages.data();
    }
    const Page* at(uint64_t addr, uint64_t ps) {
        if (!proc) return nullptr;
        const auto& ms = proc->mappings;
        while (mi < ms.size() && ms[mi].end <= addr) ++mi;
        if (mi == ms.size() || ms[mi].start > addr || ms[mi].pages.empty()) return nullptr;
        return &ms[mi].pages[(addr - ms[mi].start) / ps];
    }
};

const Process* find_pid(const std::vector<Process>& v, int pid) {
    for (const Process& p : v)
        if (p.pid == pid && p.state == ProcState::Alive && p.error.empty()) return &p;
    return nullptr;
}

// Notes the PFNs of entries of `a` that `b` does not have at the same address (entries only
// in `a` count as changed). Mappings with the same range are compared entry by entry.
void diff_into(const Process& a, const Process& b, uint64_t ps, bool only_unmatched,
               std::vector<uint64_t>& out) {
    auto note = [&](uint64_t e) {
        if (abi::pm_pfn(e) != 0) out.push_back(abi::pm_pfn(e));
    };
    PrevPages other{&b};
    size_t bi = 0;
    for (const Mapping& m : a.mappings) {
        while (bi < b.mappings.size() && b.mappings[bi].start < m.start) ++bi;
        const Mapping* twin = bi < b.mappings.size() && b.mappings[bi].start == m.start &&
                                      b.mappings[bi].end == m.end &&
                                      b.mappings[bi].pages.size() == m.pages.size()
                                  ? &b.mappings[bi]
                                  : nullptr;
        if (twin && only_unmatched) continue;
        for (size_t i = 0; i < m.pages.size(); ++i) {
            const uint64_t e = m.pages[i].entry;
            const Page* o = twin ? &twin->pages[i] : other.at(m.start + i * ps, ps);
            if (o && o->entry == e) continue;
            note(e);
            if (o) note(o->entry);
        }
    }
}

// Every mapping of the process has its pagemap entries (none skipped as too large).
bool pages_read(const Process& p) {
    for (const Mapping& m : p.mappings)
        if (m.pages.empty() && m.path != "[vsyscall]") return false;
    return true;
}

// Whether the previous snapshot may lend values: the same live processes, every mapping's pagemap
// read. Notes in `out` the PFNs of entries in ranges only one of the two snapshots has (mappings
// that appeared, went away or changed size); Pass1::pages compares the ranges both have.
bool reusable(std::span<Process* const> procs, const std::vector<Process>& prev, uint64_t ps,
              std::vector<uint64_t>& out) {
    size_t prev_alive = 0;
    for (const Process& p : prev) prev_alive += p.state == ProcState::Alive && p.error.empty();
    if (prev_alive != procs.size()) return false;
    for (const Process* p : procs) {
        const Process* q = find_pid(prev, p->pid);
        if (!q || !p->error.empty() || !pages_read(*p)) return false;
        diff_into(*p, *q, ps, true, out);
        diff_into(*q, *p, ps, true, out); // what went away (ranges p no longer has)
    }
    return true;
}

// Whether the page at virtual page number vpn is re-read in this snapshot even when it could
// be reused (consecutive pages together: their frames are often consecutive too).
bool refresh_now(uint64_t vpn, uint64_t slice) {
    return in_slice(vpn, slice);
}

// Whether the shared anonymous pages of `m` may have their mapcount counted from PTEs.
bool countable(const Mapping& m, const VmBits& vm) {
    if (m.perms.size() < 4 || m.perms[3] != 'p') return false;
    if (vm.mg || vm.raw) return false;
    switch (m.kind()) {
    case MappingKind::Anonymous:
    case MappingKind::Heap:
    case MappingKind::Stack:
    case MappingKind::File:
    case MappingKind::Library:
        return true;
    default:
        return false;
    }
}

// The zero page's PFN: a read of a fresh private anonymous page of our own maps it; confirmed
// by its ZERO_PAGE flag. 0 when that cannot be shown.
uint64_t probe_zero_pfn(int flags_fd, uint64_t page_size) {
    void* m = ::mmap(nullptr, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 0;
    (void)*static_cast<const volatile char*>(m);
    uint64_t e = 0, flags = 0;
    Fd pm(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
    const bool ok =
        pm.fd >= 0 &&
        pread_exact(pm.fd, &e, sizeof e, reinterpret_cast<uintptr_t>(m) / page_size * sizeof e);
    ::munmap(m, page_size);
    const uint64_t pfn = ok && abi::pm_present(e) ? abi::pm_pfn(e) : 0;
    if (pfn == 0 || !pread_exact(flags_fd, &flags, sizeof flags, pfn * sizeof flags)) return 0;
    return (flags >> abi::kKpfZeroPage) & 1 ? pfn : 0;
}

// Pass 1 over one mapping: derive what the exclusive bit answers, reuse what provably did not
// change, and list the rest in `todo` (kpagecount), those that need flags also in `flagged`.
struct Pass1 {
    // PFNs whose page table entries changed since the previous snapshot. While `noting`, entries
    // that differ from their twins are added and reuse is tentative (it ignores this list);
    // otherwise it is sorted, complete, and reuse checks it.
    std::vector<uint64_t> changed;
    bool noting = false;
    uint64_t slice = 0, page_size = 4096;
    uint64_t zero_pfn = 0; // with count_shared or pss_proof: the zero page (read, never counted)
    std::vector<Slot> todo, flagged;
    Counted counted;
    KpageStats st;

    // `twin`: the previous snapshot's pages of the same range, or nullptr; `lend`: they may lend
    // their values. `count`: its shared anonymous pages go to `counted` (count_shared and
    // countable(m)); `proven`: they are mapped twice (pss_proves_pairs), which wins.
    void mapping(Mapping& m, bool all, const Page* twin, bool lend, bool count, bool proven) {
        const size_t first_counted = counted.size();
        pages(m, all, twin, lend ? twin : nullptr, count, proven);
        counted.close_group(m, first_counted);
    }
    void pages(Mapping& m, bool all, const Page* twin, const Page* before, bool count,
               bool proven) {
        PageWriter w(m);
        if (twin == w.pages()) twin = nullptr; // the same pages (read_process shared them)
        const uint64_t first_vpn = m.start / page_size;
        for (size_t i = 0; i < m.pages.size(); ++i) {
            const uint64_t e = w.pages()[i].entry;
            if (twin && noting && twin[i].entry != e) note(e, twin[i].entry);
            const uint64_t pfn = abi::pm_pfn(e);
            if (pfn == 0) continue;
            const bool file = abi::pm_file_shared(e);
            if (!all && !file && abi::pm_exclusive(e)) {
                w.set(i, 1, 0, 0);
                ++st.derived;
                continue;
            }
            if (proven && count_candidate(e, zero_pfn)) {
                w.set(i, 2, 0, Page::kCountProven);
                ++st.proven;
                continue;
            }
            if (count && count_candidate(e, zero_pfn)) { // given or read by Counted::run
                counted.add(pfn);
                continue;
            }
            if (before && !file && !refresh_now(first_vpn + i, slice) &&
                reuse(w, i, before[i], pfn))
                continue;
            todo.push_back({&m, i, pfn, all || file}); // values written when read
            if (all || file) flagged.push_back(todo.back());
        }
    }
    void note(uint64_t e, uint64_t was) {
        if (abi::pm_pfn(e) != 0) changed.push_back(abi::pm_pfn(e));
        if (abi::pm_pfn(was) != 0) changed.push_back(abi::pm_pfn(was));
    }
    bool reuse(PageWriter& w, size_t i, const Page& o, uint64_t pfn) {
        if (o.entry != w.pages()[i].entry || !o.count_read() ||
            (!noting && !changed.empty() &&
             std::binary_search(changed.begin(), changed.end(), pfn)))
            return false;
        w.set(i, o.mapcount, o.kflags, o.kread);
        ++st.reused;
        return true;
    }
};

// kpagecount of every page in `todo` and kpageflags of every page in `flagged` (a subset)
// and of every page whose count reads 0 (the zero page, frames with no counted page).
// The two files are read in parallel when both sets are large (file-backed pages).
bool read_frames(int counts_fd, int flags_fd, Pass1& pass) {
    FrameSet cset, fset;
    if (!frames_of(pass.todo, cset) || !frames_of(pass.flagged, fset)) return false;
    std::vector<uint64_t> cv, fv;
    bool cok = false, fok = true;
    if (cset.count() >= kThreadMin && fset.count() >= kThreadMin) {
        std::thread t([&] { fok = read_set(flags_fd, fset, fv); });
        cok = read_set(counts_fd, cset, cv);
        t.join();
    } else {
        fok = fset.count() == 0 || read_set(flags_fd, fset, fv);
        cok = fok && read_set(counts_fd, cset, cv);
    }
    if (!cok || !fok) return false;
    std::vector<Slot> uncounted; // count 0 and no flags yet: read their flags below
    for (const Slot& s : pass.todo) {
        const auto count = static_cast<uint32_t>(cv[cset.rank(s.pfn)]);
        if (s.flags) {
            set_values(s, count, fv[fset.rank(s.pfn)], Page::kCountRead | Page::kFlagsRead);
            continue;
        }
        set_values(s, count, 0, Page::kCountRead);
        if (count == 0) uncounted.push_back(s);
    }
    pass.st.frames_read = cset.count();
    pass.st.flags_read = fset.count();
    if (uncounted.empty()) return true;
    FrameSet zset;
    if (!frames_of(uncounted, zset) || !read_set(flags_fd, zset, fv)) return false;
    for (const Slot& s : uncounted)
        set_values(s, 0, fv[zset.rank(s.pfn)], Page::kCountRead | Page::kFlagsRead);
    pass.st.flags_read += zset.count();
    return true;
}

// Pass 1 over every mapping of every process whose kpage values can be known (`previous`: the
// snapshot that may lend values, or nullptr). Every present page's values are written, so it
// can be run again.
void pass1(std::span<Process* const> procs, const ReadOptions& opt,
           const std::vector<Process>* previous, bool count, Pass1& pass) {
    for (Process* p : procs) {
        // (A process without PFNs has nothing to compare: entries without PFNs note nothing.)
        if (!p->kpage_known) continue;
        PrevPages prev{previous ? find_pid(*previous, p->pid) : nullptr};
        // (Counters carried from an earlier read are not this read's Pss.)
        const bool prove = opt.pss_proof && !p->counters_pending;
        for (Mapping& m : p->mappings) {
            if (m.pages.empty()) continue;
            const VmBits vm(m);
            const bool all = opt.kpage_all || huge_capable(m, vm);
            const bool pairs = !all && countable(m, vm);
            pass.mapping(m, all, prev.twin(m), !all && !vm.mg, count && pairs,
                         prove && pairs && pss_proves_pairs(m, pass.zero_pfn, pass.page_size));
        }
    }
}

// Pass 1 lending values from `previous`: tentatively while the changed PFNs are noted, then
// again with them known when there are any (see "Reused" above).
void pass1_reusing(std::span<Process* const> procs, const ReadOptions& opt,
                   const std::vector<Process>& previous, Pass1& pass) {
    pass.noting = true;
    pass1(procs, opt, &previous, false, pass);
    pass.noting = false;
    std::sort(pass.changed.begin(), pass.changed.end());
    pass.changed.erase(std::unique(pass.changed.begin(), pass.changed.end()), pass.changed.end());
    if (pass.changed.empty()) return;
    pass.todo.clear();
    pass.flagged.clear();
    pass.st = {};
    pass1(procs, opt, &previous, false, pass);
}

} // namespace

bool read_kpage(std::span<Process* const> procs, const ReadOptions& opt, const KpageReuse* reuse,
                KpageStats* stats) {
    Pass1 pass;
    pass.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    // The checked slice rotates with the Sampler's counter, else with the clock.
    pass.slice = reuse ? reuse->slice
                       : static_cast<uint64_t>(
                             std::chrono::steady_clock::now().time_since_epoch().count() >> 20);
    Fd counts(::open("/proc/kpagecount", O_RDONLY | O_CLOEXEC));
    Fd flags(::open("/proc/kpageflags", O_RDONLY | O_CLOEXEC));
    const bool readable = counts.fd >= 0 && flags.fd >= 0;
    // Reuse when allowed (the cheapest: only a slice is read again), else count when allowed.
    // (Measured on the forked pair, idle: reuse 12-13 ms, counting 14-17 ms, both with their
    // slice read.)
    const bool may_reuse = readable && reuse && reuse->previous &&
                           reusable(procs, *reuse->previous, pass.page_size, pass.changed);
    const bool may_count =
        readable && opt.count_shared && !may_reuse &&
        std::all_of(procs.begin(), procs.end(), [](const Process* p) { return pages_read(*p); });
    if (may_count || (readable && opt.pss_proof))
        pass.zero_pfn = probe_zero_pfn(flags.fd, pass.page_size);
    const bool count = may_count && pass.zero_pfn != 0;
    if (count) { // room for every page: the list is never copied as it grows (half the pages,
                 // as in the benchmark's subject, was a few short: a 2 MB copy)
        size_t pages = 0;
        for (const Process* p : procs)
            for (const Mapping& m : p->mappings) pages += m.pages.size();
        pass.counted.reserve(pages);
    }
    for (Process* p : procs) p->kpage_known = p->pfn_known && readable;
    if (may_reuse)
        pass1_reusing(procs, opt, *reuse->previous, pass);
    else
        pass1(procs, opt, nullptr, count, pass);
    pass.counted.run(counts.fd, pass.slice, pass.zero_pfn, pass.todo, pass.st);
    if (stats) *stats = pass.st;
    if (pass.todo.empty()) return readable;
    if (!read_frames(counts.fd, flags.fd, pass)) {
        for (Process* p : procs) p->kpage_known = false;
        for (const Slot& s : pass.todo) set_values(s, 0, 0, 0);
        return false;
    }
    pass.st.read = pass.todo.size();
    if (stats) *stats = pass.st;
    return true;
}

} // namespace mml::procfs
