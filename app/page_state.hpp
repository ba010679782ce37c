// From the pure classifier (core/page_class) to what the grid and the frames view draw: one
// PageState per page plus marks (changed by the last action, exclusive, inferred sharing).
#pragma once

#include "app_state.hpp"
#include "page_class.hpp"
#include "render/grid.hpp"

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

// Classifier inputs for one process of a snapshot (computed once per snapshot).
struct ClassifiedMapping {
    std::vector<PageClass> pages; // one per page of the mapping (empty: pages not sampled)
    std::vector<uint8_t> texels;  // 2 bytes per page: PageState, marks (the grid texture)
    std::vector<uint8_t> changed; // 1 per page: changed since `before`
    uint64_t counts[8] = {};      // pages per PageState
    uint64_t changed_count = 0;
};

// Classifies every page of mapping `m` of process `p` in `snap`, comparing with the same
// addresses in `before` (may be null).
// zero_pfn: the zero page's PFN (see ZeroPfn), 0 = unknown.
void classify_mapping(const Snapshot& snap, const Process& p, const Mapping& m,
                      const Snapshot* before, uint64_t zero_pfn, ClassifiedMapping& out);

// The zero page's PFN, looked for (find_zero_pfn: every page of the snapshot) once per new
// snapshot until found; then it is known for good (the kernel's zero page does not move).
struct ZeroPfn {
    uint64_t pfn = 0, seq = UINT64_MAX;
    uint64_t of(const Snapshot& s);
};

// The grid colours for the theme (fills from the palette; ink, edge and accents).
render::GridStyle grid_style(bool light);

} // namespace mml::app
