// Readers for /proc: maps, smaps, smaps_rollup, pagemap, kpagecount, kpageflags, status,
// stat. Parsers are pure functions (text in, values and errors out, never throw); readers
// do one read() per file into a reused buffer.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <span>
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
// The same, sharing the fields and VmFlags of every block of `earlier` (a parse of an earlier
// text, in address order) whose text is byte for byte the block here: a pure function of the
// text, so equal to a fresh parse (errors of shared blocks are not reported again).
std::vector<Mapping> parse_smaps(std::string_view text, const std::vector<Mapping>& earlier,
                                 std::vector<ParseError>* errors = nullptr);
// smaps_rollup: the fields after its header line.
std::vector<SmapsField> parse_rollup(std::string_view text);
std::vector<std::pair<std::string, std::string>> parse_status(std::string_view text);
// /proc/PID/stat: minor and major fault counts (fields 10 and 12), comm may hold spaces.
bool parse_stat(std::string_view text, uint64_t& minflt, uint64_t& majflt);

// Reads a whole /proc file into buf (reused). Returns false with errno-style reason.
bool read_file(const std::string& path, std::string& buf, std::string* error = nullptr);

struct ReadOptions {
    bool pages = true; // read pagemap for every mapped page
    // kpagecount/kpageflags (when allowed) for the present pages that need them: see
    // read_kpage. An exclusive anonymous page gets mapcount 1 and nothing read (Page::kread
    // 0); a shared anonymous page gets its mapcount only, unless it reads 0 (Page::kread).
    bool kpage = true;
    bool kpage_all = false; // read them for every present page, even where the exclusive bit
                            // already answers
    // The caller observes every process that can map the anonymous pages of the others (the
    // Sampler and its lab processes, all read without error): the mapcounts of shared
    // anonymous pages are counted from their page table entries, checked against kpagecount
    // on a sample of frames (read_kpage).
    bool count_shared = false;
    // The smaps fields and pagemap entries of each process come from one read (read_process;
    // not counters carried from an earlier read): a mapping's Pss may prove that its shared
    // anonymous pages are each mapped exactly twice (see read_kpage), with nothing read.
    bool pss_proof = false;
    bool skip_vsyscall = true;
    // Mappings with more pages than this get no pages (a 16 GiB reservation would otherwise
    // cost 64 MiB of Page entries); their smaps fields are still read.
    uint64_t max_pages_per_mapping = uint64_t{1} << 22;
};

// Every page whose kpage data is reused is read again at least every this many snapshots.
inline constexpr uint64_t kKpageRefreshEvery = 16;

// What read_kpage may take from the previous snapshot of the same observer. Only for an
// observer that sees every process that can map the anonymous pages of the others (the
// Sampler and its lab processes) and only when no lab action ran since `previous`.
struct KpageReuse {
    const std::vector<Process>* previous = nullptr;
    uint64_t slice = 0; // a counter that changes with every snapshot (the refresh rotation)
};

struct KpageStats {
    size_t derived = 0;     // pages whose mapcount the exclusive bit gave (no read)
    size_t reused = 0;      // pages whose values came from the previous snapshot
    size_t read = 0;        // pages whose values were read
    size_t frames_read = 0; // distinct frames whose kpagecount was read (each once)
    size_t flags_read = 0;  // of those, frames whose kpageflags were read too
    size_t counted = 0;     // pages whose mapcount was counted from PTEs (count_shared)
    size_t proven = 0;      // pages whose mapcount 2 their mapping's Pss proved (pss_proof)
    size_t checked = 0;     // frames whose counted mapcount was checked against kpagecount
};

// Fills Page::mapcount, Page::kflags and Page::kread of the present pages of `procs` (their pagemap
// entries already read) and sets Process::kpage_known. Frames mapped by several pages or
// processes are read once. False when the kpage files cannot be read.
bool read_kpage(std::span<Process* const> procs, const ReadOptions& opt,
                const KpageReuse* reuse = nullptr, KpageStats* stats = nullptr);

// Keeps memory freed by one snapshot for the next (glibc: blocks up to 32 MiB from the heap,
// not mmap; the heap's free top returned to the kernel only beyond 64 MiB), so the Page
// vectors of a snapshot (6 MiB per 1 GiB mapped) are not faulted in and zeroed by the kernel
// every time (measured on the forked pair: 1,329-1,590 page faults per snapshot -> 19-43).
// Applied once per process by read_process; app and bench get it the same way. Idempotent.
void keep_freed_memory();

// Reads everything about one process into `out` (pid, mappings, status, faults, pages).
// False with out.error set when the process cannot be read (gone, permission).
// `earlier`: a previous read of the same process (not `out`), or nullptr. Its parsed smaps
// blocks whose text is unchanged are shared (parse_smaps), and so are the pages of its mappings
// of the same range whose pagemap entries are all unchanged (PageVec::shares). Shared pages
// keep `earlier`'s kpage values (mapcount, kflags, kread) where a fresh read has none: only for
// a caller that runs read_kpage over the result whenever it ran it over `earlier` (it writes
// the values of every present page; absent pages have none in either).
bool read_process(int pid, const ReadOptions& opt, Process& out, const Process* earlier = nullptr);

// What this kernel and our privileges let us see, with a plain reason when limited.
Capabilities probe_capabilities();

} // namespace mml::procfs
