// Reports of one process for the command line (`mmaplab inspect PID [--json] [--pages]`):
// a JSON document with a fixed schema and a readable aligned table.
#pragma once

#include "model.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace mml::report {

// {"pid", "mappings": [{"start", "end" ("0x..."), "perms", "offset", "dev", "inode", "path",
//   "smaps": {Name: kB number | printed string}, "vmflags": [codes],
//   "pages" (with pages): [{"index", "present", "swapped", "file_shared", "exclusive",
//   "soft_dirty", "pfn", "mapcount", "flags"}]}]}
// pfn, mapcount and flags are null when the kernel does not let us know them.
nlohmann::json process_json(const Process& p, bool pages);
// The same document as text, byte for byte process_json(p, pages).dump(2), written directly
// (fast enough for thousands of mappings or a million pages).
std::string process_json_text(const Process& p, bool pages);

// Aligned table: address range, sizes (kB), perms, notable VmFlags, path; a totals line; a
// legend of the VmFlags shown; with pages, runs of pages in the same state per mapping.
std::string process_table(const Process& p, bool pages);

} // namespace mml::report
