// Test-only helpers for the lab-process tests: request builders, a tiny pagemap/kpagecount
// reader, /proc/PID/maps VMA counting and process liveness checks.
#pragma once

#include "lab.hpp"
#include "protocol.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace labtest {

inline uint64_t page() {
    return static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

inline mml::LabOptions options() {
    mml::LabOptions o;
    o.subject_path = MMAPLAB_SUBJECT;
    return o;
}

inline mml::Request req(mml::Op op, std::initializer_list<uint64_t> args = {},
                        std::string text = {}) {
    mml::Request r;
    r.op = op;
    size_t i = 0;
    for (uint64_t a : args) r.a[i++] = a;
    r.text = std::move(text);
    return r;
}

inline uint64_t u(int64_t v) {
    return static_cast<uint64_t>(v);
}

inline mml::Request mmap_req(uint64_t addr, uint64_t len, int prot, int flags, int fd = -1,
                             uint64_t off = 0) {
    return req(mml::Op::Mmap, {addr, len, u(prot), u(flags), u(fd), off});
}

// A new lab process with one private anonymous read-write mapping of `bytes`; empty when
// both were made (pid and addr set), else what failed.
inline std::string spawn_with_mapping(mml::Lab& lab, uint64_t bytes, int& pid, uint64_t& addr) {
    std::string err;
    pid = lab.spawn("main", &err);
    if (pid <= 0) return "spawn: " + err;
    mml::Outcome o =
        lab.call(pid, mmap_req(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS));
    if (!o.delivered) return "mmap: " + o.error;
    addr = static_cast<uint64_t>(o.reply.ret);
    return {};
}

inline mml::Request store_req(uint64_t addr, const std::string& bytes) {
    mml::Request r = req(mml::Op::Store, {addr});
    r.data.assign(bytes.begin(), bytes.end());
    return r;
}

inline mml::Request load_req(uint64_t addr, uint64_t len) {
    return req(mml::Op::Load, {addr, len});
}

inline std::string as_string(const std::vector<uint8_t>& d) {
    return std::string(d.begin(), d.end());
}

// One pagemap entry, plus kpagecount when readable (root).
struct PageInfo {
    bool ok = false; // pagemap could be read
    bool present = false;
    bool exclusive = false;
    uint64_t pfn = 0;
    int64_t count = -1; // /proc/kpagecount, -1 when unreadable or not present
};

inline bool pread_u64(const std::string& path, uint64_t index, uint64_t& out) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = pread(fd, &out, sizeof out, static_cast<off_t>(index * sizeof out));
    close(fd);
    return n == static_cast<ssize_t>(sizeof out);
}

inline PageInfo page_info(int pid, uint64_t addr) {
    PageInfo p;
    uint64_t e = 0;
    if (!pread_u64("/proc/" + std::to_string(pid) + "/pagemap", addr / page(), e)) return p;
    p.ok = true;
    p.present = (e >> 63) & 1;
    p.exclusive = (e >> 56) & 1;
    p.pfn = p.present ? (e & ((uint64_t{1} << 55) - 1)) : 0;
    uint64_t c = 0;
    if (p.present && p.pfn != 0 && pread_u64("/proc/kpagecount", p.pfn, c))
        p.count = static_cast<int64_t>(c);
    return p;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// VMAs of `pid` overlapping [start, end).
inline int count_vmas(int pid, uint64_t start, uint64_t end) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/maps"));
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        unsigned long long s = 0, e = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx", &s, &e) != 2) continue;
        if (s < end && e > start) ++n;
    }
    return n;
}

// Gone, or a zombie nobody has reaped yet: either way no longer running.
inline bool is_dead(int pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    return paren == std::string::npos || (paren + 2 < stat.size() && stat[paren + 2] == 'Z');
}

inline int parent_of(int pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return -1;
    char state = 0;
    int ppid = -1;
    if (std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) != 2) return -1;
    return ppid;
}

inline bool exists(const std::string& path) {
    return access(path.c_str(), F_OK) == 0;
}

inline bool root() {
    return geteuid() == 0;
}

} // namespace labtest
