// The quick snapshot's partial pagemap read (quick_pages.hpp). Why the carried entries are the
// kernel's: a lab process runs only to serve a request. Serving one, it writes its own memory
// (its binary's data, [heap], [stack], its libraries and their small anonymous .bss and TLS
// mappings; buffers over 64 KiB are mmapped by malloc and unmapped before the reply, see
// mallopt in subject_main.cpp) and touches student memory only inside the request's range
// (action_scope.hpp, action_reach). A fault there changes page table entries only inside the
// PMD (2 MiB-aligned region) holding the address: fault-around (fault_around_bytes, 64 KiB) is
// clipped to the faulting page table, and a THP is one PMD; mappings that may hold THPs or KSM
// pages are read in full anyway (never_carried). So in a private anonymous VMA of at least
// 2 MiB that is the same before and after (the subject's own anonymous mappings are far
// smaller), entries outside the request's windows are those of the read before. As a check,
// such a VMA that no window touches must also show the same smaps counters, else it is read in
// full. Only what the kernel does on its own (reclaim, swap) can differ, as for a carried
// process; the next full snapshot shows it.
#include "quick_pages.hpp"

#include "fd.hpp"

#include "abi.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <type_traits>
#include <unistd.h>

#include "procfs.hpp"

namespace mml::quick {

namespace {

constexpr uint64_t kMinPages = 512;               // windowed mappings: at least one PMD
constexpr uint64_t kChunk = 64 * 1024;            // entries per pread (512 KiB)
constexpr uint64_t kMaxPages = uint64_t{1} << 22; // ReadOptions::max_pages_per_mapping

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Pagemap entries of pages [first, last) of `m` into m.pages (which has room for them).
bool read_entries(int fd, Mapping& m, uint64_t ps, size_t first, size_t last,
                  std::vector<uint64_t>& buf) {
    const uint64_t base = m.start / ps;
    for (size_t i = first; i < last;) {
        const size_t n = std::min<size_t>(last - i, kChunk);
        buf.resize(n);
        if (!pread_exact(fd, buf.data(), n * sizeof(uint64_t), (base + i) * sizeof(uint64_t)))
            return false;               // an error, or the mm went away
        Page* dst = m.pages.data() + i; // this process's own pages (PageVec::own)
        for (size_t k = 0; k < n; ++k) dst[k] = Page{buf[k]};
        i += n;
    }
    return true;
}

// The mapping of `was` with the same VMA as `m` (range, perms, offset, device, inode, name)
// and all its pages, or nullptr; `wi` is a cursor (mappings in address order).
const Mapping* same_vma(const Mapping& m, const Process& was, uint64_t ps, size_t& wi) {
    const auto& ms = was.mappings;
    while (wi < ms.size() && ms[wi].start < m.start) ++wi;
    if (wi == ms.size()) return nullptr;
    const Mapping& t = ms[wi];
    if (t.start != m.start || t.end != m.end || t.perms != m.perms || t.offset != m.offset ||
        t.dev != m.dev || t.inode != m.inode || t.path != m.path ||
        t.pages.size() != m.page_count(ps))
        return nullptr;
    return &t;
}

// Counters that move with any page table change in the VMA.
bool same_counters(const Mapping& a, const Mapping& b) {
    static constexpr std::array<std::string_view, 9> kFields = {
        "Rss",           "Pss",       "Shared_Clean", "Shared_Dirty", "Private_Clean",
        "Private_Dirty", "Anonymous", "Swap",         "Locked"};
    for (std::string_view f : kFields) {
        const SmapsField* x = a.field(f);
        const SmapsField* y = b.field(f);
        if ((x == nullptr) != (y == nullptr) || (x && x->value != y->value)) return false;
    }
    return true;
}

bool overlaps(const std::vector<Range>& win, uint64_t start, uint64_t end) {
    for (const Range& w : win)
        if (w.first < end && start < w.second) return true;
    return false;
}

// Whether m's entries outside `win` may be carried from `t` (see the comment at the top).
bool windowed(const Mapping& m, const Mapping& t, const std::vector<Range>& win, uint64_t ps) {
    if (m.kind() != MappingKind::Anonymous || m.perms.size() < 4 || m.perms[3] != 'p') return false;
    if (m.page_count(ps) < kMinPages || never_carried(m) || never_carried(t)) return false;
    return overlaps(win, m.start, m.end) || same_counters(m, t);
}

} // namespace

bool never_carried(const Mapping& m) {
    return m.has_flag("hg") || m.has_flag("mg") || m.kb("AnonHugePages") ||
           m.kb("ShmemPmdMapped") || m.kb("FilePmdMapped") || m.kb("Shared_Hugetlb") ||
           m.kb("Private_Hugetlb");
}

std::vector<Range> windows(std::vector<Range> ranges) {
    std::vector<Range> out;
    for (Range& r : ranges) {
        if (r.second <= r.first) continue;
        r.first &= ~(kWindow - 1);
        r.second = r.second > ~uint64_t{0} - kWindow ? ~uint64_t{0}
                                                     : (r.second + kWindow - 1) & ~(kWindow - 1);
    }
    std::sort(ranges.begin(), ranges.end());
    for (const Range& r : ranges) {
        if (r.second <= r.first) continue;
        if (!out.empty() && r.first <= out.back().second)
            out.back().second = std::max(out.back().second, r.second);
        else
            out.push_back(r);
    }
    return out;
}

bool reread(int pid, const Process& was, const std::vector<Range>* win, uint64_t ps, Process& out,
            Fresh& fresh) {
    procfs::ReadOptions opt;
    opt.pages = false; // smaps, status, stat: all in full
    out.parent = was.parent;
    out.name = was.name;
    if (!procfs::read_process(pid, opt, out, &was)) return false; // unchanged blocks shared
    Fd fd(::open(("/proc/" + std::to_string(pid) + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return false;
    const bool carry = win && was.pfn_known && was.kpage_known;
    std::vector<uint64_t> buf;
    fresh.assign(out.mappings.size(), {});
    size_t wi = 0;
    for (size_t k = 0; k < out.mappings.size(); ++k) {
        Mapping& m = out.mappings[k];
        const size_t n = m.page_count(ps);
        if (m.path == "[vsyscall]") continue; // as read_pages: never read
        if (n > kMaxPages) return false;      // a full read gives it no pages: not all_pages
        const Mapping* t = carry ? same_vma(m, was, ps, wi) : nullptr;
        if (!t || !windowed(m, *t, *win, ps)) {
            m.pages.resize(n);
            if (!read_entries(fd.get(), m, ps, 0, n, buf)) return false;
            fresh[k].emplace_back(0, n);
            continue;
        }
        // Page is trivially copyable but not trivial (member initializers): a vector copy is an
        // element loop; one memcpy is several times faster for 262,144 pages.
        static_assert(std::is_trivially_copyable_v<Page>);
        m.pages.resize(n);
        std::memcpy(m.pages.data(), t->pages.data(), n * sizeof(Page));
        for (const Range& w : *win) {
            const uint64_t lo = std::max(w.first, m.start), hi = std::min(w.second, m.end);
            if (lo >= hi) continue;
            const size_t first = (lo - m.start) / ps, last = (hi - m.start) / ps;
            if (!read_entries(fd.get(), m, ps, first, last, buf)) return false;
            fresh[k].emplace_back(first, last);
        }
    }
    out.pfn_known = was.pfn_known;
    return true;
}

namespace {

// The VMAs of /proc/PID/maps are exactly `was`'s (ranges, permissions, offsets, files).
bool same_vmas(int pid, const Process& was) {
    std::string text;
    if (!procfs::read_file("/proc/" + std::to_string(pid) + "/maps", text)) return false;
    const std::vector<Mapping> now = procfs::parse_maps(text);
    if (now.size() != was.mappings.size()) return false;
    for (size_t k = 0; k < now.size(); ++k) {
        const Mapping &a = now[k], &b = was.mappings[k];
        if (a.start != b.start || a.end != b.end || a.perms != b.perms || a.offset != b.offset ||
            a.dev != b.dev || a.inode != b.inode || a.path != b.path)
            return false;
    }
    return true;
}

// status and stat of `pid` into `out`.
bool read_status(int pid, Process& out) {
    const std::string base = "/proc/" + std::to_string(pid) + "/";
    std::string text;
    if (!procfs::read_file(base + "stat", text) ||
        !procfs::parse_stat(text, out.minflt, out.majflt))
        return false;
    if (!procfs::read_file(base + "status", text)) return false;
    out.status = procfs::parse_status(text);
    return true;
}

} // namespace

bool reread_pages(int pid, const Process& was, const std::vector<Range>& win, uint64_t ps,
                  Process& out, Fresh& fresh) {
    if (!was.pfn_known || !was.kpage_known || !same_vmas(pid, was)) return false;
    out = was;
    out.contents.reset();
    out.carried = false;
    out.counters_pending = true;
    if (!read_status(pid, out)) return false;
    Fd fd(::open(("/proc/" + std::to_string(pid) + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return false;
    std::vector<uint64_t> buf;
    fresh.assign(out.mappings.size(), {});
    for (size_t k = 0; k < out.mappings.size(); ++k) {
        Mapping& m = out.mappings[k];
        const size_t n = m.page_count(ps);
        if (m.path == "[vsyscall]") continue;
        if (m.pages.size() != n) return false; // not all_pages before
        const bool large = m.kind() == MappingKind::Anonymous && m.perms.size() >= 4 &&
                           m.perms[3] == 'p' && n >= kMinPages && !never_carried(m);
        if (!large) {
            if (!read_entries(fd.get(), m, ps, 0, n, buf)) return false;
            fresh[k].emplace_back(0, n);
            continue;
        }
        for (const Range& w : win) { // the rest stays shared with `was`
            const uint64_t lo = std::max(w.first, m.start), hi = std::min(w.second, m.end);
            if (lo >= hi) continue;
            const size_t first = (lo - m.start) / ps, last = (hi - m.start) / ps;
            if (!read_entries(fd.get(), m, ps, first, last, buf)) return false;
            fresh[k].emplace_back(first, last);
        }
    }
    return true;
}

} // namespace mml::quick
