// From the pure classifier (core/page_class) to what the grid and the frames view draw: one
// PageState per page plus marks (changed by the last action, exclusive, inferred sharing).
// No ImGui or GL here (unit-tested).
#pragma once

#include "app_state.hpp"
#include "page_class.hpp"

#include <cstdint>
#include <vector>

namespace mml::app {

enum Mark : uint8_t {
    kMarkChanged = 1,   // differs from the snapshot before the last action
    kMarkExclusive = 2, // pagemap exclusive bit: mapped only here (corner mark)
    kMarkProbable = 4,  // sharing inferred from the exclusive bit, not counted
};

PageState page_state(const PageClass& c);
uint8_t page_marks(const PageClass& c);
// True when what the UI shows for a page differs between two classifications.
bool page_changed(const PageClass& now, const PageClass& before);

// The classification of one mapping for the grid. It also keeps what it was classified from
// (the snapshot, kept alive, and the inputs), so that the next snapshot's classification
// classifies only the pages whose kernel data changed and, when the next action's "before"
// snapshot is this one (the usual case), compares with these classes instead of classifying
// the before-snapshot again.
struct ClassifiedMapping {
    std::vector<PageClass> pages; // one per page of the mapping (empty: pages not sampled)
    std::vector<uint8_t> texels;  // 2 bytes per page: PageState, marks (the grid texture)
    std::vector<uint8_t> changed; // 1 per page: changed since `before`
    uint64_t counts[8] = {};      // pages per PageState
    uint64_t changed_count = 0;
    // What `pages` were classified from (src null: nothing yet).
    SnapshotPtr src;
    const Mapping* src_map = nullptr; // in *src
    int src_pid = 0;
    ClassifyEnv src_env;
    MappingTraits src_traits;
    uint64_t before_seq = UINT64_MAX; // the `before` snapshot `changed` was computed against
    std::vector<PageClass> spare;     // the next classification, swapped with `pages`
};

// Classifies every page of mapping `m` of process `p` in `snap` (pages whose kernel data are
// those `out` was classified from keep their class; none is looked at when the Sampler found
// them all equal, see Mapping::pages_version), comparing with the same addresses in
// `before` (may be null). zero_pfn: the zero page's PFN (see ZeroPfn), 0 = unknown.
// Returns whether the texels changed.
bool classify_mapping(const SnapshotPtr& snap, const Process& p, const Mapping& m,
                      const Snapshot* before, uint64_t zero_pfn, ClassifiedMapping& out);

// Whether classifying `pg` can depend on the zero page's PFN: a present page with a PFN whose
// own kernel data do not already rule the zero page out. The kernel never sets the pagemap
// exclusive bit for it, its kpagecount reads 0 and the readers then read its kpageflags,
// which always have ZERO_PAGE (procfs_kpage.cpp).
bool zero_pfn_matters(const Page& pg, bool pfn_known, bool kpage_known);
// The same for mapping `m` of `p` and the same range in `before` (may be null).
bool zero_pfn_matters(const Process& p, const Mapping& m, const Snapshot* before);

// zero_pfn_matters for a mapping and its before-range, remembering the last two mappings
// asked about: the before-snapshot of an action is usually the one classified just before, and
// a mapping of a later snapshot with the same Mapping::pages_version has the same answer.
struct ZeroNeed {
    struct Seen {
        uint64_t seq = UINT64_MAX, version = 0, start = 0, end = 0, pages = 0;
        int pid = 0;
        uint8_t known = 0; // pfn_known | kpage_known << 1
        bool need = false;
    };
    Seen seen[2];
    int next = 0;
    uint64_t scans = 0; // mappings scanned (tests)
    bool of(const Snapshot& s, const Process& p, const Mapping& m, const Snapshot* before);
    bool of(const Snapshot& s, const Process& p, const Mapping& m);
};

// The zero page's PFN, kept for good once found (the kernel's zero page does not move during
// a boot). Until then it is looked for (find_zero_pfn: every page of the snapshot) at most
// once per snapshot, and only when `needed()`: some page to classify may be the zero page
// without its own data saying so (zero_pfn_matters). Otherwise 0, which classifies the same.
struct ZeroPfn {
    uint64_t pfn = 0, seq = UINT64_MAX;
    uint64_t searches = 0; // walks done (tests)
    template <class Needed> uint64_t of(const Snapshot& s, Needed&& needed) {
        if (pfn == 0 && s.seq != seq && needed()) search(s);
        return pfn;
    }
    void search(const Snapshot& s);
};

} // namespace mml::app
