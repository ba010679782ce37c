// The Lab's safety checks (internal to core/): what a request would cost the machine (RAM,
// mappings, disk) and where it may write, decided BEFORE it reaches a lab process.
#pragma once

#include "protocol.hpp"

#include <cstdint>
#include <string>

namespace mml::guard {

// --- what the machine offers now -----------------------------------------------------------

uint64_t mem_available();                    // MemAvailable of /proc/meminfo in bytes; 0: unknown
int64_t max_map_count();                     // vm.max_map_count; 65530 when unreadable
uint64_t free_disk(const std::string& path); // bytes free for us there; UINT64_MAX: unknown
int64_t count_mappings(int pid);             // lines of /proc/PID/maps; -1 when unreadable
bool has_locked_memory(int pid);             // VmLck of /proc/PID/status is not 0
std::string bytes_text(uint64_t n);          // "100 GiB", "21.3 GiB", "4 KiB", "12 bytes"

// --- memory ----------------------------------------------------------------------------------

// RAM a request takes at once: populating, locking, or touching every page of a range.
struct MemoryUse {
    uint64_t bytes = 0;           // 0: the request takes no RAM up front
    std::string what;             // as the user wrote it: "MAP_POPULATE", "memset", "mlock", ...
    std::string advice;           // what would work instead ("" when nothing to add)
    bool signed_negative = false; // the length was a negative number converted to size_t
    bool only_if_locked = false;  // counts only when the process has locked memory (mremap)
};
MemoryUse memory_use(const Request& r);
// "" when `use` fits into `share` (0..1) of `available` bytes (available 0: unknown, allowed).
std::string check_memory(const MemoryUse& use, double share, uint64_t available);

// Mappings a request may add at most (a range operation splits a VMA at both ends).
int mappings_added(const Request& r);
std::string mappings_refusal(int pid, int64_t count, int64_t limit, int64_t max_map_count);

// --- files -----------------------------------------------------------------------------------

// A lab file growing to `new_size` (ftruncate, write): "" when within `max_bytes` and within
// `disk_share` of the free space `free` (UINT64_MAX: unknown). `cur_size` is its size now.
std::string check_file_growth(const std::string& what, uint64_t cur_size, uint64_t new_size,
                              uint64_t max_bytes, double disk_share, uint64_t free);

// Paths are absolute. `lab_dir` is canonical (no symbolic links, no "..").
std::string canonical(const std::string& path); // resolves the existing part, normalises the rest
bool inside(const std::string& canonical_path, const std::string& lab_dir);
bool wants_write(int open_flags); // O_WRONLY, O_RDWR, O_CREAT, O_TRUNC (O_TMPFILE included)
std::string check_open(const std::string& path, int flags, const std::string& lab_dir,
                       bool allow_outside);
std::string check_unlink(const std::string& path, const std::string& lab_dir, bool allow_outside);
// A POSIX shm name: one component ("/name" or "name"), not "." or "..".
std::string check_shm_name(const std::string& name);

} // namespace mml::guard
