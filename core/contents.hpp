// Reads the bytes of a watched range of a lab process without faulting anything in: pagemap
// first, /proc/PID/mem only for present pages, and the same range of the backing file.
#pragma once

#include "model.hpp"

#include <cstdint>

namespace mml {

// Fills `out` for [addr, addr+len) clipped to mapping `m` of process `pid`:
//  - out.page_present: one entry per page touched by the range, from /proc/PID/pagemap;
//  - out.mem: the bytes, read from /proc/PID/mem for present pages only (0 elsewhere);
//  - out.file/has_file: the same range of the backing file (map_files, else path + offset),
//    zeros past its end;
//  - out.note: plain words about what is missing and why.
// Returns false (with out.note) when nothing could be read (process gone, no permission,
// range outside the mapping). Never reads a page that is not present.
bool read_contents(int pid, const Mapping& m, uint64_t addr, uint64_t len, Contents& out);

} // namespace mml
