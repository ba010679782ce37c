// Fences the lab process's own mappings off from the student's: fills the small holes between
// the loader's and libc's mappings and puts one PROT_NONE guard page below the lowest of them,
// so a student's first mmap() never merges with libc's anonymous memory; and maps its own code
// in full at start (populate_own_code). Subject only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace mml::fence {

inline constexpr uint64_t kMaxHole = uint64_t{1} << 30; // holes larger than this are left alone

// Reads the mmap-area mappings (between the heap and the stack) from /proc/self/maps into
// `lo`/`hi` pairs; returns how many.
inline int read_mmap_area(uint64_t* lo, uint64_t* hi, int cap) {
    FILE* f = std::fopen("/proc/self/maps", "re");
    if (!f) return 0;
    char line[512];
    int n = 0;
    bool after_heap = false;
    while (n < cap && std::fgets(line, sizeof line, f)) {
        unsigned long a = 0, b = 0;
        if (std::sscanf(line, "%lx-%lx", &a, &b) != 2) continue;
        if (std::strstr(line, "[heap]")) {
            after_heap = true;
            continue;
        }
        if (std::strstr(line, "[stack]")) break;
        if (!after_heap && n == 0 && std::strstr(line, "mmaplab-subject")) continue;
        lo[n] = a;
        hi[n] = b;
        ++n;
    }
    std::fclose(f);
    return n;
}

inline void* reserve(uint64_t addr, uint64_t len) {
    return mmap(reinterpret_cast<void*>(addr), len, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
}

inline void fence_own_mappings() {
    uint64_t lo[64], hi[64];
    int n = read_mmap_area(lo, hi, 64);
    if (n == 0) return;
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    for (int i = 0; i + 1 < n; ++i) {
        uint64_t gap = lo[i + 1] - hi[i];
        if (gap > 0 && gap <= kMaxHole) reserve(hi[i], gap);
    }
    if (lo[0] > page) reserve(lo[0] - page, page);
}

// Maps every page of the lab process's own read-only file mappings (its code and libc's) at
// start, so that running a request for the first time faults nothing in: a read fault there
// maps up to 16 pages around it (fault-around), which skips pages another process holds locked
// at that moment. Without this, whether a student's first mmap() raised Rss by 60-64 kB
// depended on what other processes did (lessons/02-demand-paging checks Rss does not move).
// Best effort: MADV_POPULATE_READ is Linux 5.14+.
inline void populate_own_code() {
#ifndef MADV_POPULATE_READ
    constexpr int MADV_POPULATE_READ = 22;
#endif
    FILE* f = std::fopen("/proc/self/maps", "re");
    if (!f) return;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        unsigned long a = 0, b = 0;
        char perms[8] = {};
        if (std::sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3) continue;
        if (perms[0] != 'r' || perms[1] != '-' || !std::strchr(line, '/')) continue;
        madvise(reinterpret_cast<void*>(a), b - a, MADV_POPULATE_READ);
    }
    std::fclose(f);
}

} // namespace mml::fence
