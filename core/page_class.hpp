// Classifies one virtual page from what the kernel reported (pagemap entry, kpagecount,
// kpageflags) into what the UI shows, saying plainly which parts are known and which guessed.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <string>

namespace mml {

// The main state of a page, from the most to the least specific fact.
enum class PageBase : uint8_t {
    NotPresent, // no page table entry (never touched, or dropped)
    ZeroPage,   // mapped to the kernel's shared zero page (read of untouched anon memory)
    Swapped,    // in swap
    Present,    // a real frame
};

// A fact the kernel may or may not tell us.
enum class Know : uint8_t { No, Yes, Unknown };

// Why "dirty" (or "written") is what it is.
enum class DirtySource : uint8_t {
    None,      // not present, or nothing to say
    KpfDirty,  // /proc/kpageflags DIRTY bit (page cache and swap cache pages)
    AnonWrite, // an anonymous page other than the zero page exists only because of a write
    CowCopy,   // a private file page that is anonymous: a copy made by a write
    FileClean, // a page cache page in a private mapping: never written through this mapping
    Unknown,   // the kernel does not say (no kpageflags: needs CAP_SYS_ADMIN)
};

// What a mapping is, as far as classification cares (from its perms and kind).
struct MappingTraits {
    bool priv = true;   // 'p' in perms (MAP_PRIVATE)
    bool file = false;  // backed by a file (not anonymous, not shm)
    bool shmem = false; // shared anonymous or POSIX shm
    static MappingTraits of(const Mapping& m);
};

// Facts about the whole snapshot a page classifier needs.
struct ClassifyEnv {
    bool pfn_known = false;   // pagemap PFNs readable
    bool kpage_known = false; // kpagecount / kpageflags readable
    uint64_t zero_pfn = 0;    // PFN of the zero page when seen in this snapshot, else 0
};

struct PageClass {
    PageBase base = PageBase::NotPresent;
    Know shared = Know::Unknown; // mapped more than once (mapcount > 1)
    bool shared_guess = false;   // `shared` inferred from the exclusive bit, not mapcount
    Know dirty = Know::Unknown;  // written (modified since read from its backing store)
    DirtySource dirty_src = DirtySource::None;
    Know exclusive = Know::Unknown; // pagemap exclusive bit (only meaningful when present)
    bool soft_dirty = false;
    bool file_page = false;  // pagemap "file-page or shared-anon" bit
    bool kpage_read = false; // kpagecount was read for this page (mapcount)
    Page::CountSource count_src = Page::CountSource::Read; // how the mapcount is known
    bool flags_read = false; // kpageflags too (not for shared anonymous pages: see procfs.hpp)
    uint64_t pfn = 0;        // 0 when unknown
    uint32_t mapcount = 0;   // valid when kpage_read
};

// The pure classifier: no I/O, no globals.
PageClass classify_page(const Page& p, const MappingTraits& m, const ClassifyEnv& env);

// The zero page's PFN if any page in the snapshot is reported with the ZERO_PAGE flag, else 0
// (the readers always read the flags of a frame whose kpagecount is 0, as the zero page's is).
uint64_t find_zero_pfn(const Snapshot& s);
ClassifyEnv classify_env(const Snapshot& s, const Process& p);

// One honest sentence about the page's sharing and dirtiness for a tooltip.
std::string explain(const PageClass& c);
const char* to_string(PageBase b);
const char* to_string(Know k);

} // namespace mml
