// Which lab processes an action can have changed, for the Sampler's quick snapshot: the rule
// that decides between re-reading only the acting process (and whoever maps a frame whose page
// table entries it changed) and a full snapshot of every lab process.
#pragma once

#include "lab.hpp"
#include "model.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace mml {

struct ActionScope {
    // False: what the action can change in other processes is only what follows from page table
    // entries of the acting process mapping or unmapping frames (their mapcount, exclusive bit,
    // Pss, Shared_*/Private_*). True: it may change them some other way; read every process.
    bool wide = true;
    const char* why = ""; // for tests and benchmarks: the reason for a wide scope
};

// `before`: the acting process in the snapshot taken before the deed (its mappings say whether
// a write lands in memory shared with others), or nullptr.
ActionScope action_scope(const LabDeed& d, const Process* before);

// Student memory whose page table entries a narrow request can have changed in the acting
// process: the ranges it names (the lab process's own memory aside: quick_pages.cpp).
// `anywhere`: not bounded by its arguments (mremap, anything new); read every page.
struct ActionReach {
    bool anywhere = true;
    std::vector<std::pair<uint64_t, uint64_t>> ranges; // [start, end) addresses
};
ActionReach action_reach(const LabDeed& d);

} // namespace mml
