// Readers for /proc: maps, smaps, smaps_rollup, pagemap, kpagecount, kpageflags, status,
// stat. Parsers are pure functions (text in, values and errors out, never throw); readers
// do one read() per file into a reused buffer.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mml::procfs {

struct ParseError {
    int line = 0; // 1-based line in the text
    std::string message;
};

// One maps line ("start-end perms offset dev inode   path"); the path is everything after
// the inode field with the leading spaces removed. False when the fields do not match.
bool parse_maps_line(std::string_view line, Mapping& out);
std::vector<Mapping> parse_maps(std::string_view text, std::vector<ParseError>* errors = nullptr);
// smaps: header lines plus fields; every field kept, VmFlags split into codes; each
// Mapping::smaps_text points into `text` (keep it alive).
std::vector<Mapping> parse_smaps(std::string_view text, std::vector<ParseError>* errors = nullptr);
// smaps_rollup: the fields after its header line.
std::vector<SmapsField> parse_rollup(std::string_view text);
std::vector<std::pair<std::string, std::string>> parse_status(std::string_view text);
// /proc/PID/stat: minor and major fault counts (fields 10 and 12), comm may hold spaces.
bool parse_stat(std::string_view text, uint64_t& minflt, uint64_t& majflt);

// Reads a whole /proc file into buf (reused). Returns false with errno-style reason.
bool read_file(const std::string& path, std::string& buf, std::string* error = nullptr);

struct ReadOptions {
    bool pages = true;      // read pagemap for every mapped page
    bool kpage = true;      // read kpagecount/kpageflags for present pages (when allowed)
    bool skip_vsyscall = true;
    // Mappings with more pages than this get no pages (a 16 GiB reservation would otherwise
    // cost 64 MiB of Page entries); their smaps fields are still read.
    uint64_t max_pages_per_mapping = uint64_t{1} << 22;
};

// Reads everything about one process into `out` (pid, mappings, status, faults, pages).
// False with out.error set when the process cannot be read (gone, permission).
bool read_process(int pid, const ReadOptions& opt, Process& out);

// What this kernel and our privileges let us see, with a plain reason when limited.
Capabilities probe_capabilities();

} // namespace mml::procfs
