// The Lab's safety checks: RAM a request would take against MemAvailable, mappings against
// vm.max_map_count, lab file sizes against limits and free disk, and where writes may go.
#include "lab_guard.hpp"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/core.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace mml::guard {

namespace {

// Reads a small file (/proc/meminfo, a sysctl) whole; "" when unreadable.
std::string slurp(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

std::string percent(double share) {
    return fmt::format("{:g}%", std::round(share * 1000.0) / 10.0);
}

// The kernel interface areas (never written) a path lies in, or "".
std::string system_area(const std::string& p) {
    for (const char* area : {"/proc", "/sys", "/dev"}) {
        size_t n = std::strlen(area);
        if (p.compare(0, n, area) == 0 && (p.size() == n || p[n] == '/')) return area;
    }
    return {};
}

std::string area_words(const std::string& area) {
    if (area == "/proc") return "the kernel's view of processes, not files";
    if (area == "/sys") return "kernel and device settings, not files";
    return "devices, not files; for shared memory use shm_open(\"/name\", ...)";
}

bool harmless_device(const std::string& p) {
    for (const char* d : {"/dev/zero", "/dev/null", "/dev/full", "/dev/random", "/dev/urandom"})
        if (p == d) return true;
    return false;
}

std::string outside_words(const std::string& path, const std::string& lab_dir) {
    return fmt::format("refused: {} is outside the lab directory {}; mmaplab writes only there "
                       "(files elsewhere open with O_RDONLY) unless writes outside the lab are "
                       "allowed (--allow-writes-outside-lab, or confirm it in the window)",
                       path, lab_dir);
}

} // namespace

uint64_t mem_available() {
    std::string text = slurp("/proc/meminfo");
    size_t at = text.find("MemAvailable:");
    if (at == std::string::npos) return 0;
    unsigned long long kb = 0;
    if (std::sscanf(text.c_str() + at, "MemAvailable: %llu kB", &kb) != 1) return 0;
    return static_cast<uint64_t>(kb) * 1024;
}

int64_t max_map_count() {
    std::string text = slurp("/proc/sys/vm/max_map_count");
    long long v = 0;
    if (std::sscanf(text.c_str(), "%lld", &v) != 1 || v <= 0) return 65530;
    return v;
}

uint64_t free_disk(const std::string& path) {
    struct statvfs st {};
    if (statvfs(path.c_str(), &st) != 0) return std::numeric_limits<uint64_t>::max();
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

int64_t count_mappings(int pid) {
    int fd = open(fmt::format("/proc/{}/maps", pid).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int64_t lines = 0;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) lines += buf[i] == '\n';
    }
    close(fd);
    return lines;
}

bool has_locked_memory(int pid) {
    std::string text = slurp(fmt::format("/proc/{}/status", pid).c_str());
    size_t at = text.find("VmLck:");
    unsigned long long kb = 0;
    return at != std::string::npos && std::sscanf(text.c_str() + at, "VmLck: %llu", &kb) == 1 &&
           kb > 0;
}

std::string bytes_text(uint64_t n) {
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) return fmt::format("{} bytes", n);
    double v = static_cast<double>(n);
    int unit = -1;
    while (v >= 1024.0 && unit < 5) {
        v /= 1024.0;
        ++unit;
    }
    double tenths = std::round(v * 10.0) / 10.0;
    if (tenths == std::floor(tenths)) return fmt::format("{:.0f} {}", tenths, kUnits[unit]);
    return fmt::format("{:.1f} {}", tenths, kUnits[unit]);
}

MemoryUse memory_use(const Request& r) {
    MemoryUse u;
    uint64_t len = r.a[1];
    switch (r.op) {
    case Op::Mmap: {
        const auto flags = static_cast<int>(r.a[3]);
        const bool populate = (flags & MAP_POPULATE) != 0, locked = (flags & MAP_LOCKED) != 0;
        if (!populate && !locked) return u;
        u.what = populate && locked ? "MAP_POPULATE | MAP_LOCKED"
                                    : (populate ? "MAP_POPULATE" : "MAP_LOCKED");
        u.advice = fmt::format("without {} the kernel would reserve it lazily (try "
                               "MAP_NORESERVE)",
                               populate && locked ? "MAP_POPULATE and MAP_LOCKED" : u.what);
        break;
    }
    case Op::Mlock:
        u.what = "mlock";
        u.advice = "mlock pins every page of the range in RAM; lock a smaller range";
        break;
    case Op::Madvise:
        if (r.a[2] != MADV_POPULATE_READ && r.a[2] != MADV_POPULATE_WRITE) return u;
        u.what = r.a[2] == MADV_POPULATE_READ ? "MADV_POPULATE_READ" : "MADV_POPULATE_WRITE";
        u.advice = "populate a smaller range";
        break;
    case Op::Fill:
        u.what = "memset";
        u.advice = "every page written takes a page of RAM; write a smaller range";
        break;
    case Op::TouchWrite: {
        u.what = "write_pages";
        u.advice = "every page written takes a page of RAM; write a smaller range";
        // a[3] > page size: one page every a[3] bytes (rounded up to whole pages).
        const uint64_t ps = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
        if (r.a[3] > ps && static_cast<int64_t>(len) > 0) {
            const uint64_t step = (r.a[3] + ps - 1) / ps * ps;
            len = (len + step - 1) / step * ps;
        }
        break;
    }
    case Op::TouchRead:
        u.what = "read_pages";
        u.advice = "reading shared memory or a file brings its pages into RAM; read a smaller "
                   "range";
        break;
    case Op::Mremap: // populates the new part only when the mapping is locked
        if (r.a[2] <= r.a[1]) return u;
        u.what = "mremap growing locked memory";
        u.advice = "the process holds locked memory (MAP_LOCKED or mlock), and growing a locked "
                   "mapping populates the new part; munlock it first";
        u.only_if_locked = true;
        len = r.a[2] - r.a[1];
        break;
    default:
        return u;
    }
    u.bytes = len;
    u.signed_negative = static_cast<int64_t>(len) < 0;
    return u;
}

std::string check_memory(const MemoryUse& use, double share, uint64_t available) {
    if (use.bytes == 0 || available == 0) return {};
    const double limit = static_cast<double>(available) * share;
    if (static_cast<double>(use.bytes) <= limit) return {};
    std::string size = bytes_text(use.bytes);
    std::string of = use.signed_negative ? fmt::format("{} ({} as a signed number)", size,
                                                       static_cast<int64_t>(use.bytes))
                                         : size;
    std::string out;
    if (use.bytes > available)
        out = fmt::format("refused: {} of {} would need {} of RAM and only {} is available",
                          use.what, of, size, bytes_text(available));
    else
        out = fmt::format("refused: {} of {} would need {} of RAM, more than the {} of the {} "
                          "available that one request may take (Preferences)",
                          use.what, of, size, percent(share), bytes_text(available));
    if (!use.advice.empty()) out += "; " + use.advice;
    return out;
}

int mappings_added(const Request& r) {
    switch (r.op) {
    case Op::Mmap:
        return (static_cast<int>(r.a[3]) & MAP_FIXED) != 0 ? 2 : 1;
    case Op::Munmap:
        return 1;
    case Op::Mprotect:
    case Op::Madvise:
    case Op::Mlock:
    case Op::Munlock:
    case Op::Mremap:
    case Op::SetVmaName:
        return 2;
    default:
        return 0;
    }
}

std::string mappings_refusal(int pid, int64_t count, int64_t limit, int64_t max_map_count) {
    return fmt::format("refused: lab process {} has {} mappings and this could add more; mmaplab "
                       "stops at {} per process, well before the kernel's vm.max_map_count of "
                       "{} (each mapping costs kernel memory and slows every snapshot); unmap "
                       "some, or raise the limit in Preferences",
                       pid, count, limit, max_map_count);
}

std::string check_file_growth(const std::string& what, uint64_t cur_size, uint64_t new_size,
                              uint64_t max_bytes, double disk_share, uint64_t free) {
    if (new_size <= cur_size) return {};
    if (static_cast<int64_t>(new_size) < 0) return {}; // the kernel answers EINVAL itself
    if (new_size > max_bytes)
        return fmt::format("refused: {} would make the file {}; lab files are limited to {} "
                           "(raise it in Preferences)",
                           what, bytes_text(new_size), bytes_text(max_bytes));
    const uint64_t grow = new_size - cur_size;
    if (free != std::numeric_limits<uint64_t>::max() &&
        static_cast<double>(grow) > static_cast<double>(free) * disk_share)
        return fmt::format("refused: {} would grow the file by {} and only {} is free on its "
                           "file system (mmaplab lets lab files take at most {} of it)",
                           what, bytes_text(grow), bytes_text(free), percent(disk_share));
    return {};
}

std::string canonical(const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
    if (ec) p = std::filesystem::path(path).lexically_normal();
    std::string s = p.string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

bool inside(const std::string& canonical_path, const std::string& lab_dir) {
    if (lab_dir.empty()) return false;
    return canonical_path == lab_dir || (canonical_path.size() > lab_dir.size() &&
                                         canonical_path.compare(0, lab_dir.size(), lab_dir) == 0 &&
                                         canonical_path[lab_dir.size()] == '/');
}

bool wants_write(int flags) {
    return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
}

std::string check_open(const std::string& path, int flags, const std::string& lab_dir,
                       bool allow_outside) {
    const std::string lexical = std::filesystem::path(path).lexically_normal().string();
    const std::string real = canonical(path);
    const bool write = wants_write(flags);
    std::string area = system_area(lexical);
    if (area.empty()) area = system_area(real);
    if (write && !area.empty())
        return fmt::format("refused: {} is in {}, which mmaplab never opens for writing ({}); "
                           "open it with O_RDONLY",
                           path, area, area_words(area));
    struct stat st {};
    if (stat(real.c_str(), &st) == 0) {
        if (S_ISFIFO(st.st_mode))
            return fmt::format("refused: {} is a FIFO: opening it would block the lab process "
                               "until someone opens the other end",
                               path);
        if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !harmless_device(real))
            return fmt::format("refused: {} is a device; mmaplab opens only /dev/zero, /dev/null, "
                               "/dev/full, /dev/random and /dev/urandom (opening some devices "
                               "has effects of its own)",
                               path);
    }
    if (write && !allow_outside && !inside(real, lab_dir)) return outside_words(lexical, lab_dir);
    return {};
}

std::string check_unlink(const std::string& path, const std::string& lab_dir, bool allow_outside) {
    std::filesystem::path p = std::filesystem::path(path).lexically_normal();
    // unlink removes the name itself: resolve its directory, not a final symbolic link.
    std::string real = canonical(p.parent_path().string()) + "/" + p.filename().string();
    std::string area = system_area(p.string());
    if (area.empty()) area = system_area(real);
    if (!area.empty())
        return fmt::format("refused: {} is in {}, where mmaplab never removes anything ({})", path,
                           area, area_words(area));
    if (!allow_outside && !inside(real, lab_dir)) return outside_words(p.string(), lab_dir);
    return {};
}

std::string check_shm_name(const std::string& name) {
    const size_t start = !name.empty() && name[0] == '/' ? 1 : 0;
    const std::string rest = name.substr(start);
    if (rest.find('/') != std::string::npos)
        return fmt::format("refused: shm name \"{}\" has a '/' after the first character; a POSIX "
                           "shared memory name is one component, like \"/mml_demo\" (the object "
                           "lives in /dev/shm)",
                           name);
    if (rest == "." || rest == "..")
        return fmt::format("refused: \"{}\" is not a shared memory object name", name);
    return {};
}

} // namespace mml::guard
