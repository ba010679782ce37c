// A lab process read again for a quick snapshot with its pagemap read only where an action can
// have changed it: smaps, status and stat in full, the pagemap entries of the action's windows
// and of every new or changed mapping, the other pages carried from the read before.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace mml::quick {

using Range = std::pair<uint64_t, uint64_t>; // [start, end) addresses

// Page index ranges [first, last) of each mapping of a re-read process whose pagemap entries
// were read (one range [0, pages) for a mapping read in full); the other pages were carried.
using Fresh = std::vector<std::vector<std::pair<size_t, size_t>>>;

inline constexpr uint64_t kWindow = uint64_t{2} << 20; // a PMD: fault-around and THP stay in one

// Mappings whose kpage values are always read in full (procfs_kpage.cpp: huge-page capable,
// KSM-mergeable): nothing of them is carried.
bool never_carried(const Mapping& m);

// The 2 MiB-aligned regions covering `ranges`, sorted and merged.
std::vector<Range> windows(std::vector<Range> ranges);

// Reads process `pid` again into `out`. With `win`, the pagemap entries of a mapping that is the
// same large private anonymous VMA as in `was` (and shows the same counters when no window
// touches it) are read only inside `win` and carried elsewhere, kpage values included; without
// it, or for any other mapping, they are read in full. False on a read error, or when `out`
// would lack pages a full read has.
bool reread(int pid, const Process& was, const std::vector<Range>* win, uint64_t page_size,
            Process& out, Fresh& fresh);

// For the first of two quick snapshots (Process::counters_pending): `out` is `was` with status,
// stat and pagemap entries read again (those of large private anonymous mappings only inside
// `win`), its smaps counters carried. It trusts what reread checks against the new smaps (an
// untouched mapping's counters); the second snapshot, taken at once, is reread's. False when
// /proc/PID/maps no longer shows `was`'s mappings, or on a read error.
bool reread_pages(int pid, const Process& was, const std::vector<Range>& win, uint64_t page_size,
                  Process& out, Fresh& fresh);

} // namespace mml::quick
