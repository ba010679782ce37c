// The kernel ABI, defined once: pagemap bits, kpageflags names, VmFlags codes and smaps
// field descriptions. Parsers and the UI both read these tables; unknown codes stay raw.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mml::abi {

// /proc/PID/pagemap: one 64-bit entry per virtual page (Documentation/admin-guide/mm/pagemap.rst).
inline constexpr uint64_t kPmPfnMask = (uint64_t{1} << 55) - 1; // bits 0-54 (present pages)
inline constexpr int kPmSoftDirtyBit = 55;
inline constexpr int kPmExclusiveBit = 56; // page exclusively mapped (since 4.2)
inline constexpr int kPmUffdWpBit = 57;    // userfaultfd write-protected
inline constexpr int kPmGuardBit = 58;     // guard region (since 6.15)
inline constexpr int kPmFileSharedBit = 61; // file-backed page or shared anonymous
inline constexpr int kPmSwappedBit = 62;
inline constexpr int kPmPresentBit = 63;

constexpr bool pm_bit(uint64_t e, int bit) { return (e >> bit) & 1u; }
constexpr bool pm_present(uint64_t e) { return pm_bit(e, kPmPresentBit); }
constexpr bool pm_swapped(uint64_t e) { return pm_bit(e, kPmSwappedBit); }
constexpr bool pm_file_shared(uint64_t e) { return pm_bit(e, kPmFileSharedBit); }
constexpr bool pm_exclusive(uint64_t e) { return pm_bit(e, kPmExclusiveBit); }
constexpr bool pm_soft_dirty(uint64_t e) { return pm_bit(e, kPmSoftDirtyBit); }
constexpr bool pm_uffd_wp(uint64_t e) { return pm_bit(e, kPmUffdWpBit); }
constexpr bool pm_guard(uint64_t e) { return pm_bit(e, kPmGuardBit); }
constexpr uint64_t pm_pfn(uint64_t e) { return pm_present(e) ? (e & kPmPfnMask) : 0; }

// /proc/kpageflags bit names (include/uapi/linux/kernel-page-flags.h), one table.
struct FlagName {
    int bit;
    std::string_view name;
    std::string_view meaning;
};
std::span<const FlagName> kpageflag_table();
std::optional<std::string_view> kpageflag_name(int bit);
// "ANON|LRU|MMAP|..." with unknown bits as "BIT42".
std::string kpageflags_to_string(uint64_t flags);
inline constexpr int kKpfZeroPage = 24;
inline constexpr int kKpfDirty = 4;
inline constexpr int kKpfAnon = 12;
inline constexpr int kKpfThp = 22;
inline constexpr int kKpfNoPage = 20;

// VmFlags two-letter codes (fs/proc/task_mmu.c show_smap_vma_flags).
struct VmFlag {
    std::string_view code;
    std::string_view words;
};
std::span<const VmFlag> vmflag_table();
// The words for a code, or nullopt for a code this table does not know (show it raw).
std::optional<std::string_view> vmflag_words(std::string_view code);

// smaps field descriptions, one sentence each, for tooltips and docs.
struct SmapsFieldInfo {
    std::string_view name;
    std::string_view meaning;
};
std::span<const SmapsFieldInfo> smaps_field_table();
std::optional<std::string_view> smaps_field_meaning(std::string_view name);

// errno name ("EINVAL") for a value; "E<n>" when unknown.
std::string errno_name(int err);
// signal code name for SIGSEGV/SIGBUS ("SEGV_ACCERR"), or the number.
std::string si_code_name(int sig, int code);
std::string signal_name(int sig); // "SIGSEGV"

} // namespace mml::abi
