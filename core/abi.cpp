// The kernel ABI tables: kpageflags bits, VmFlags codes, smaps field meanings, and names for
// errno values, signals and si_code values. One table each, read by parsers and the UI.
#include "abi.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstring>
#include <fmt/core.h>
#include <string>

namespace mml::abi {

namespace {

// include/uapi/linux/kernel-page-flags.h (0..26) and the kernel-hacking bits (32..42).
constexpr std::array<FlagName, 38> kKpageFlags{{
    {0, "LOCKED", "The page is locked for exclusive access, for example during I/O."},
    {1, "ERROR", "An I/O error happened on the page."},
    {2, "REFERENCED", "The page was referenced since the last LRU list scan."},
    {3, "UPTODATE", "The page holds valid data (it was read or written completely)."},
    {4, "DIRTY", "The page was written and its data is not yet saved to its backing store."},
    {5, "LRU", "The page is on an LRU list, so reclaim can consider it."},
    {6, "ACTIVE", "The page is on the active LRU list (recently used)."},
    {7, "SLAB", "The page belongs to the kernel's slab allocator."},
    {8, "WRITEBACK", "The page is being written back to its backing store right now."},
    {9, "RECLAIM", "The page will be reclaimed as soon as its writeback finishes."},
    {10, "BUDDY", "The page is free and owned by the buddy allocator."},
    {11, "MMAP", "The page is mapped into at least one process's page tables."},
    {12, "ANON", "The page is anonymous memory (no file behind it)."},
    {13, "SWAPCACHE", "The page is in the swap cache (it has a slot in swap)."},
    {14, "SWAPBACKED", "The page is backed by swap or RAM (anonymous or shmem), not a file."},
    {15, "COMPOUND_HEAD", "The page is the first page of a compound (huge or large) page."},
    {16, "COMPOUND_TAIL", "The page is a later page of a compound (huge or large) page."},
    {17, "HUGE", "The page is part of a hugetlbfs huge page."},
    {18, "UNEVICTABLE", "The page is on the unevictable list (mlocked, ramfs, ...)."},
    {19, "HWPOISON", "The hardware reported a memory error on this page."},
    {20, "NOPAGE", "No page frame exists at this PFN."},
    {21, "KSM", "The page is merged by KSM and shared between identical pages."},
    {22, "THP", "The page is part of a transparent huge page (or a large folio)."},
    {23, "OFFLINE", "The page is logically offline (for example taken by a balloon driver)."},
    {24, "ZERO_PAGE", "The page is the shared zero page that reads of untouched memory map."},
    {25, "IDLE", "The page was not accessed since it was marked idle (page_idle tracking)."},
    {26, "PGTABLE", "The page holds page tables of some process."},
    {32, "RESERVED", "The page is reserved by the kernel (never allocated normally)."},
    {33, "MLOCKED", "The page is locked in memory by mlock()."},
    {34, "MAPPEDTODISK", "The page has disk blocks allocated behind it."},
    {35, "PRIVATE", "The page has filesystem-private data attached (page->private)."},
    {36, "PRIVATE_2", "The page has the second filesystem-private flag set."},
    {37, "OWNER_PRIVATE", "The page's owner (filesystem or driver) set its private flag."},
    {38, "ARCH", "An architecture-specific page flag is set."},
    {39, "UNCACHED", "The page is mapped uncached (no CPU caching)."},
    {40, "SOFTDIRTY", "The page was written since soft-dirty bits were last cleared."},
    {41, "ARCH_2", "The second architecture-specific page flag is set."},
    {42, "ARCH_3", "The third architecture-specific page flag is set."},
}};

// fs/proc/task_mmu.c show_smap_vma_flags, including codes of older and arch-specific kernels.
constexpr std::array<VmFlag, 42> kVmFlags{{
    {"rd", "readable"},
    {"wr", "writable"},
    {"ex", "executable"},
    {"sh", "shared"},
    {"mr", "may read"},
    {"mw", "may write"},
    {"me", "may execute"},
    {"ms", "may share"},
    {"gd", "stack segment grows down"},
    {"gu", "segment grows up"},
    {"pf", "pure PFN range (no struct page)"},
    {"lf", "lock pages on fault (mlock2 MLOCK_ONFAULT)"},
    {"dw", "disabled write to the mapped file (old kernels)"},
    {"lo", "pages are locked in memory"},
    {"io", "memory-mapped I/O area"},
    {"sr", "sequential read advised"},
    {"rr", "random read advised"},
    {"dc", "do not copy on fork (MADV_DONTFORK)"},
    {"de", "do not expand on remapping"},
    {"ac", "counted against the commit limit (accountable)"},
    {"nr", "swap space is not reserved (MAP_NORESERVE)"},
    {"ht", "hugetlbfs huge pages"},
    {"sf", "synchronous page faults (MAP_SYNC)"},
    {"nl", "non-linear mapping (old kernels)"},
    {"ar", "architecture-specific flag"},
    {"wf", "wiped to zero on fork (MADV_WIPEONFORK)"},
    {"dd", "not included in core dumps (MADV_DONTDUMP)"},
    {"bt", "arm64 BTI guarded pages"},
    {"sd", "soft-dirty tracking"},
    {"mm", "mixed map (PFNs and struct pages)"},
    {"hg", "huge pages advised (MADV_HUGEPAGE)"},
    {"nh", "no huge pages advised (MADV_NOHUGEPAGE)"},
    {"mg", "mergeable by KSM (MADV_MERGEABLE)"},
    {"um", "userfaultfd missing-page tracking"},
    {"uw", "userfaultfd write-protect tracking"},
    {"ui", "userfaultfd minor-fault tracking"},
    {"ss", "shadow stack (or arm64 guarded control stack)"},
    {"sl", "sealed: the mapping cannot be changed (mseal)"},
    {"dp", "droppable: the kernel may free its pages at any time"},
    {"mt", "arm64 MTE allocation tags enabled"},
    {"mp", "Intel MPX bounds tables (old kernels)"},
    {"??", "a flag bit this kernel has no two-letter code for"},
}};

constexpr std::array<SmapsFieldInfo, 28> kSmapsFields{{
    {"Size", "Virtual size of the mapping; pages need not be resident."},
    {"KernelPageSize", "Page size the kernel uses for this mapping (4 kB, or a hugetlb size)."},
    {"MMUPageSize", "Page size the MMU uses for this mapping."},
    {"Rss", "Resident set: memory of this mapping now in RAM and mapped in this process."},
    {"Pss", "Proportional set: each resident page divided by the number of processes mapping it."},
    {"Pss_Dirty", "The part of Pss that comes from dirty pages."},
    {"Pss_Anon", "The part of Pss that comes from anonymous pages."},
    {"Pss_File", "The part of Pss that comes from file-backed pages."},
    {"Pss_Shmem", "The part of Pss that comes from shmem (tmpfs, shared anonymous) pages."},
    {"Shared_Clean", "Unmodified resident pages that are mapped by more than one process."},
    {"Shared_Dirty", "Modified resident pages that are mapped by more than one process."},
    {"Private_Clean",
     "Unmodified resident pages mapped only by this process (even if MAP_SHARED)."},
    {"Private_Dirty", "Modified resident pages mapped only by this process (even if MAP_SHARED)."},
    {"Referenced", "Resident memory marked as accessed since the referenced bits were cleared."},
    {"Anonymous", "Resident memory with no file behind it, including copy-on-write copies."},
    {"KSM", "Resident memory merged by KSM (identical pages shared by the kernel)."},
    {"LazyFree", "Memory released with MADV_FREE that the kernel may drop if it stays clean."},
    {"AnonHugePages", "Anonymous memory mapped with transparent huge pages (PMD size)."},
    {"ShmemPmdMapped", "Shmem memory mapped with huge page table entries (PMD size)."},
    {"FilePmdMapped", "File memory mapped with huge page table entries (PMD size)."},
    {"Shared_Hugetlb", "hugetlbfs memory mapped by more than one process (not counted in Rss)."},
    {"Private_Hugetlb", "hugetlbfs memory mapped only by this process (not counted in Rss)."},
    {"Swap", "Anonymous memory of this mapping that is now in swap, not in RAM."},
    {"SwapPss", "Proportional swap: each swapped page divided by the processes sharing it."},
    {"Locked", "Resident memory locked in RAM (mlock), counted proportionally like Pss."},
    {"THPeligible", "1 when this mapping may get transparent huge pages, else 0."},
    {"ProtectionKey", "The memory protection key (pkey) assigned to this mapping."},
    {"VmFlags", "The kernel's flags for this mapping, as two-letter codes."},
}};

struct CodeName {
    int code;
    std::string_view name;
};

constexpr std::array<CodeName, 10> kSegvCodes{{
    {1, "SEGV_MAPERR"},
    {2, "SEGV_ACCERR"},
    {3, "SEGV_BNDERR"},
    {4, "SEGV_PKUERR"},
    {5, "SEGV_ACCADI"},
    {6, "SEGV_ADIDERR"},
    {7, "SEGV_ADIPERR"},
    {8, "SEGV_MTEAERR"},
    {9, "SEGV_MTESERR"},
    {10, "SEGV_CPERR"},
}};

constexpr std::array<CodeName, 5> kBusCodes{{
    {1, "BUS_ADRALN"},
    {2, "BUS_ADRERR"},
    {3, "BUS_OBJERR"},
    {4, "BUS_MCEERR_AR"},
    {5, "BUS_MCEERR_AO"},
}};

// Codes any signal may carry (who sent it), from <asm-generic/siginfo.h>.
constexpr std::array<CodeName, 9> kAnyCodes{{
    {0, "SI_USER"},
    {0x80, "SI_KERNEL"},
    {-1, "SI_QUEUE"},
    {-2, "SI_TIMER"},
    {-3, "SI_MESGQ"},
    {-4, "SI_ASYNCIO"},
    {-5, "SI_SIGIO"},
    {-6, "SI_TKILL"},
    {-7, "SI_DETHREAD"},
}};

template <size_t N>
std::optional<std::string_view> find_code(const std::array<CodeName, N>& table, int code) {
    for (const CodeName& c : table)
        if (c.code == code) return c.name;
    return std::nullopt;
}

} // namespace

std::span<const FlagName> kpageflag_table() {
    return kKpageFlags;
}

std::optional<std::string_view> kpageflag_name(int bit) {
    for (const FlagName& f : kKpageFlags)
        if (f.bit == bit) return f.name;
    return std::nullopt;
}

std::string kpageflags_to_string(uint64_t flags) {
    std::string out;
    for (int bit = 0; bit < 64; ++bit) {
        if (!((flags >> bit) & 1u)) continue;
        if (!out.empty()) out += '|';
        if (auto name = kpageflag_name(bit))
            out += *name;
        else
            out += fmt::format("BIT{}", bit);
    }
    return out;
}

std::span<const VmFlag> vmflag_table() {
    return kVmFlags;
}

std::optional<std::string_view> vmflag_words(std::string_view code) {
    for (const VmFlag& f : kVmFlags)
        if (f.code == code) return f.words;
    return std::nullopt;
}

std::span<const SmapsFieldInfo> smaps_field_table() {
    return kSmapsFields;
}

std::optional<std::string_view> smaps_field_meaning(std::string_view name) {
    for (const SmapsFieldInfo& f : kSmapsFields)
        if (f.name == name) return f.meaning;
    return std::nullopt;
}

std::string errno_name(int err) {
    if (err != 0)
        if (const char* name = strerrorname_np(err)) return name;
    return fmt::format("E{}", err);
}

std::string si_code_name(int sig, int code) {
    std::optional<std::string_view> name;
    if (code > 0 && code < 0x80) {
        if (sig == SIGSEGV) name = find_code(kSegvCodes, code);
        if (sig == SIGBUS) name = find_code(kBusCodes, code);
    } else {
        name = find_code(kAnyCodes, code);
    }
    return name ? std::string(*name) : fmt::format("{}", code);
}

std::string signal_name(int sig) {
    if (const char* abbrev = sigabbrev_np(sig)) return fmt::format("SIG{}", abbrev);
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
    return fmt::format("signal {}", sig);
}

} // namespace mml::abi
