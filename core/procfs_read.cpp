// Readers for /proc: one process's smaps, status, stat and pagemap (kpagecount and kpageflags
// in procfs_kpage.cpp), and a probe of what this kernel and our privileges show.
// Nothing here faults a page in or reads a page's contents.
#include "abi.hpp"
#include "fd.hpp"
#include "procfs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/core.h>
#include <iterator>
#include <linux/capability.h>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <utility>

namespace mml::procfs {

namespace {

constexpr size_t kPagemapChunk = 64 * 1024; // entries per pread (512 KiB)
constexpr int kCapSysAdmin = 21;            // CAP_SYS_ADMIN in <linux/capability.h>

// read() until the end of the file or until [p, p + room) is full; the bytes read, or -errno.
ssize_t read_into(int fd, char* p, size_t room) {
    size_t len = 0;
    while (len < room) {
        const ssize_t n = ::read(fd, p + len, room - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break;
        len += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(len);
}

// Reads the whole file; returns 0 or the errno of the failure. What fits in buf's capacity (at
// least 16 KiB) is read in place (buf's old bytes are overwritten, not cleared first); the rest
// of a larger file goes to blocks of doubling size, appended to buf once their total is known.
// (Growing buf itself by doubling zero-filled and copied about twice the text: a Sampler
// snapshot reads each smaps into a fresh string, 1.5 MB per 2,000 VMAs.)
int slurp(const std::string& path, std::string& buf) {
    Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) {
        buf.clear();
        return errno;
    }
    buf.resize(std::max<size_t>(buf.capacity(), 16 * 1024));
    ssize_t got = read_into(f.fd, buf.data(), buf.size());
    std::vector<std::pair<std::unique_ptr<char[]>, size_t>> rest;
    size_t total = got < 0 ? 0 : static_cast<size_t>(got);
    for (size_t room = buf.size(); got >= 0 && static_cast<size_t>(got) == room;) {
        room = std::min<size_t>(room * 2, 4 << 20);
        rest.emplace_back(std::make_unique_for_overwrite<char[]>(room), 0);
        got = read_into(f.fd, rest.back().first.get(), room);
        rest.back().second = got < 0 ? 0 : static_cast<size_t>(got);
        total += rest.back().second;
    }
    if (got < 0) {
        buf.clear();
        return static_cast<int>(-got);
    }
    buf.resize(std::min(total, buf.size()));
    buf.reserve(total);
    for (const auto& [block, len] : rest) buf.append(block.get(), len);
    return 0;
}

bool gone(int err) {
    return err == ENOENT || err == ESRCH;
}

// A process that exited (gone, or a zombie whose memory is already released): reading its
// pagemap then fails with EACCES, which must not be reported as another user's process. Its
// state may not say Z yet (the memory goes before the exit is announced), so a later EACCES
// after the first file was readable also counts: our permission to it did not change.
bool exited(int pid) {
    std::string stat;
    if (!read_file("/proc/" + std::to_string(pid) + "/stat", stat)) return true;
    size_t paren = stat.rfind(')');
    return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z' ||
           stat[paren + 2] == 'X';
}

// Plain words for a failed read of one of the process's /proc files.
std::string explain(int pid, const std::string& path, int err, bool first) {
    if (gone(err) && first) return fmt::format("no process {} (it does not exist or exited)", pid);
    if (gone(err) || ((err == EACCES || err == EPERM) && (!first || exited(pid))))
        return fmt::format("process {} exited while being read", pid);
    if (err == EACCES || err == EPERM)
        return fmt::format("permission denied: {} belongs to another user; reading it needs the "
                           "same user or CAP_SYS_PTRACE",
                           path);
    return fmt::format("{}: {}", path, std::strerror(err));
}

bool effective_cap(int cap) {
    __user_cap_header_struct hdr{};
    __user_cap_data_struct data[2]{};
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    hdr.pid = 0;
    if (::syscall(SYS_capget, &hdr, data) != 0) return false;
    return (data[cap / 32].effective >> (cap % 32)) & 1u;
}

bool any_pfn(const std::vector<Mapping>& ms) {
    for (const Mapping& m : ms)
        for (const Page& p : m.pages)
            if (abi::pm_pfn(p.entry) != 0) return true;
    return false;
}

// Whether read_pages reads this mapping's pagemap entries.
bool wants_pages(const Mapping& m, const ReadOptions& opt, uint64_t page_size) {
    if (opt.skip_vsyscall && m.path == "[vsyscall]") return false;
    return m.page_count(page_size) <= opt.max_pages_per_mapping;
}

// Pagemap entries seen as Pages (Page{entry}), so vector::insert constructs each in place in
// one pass (push_back per entry checked the capacity every time).
struct AsPage {
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Page;
    using difference_type = std::ptrdiff_t;
    using pointer = const Page*;
    using reference = Page;
    const uint64_t* p;
    Page operator*() const { return Page{*p}; }
    AsPage& operator++() {
        ++p;
        return *this;
    }
    AsPage operator++(int) { return AsPage{p++}; }
    AsPage& operator--() {
        --p;
        return *this;
    }
    AsPage& operator+=(difference_type n) {
        p += n;
        return *this;
    }
    difference_type operator-(const AsPage& o) const { return p - o.p; }
    bool operator==(const AsPage& o) const { return p == o.p; }
};

// A mapping's pages while its entries are read: shared with its twin of an earlier read (same
// range) as long as every entry so far is the twin's, else its own.
struct Fill {
    const PageVec* twin = nullptr; // while every entry so far equals the twin's
    uint64_t n = 0, done = 0;      // pages in all, entries read so far
};

// Entries [0, upto) of the twin as fresh Pages (no kpage values), then its own from there.
void diverge(Mapping& m, Fill& f, uint64_t upto) {
    std::vector<Page>& dst = m.pages.own();
    dst.reserve(f.n);
    for (uint64_t q = 0; q < upto; ++q) dst.push_back(Page{(*f.twin)[q].entry});
    f.twin = nullptr;
}

// Entries [k, k + take) of one chunk for mapping m: compared with its twin while it has one,
// else appended (constructed in place from the entries, one pass, no capacity checks).
void fill(Mapping& m, Fill& f, const uint64_t* src, uint64_t take) {
    if (f.twin) {
        const Page* t = std::as_const(*f.twin).data() + f.done;
        uint64_t j = 0;
        while (j < take && t[j].entry == src[j]) ++j;
        if (j == take) {
            f.done += take;
            return;
        }
        diverge(m, f, f.done);
    }
    std::vector<Page>& dst = m.pages.own();
    dst.insert(dst.end(), AsPage{src}, AsPage{src + take});
    f.done += take;
}

// The twins of maps in `earlier` (same range, pages read), found by address; a cursor.
struct Twins {
    const Process* earlier;
    size_t i = 0;
    const PageVec* of(const Mapping& m, uint64_t page_size) {
        if (!earlier) return nullptr;
        const auto& ms = earlier->mappings;
        while (i < ms.size() && ms[i].start < m.start) ++i;
        if (i == ms.size() || ms[i].start != m.start || ms[i].end != m.end ||
            ms[i].pages.size() != m.page_count(page_size) || ms[i].pages.empty())
            return nullptr;
        return &ms[i].pages;
    }
};

// Reads the pagemap entries of maps[first, last) (adjacent ranges, so one stretch of the
// file) in preads of up to kPagemapChunk entries; returns 0 or an errno. A mapping whose every
// entry equals its twin's in `twins` shares the twin's pages.
int read_stretch(int fd, std::span<Mapping> maps, uint64_t page_size, Twins& twins,
                 std::vector<uint64_t>& buf) {
    const uint64_t first_page = maps.front().start / page_size;
    const uint64_t count = maps.back().end / page_size - first_page;
    std::vector<Fill> fills(maps.size());
    for (size_t k = 0; k < maps.size(); ++k) {
        Mapping& m = maps[k];
        m.pages.clear();
        fills[k].n = m.page_count(page_size);
        fills[k].twin = twins.of(m, page_size);
        if (!fills[k].twin) m.pages.reserve(fills[k].n); // appended: each Page written once
    }
    buf.resize(std::min<uint64_t>(count, kPagemapChunk));
    size_t mi = 0;
    for (uint64_t done = 0; done < count;) {
        const uint64_t n = std::min<uint64_t>(count - done, kPagemapChunk);
        ssize_t got =
            pread_all(fd, buf.data(), n * sizeof(uint64_t), (first_page + done) * sizeof(uint64_t));
        if (got < 0) return static_cast<int>(-got);
        if (static_cast<uint64_t>(got) != n * sizeof(uint64_t)) return ESRCH; // mm went away
        for (uint64_t k = 0; k < n;) {
            while (fills[mi].done == fills[mi].n) ++mi;
            const uint64_t take = std::min<uint64_t>(n - k, fills[mi].n - fills[mi].done);
            fill(maps[mi], fills[mi], buf.data() + k, take);
            k += take;
        }
        done += n;
    }
    for (size_t k = 0; k < maps.size(); ++k)
        if (fills[k].twin) maps[k].pages = *fills[k].twin;
    return 0;
}

// Pagemap entries for every mapping (adjacent mappings in one stretch), then kpage* values
// where needed when PFNs are visible.
bool read_pages(int pid, const ReadOptions& opt, uint64_t page_size, const Process* earlier,
                Process& out) {
    const std::string path = fmt::format("/proc/{}/pagemap", pid);
    Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) {
        out.error = explain(pid, path, errno, false);
        return false;
    }
    std::vector<uint64_t> buf;
    Twins twins{earlier};
    auto& ms = out.mappings;
    for (size_t i = 0; i < ms.size();) {
        if (!wants_pages(ms[i], opt, page_size)) {
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < ms.size() && ms[j].start == ms[j - 1].end && wants_pages(ms[j], opt, page_size))
            ++j;
        if (int err = read_stretch(f.fd, std::span(ms).subspan(i, j - i), page_size, twins, buf);
            err != 0) {
            out.error = explain(pid, path, err, false);
            return false;
        }
        i = j;
    }
    out.pfn_known = effective_cap(kCapSysAdmin) || any_pfn(ms);
    if (out.pfn_known && opt.kpage) {
        Process* one = &out;
        ReadOptions with_pss = opt; // smaps and pagemap were both read just now
        with_pss.pss_proof = true;
        read_kpage(std::span(&one, 1), with_pss);
    }
    return true;
}

// The maps text is the header line of every smaps block.
void derive_maps_text(Process& out) {
    out.maps_text.clear();
    for (const Mapping& m : out.mappings) {
        std::string_view block = m.smaps_text;
        size_t nl = block.find('\n');
        out.maps_text.append(block.substr(0, nl == std::string_view::npos ? block.size() : nl));
        out.maps_text += '\n';
    }
}

// Resets what read_process fills; keeps the lab's labels (parent, name, state).
// (smaps_raw keeps its bytes until slurp overwrites them: no zero-fill of its capacity.)
void reset(Process& out, int pid) {
    out.pid = pid;
    out.mappings.clear();
    out.maps_text.clear();
    out.status.clear();
    out.minflt = out.majflt = 0;
    out.pfn_known = out.kpage_known = false;
    out.error.clear();
}

// PAGEMAP_SCAN (include/uapi/linux/fs.h, Linux 6.7); Debian 12's headers predate it.
struct PageRegion {
    uint64_t start, end, categories;
};
struct PmScanArg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
constexpr uint64_t kPageIsPresent = 1u << 3;
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);

// Runs PAGEMAP_SCAN (read-only: no write-protect flags) over one page of our own memory.
bool pagemap_scan_works(int pagemap_fd, uint64_t addr, uint64_t page_size) {
    PageRegion region{};
    PmScanArg arg{};
    arg.size = sizeof arg;
    arg.start = addr & ~(page_size - 1);
    arg.end = arg.start + page_size;
    arg.vec = reinterpret_cast<uintptr_t>(&region);
    arg.vec_len = 1;
    arg.category_anyof_mask = kPageIsPresent;
    arg.return_mask = kPageIsPresent;
    return ::ioctl(pagemap_fd, kPagemapScan, &arg) >= 0;
}

// The mode in brackets: "always [madvise] never" -> "madvise".
std::string thp_mode() {
    std::string text;
    if (slurp("/sys/kernel/mm/transparent_hugepage/enabled", text) != 0) return "unavailable";
    size_t b = text.find('['), e = text.find(']');
    if (b == std::string::npos || e == std::string::npos || e < b) return "unknown";
    return text.substr(b + 1, e - b - 1);
}

// PFN of one of our own pages that is surely present (a stack variable we just wrote).
uint64_t own_pfn(int pagemap_fd, uint64_t page_size, uint64_t& addr) {
    volatile uint64_t touched = 1;
    touched = touched + 1;
    addr = reinterpret_cast<uintptr_t>(&touched);
    uint64_t entry = 0;
    if (pread_all(pagemap_fd, &entry, sizeof entry, addr / page_size * sizeof entry) !=
        static_cast<ssize_t>(sizeof entry))
        return 0;
    return abi::pm_pfn(entry);
}

std::string limits_reason(const Capabilities& c) {
    std::string r;
    if (!c.pfn)
        r = "Physical frames, mapcounts and page flags need CAP_SYS_ADMIN: run mmaplab as root "
            "to see them.";
    else if (!c.kpage)
        r = "/proc/kpagecount and /proc/kpageflags cannot be read, so mapcounts and page flags "
            "are not shown.";
    if (!c.pagemap_scan) {
        if (!r.empty()) r += ' ';
        r += "This kernel has no PAGEMAP_SCAN (Linux 6.7+); pages are read from pagemap.";
    }
    return r;
}

} // namespace

Capabilities probe_capabilities() {
    Capabilities c;
    utsname u{};
    if (::uname(&u) == 0) c.kernel = u.release;
    c.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    c.thp = thp_mode();
    Fd pm(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
    uint64_t addr = 0, pfn = 0;
    if (pm.fd >= 0) {
        pfn = own_pfn(pm.fd, c.page_size, addr);
        c.pagemap_scan = pagemap_scan_works(pm.fd, addr, c.page_size);
    }
    c.pfn = pfn != 0 || effective_cap(kCapSysAdmin);
    Fd kc(::open("/proc/kpagecount", O_RDONLY | O_CLOEXEC));
    uint64_t count = 0;
    c.kpage = kc.fd >= 0 && pread_all(kc.fd, &count, sizeof count, pfn * sizeof count) ==
                                static_cast<ssize_t>(sizeof count);
    c.reason = limits_reason(c);
    return c;
}

bool read_file(const std::string& path, std::string& buf, std::string* error) {
    int err = slurp(path, buf);
    if (err != 0 && error) *error = fmt::format("{}: {}", path, std::strerror(err));
    return err == 0;
}

void keep_freed_memory() {
    static std::once_flag once; // not data: the settings are the allocator's
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's maximum (HEAP_MAX_SIZE / 2 on 64 bit)
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
    });
}

bool read_process(int pid, const ReadOptions& opt, Process& out, const Process* earlier) {
    keep_freed_memory();
    reset(out, pid);
    const std::string base = fmt::format("/proc/{}/", pid);
    std::string stat_text, status_text;
    if (int err = slurp(base + "smaps", out.smaps_raw); err != 0) {
        out.error = explain(pid, base + "smaps", err, true);
        return false;
    }
    if (int err = slurp(base + "stat", stat_text); err != 0) {
        out.error = explain(pid, base + "stat", err, false);
        return false;
    }
    const size_t close = stat_text.rfind(") ");
    const char state = close == std::string::npos ? '?' : stat_text[close + 2];
    if (state == 'Z' || state == 'X') {
        out.error = fmt::format("process {} exited while being read", pid);
        return false;
    }
    if (int err = slurp(base + "status", status_text); err != 0) {
        out.error = explain(pid, base + "status", err, false);
        return false;
    }
    parse_stat(stat_text, out.minflt, out.majflt);
    out.status = parse_status(status_text);
    // Parse only now: smaps_raw is in its final place, so the views stay valid.
    static const std::vector<Mapping> none;
    out.mappings = parse_smaps(out.smaps_raw, earlier ? earlier->mappings : none);
    derive_maps_text(out);
    const uint64_t page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    if (opt.pages && !read_pages(pid, opt, page_size, earlier, out)) return false;
    return true;
}

} // namespace mml::procfs
