// The Snapshot model: an immutable picture of lab processes as the kernel reports them.
// Built by the Sampler from /proc; panels and the command line read it, never /proc itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mml {

// One field of an smaps block, exactly as printed ("Rss", "4 kB") plus its kB value
// when the value is a size.
struct SmapsField {
    std::string name;
    std::string value;          // as printed after the colon, trimmed ("12 kB", "0", ...)
    std::optional<uint64_t> kb; // size fields only
};

enum class MappingKind { File, Anonymous, SharedAnon, Shm, Heap, Stack, Library, Vdso, Other };
std::string_view to_string(MappingKind k);

// State of one virtual page (pagemap entry, plus kpagecount/kpageflags where readable).
// `kread` says which of the two files were read for the page (the readers set it); a Page
// built by hand with kflags != 0 counts as fully read (a present mapped frame always has a flag).
struct Page {
    // Bits of kread. kCountCounted: the mapcount is the number of page table entries that
    // map the frame in every process that can map it (procfs.hpp, ReadOptions::count_shared).
    // kCountProven: the mapcount is 2, proven by the mapping's smaps Pss (ReadOptions::pss_proof).
    static constexpr uint8_t kCountRead = 1, kFlagsRead = 2, kCountCounted = 4, kCountProven = 8;

    uint64_t entry = 0;    // raw pagemap entry
    uint64_t kflags = 0;   // /proc/kpageflags (valid when flags_read())
    uint32_t mapcount = 0; // /proc/kpagecount (valid when count_read(); 1 when derived from
                           // the pagemap exclusive bit)
    uint8_t kread = 0;     // kCountRead | kFlagsRead | kCountCounted | kCountProven: what is
                           // known and how

    // How the mapcount is known, when count_read() (see CountSource).
    enum class CountSource : uint8_t { ExclusiveBit, Read, Counted, Proven };
    CountSource count_source() const {
        if ((kread & kCountRead) != 0 || kflags != 0) return CountSource::Read;
        if ((kread & kCountCounted) != 0) return CountSource::Counted;
        if ((kread & kCountProven) != 0) return CountSource::Proven;
        return CountSource::ExclusiveBit;
    }
    bool count_read() const {
        return (kread & (kCountRead | kCountCounted | kCountProven)) != 0 || kflags != 0;
    }
    bool flags_read() const { return (kread & kFlagsRead) != 0 || kflags != 0; }
};

// A vector shared by copies until one of them changes (copy on write): copying a Mapping (a
// snapshot carrying a process it did not read again, the history, a block of smaps text the
// reader found unchanged) copies a pointer, not megabytes. Const access never copies; every
// non-const accessor makes the elements this object's own first, so a T& or T* from it may be
// written (until the next copy of the object is made).
template <typename T> class CowVec {
public:
    CowVec() = default;
    CowVec(std::vector<T> v) : p_(std::make_shared<std::vector<T>>(std::move(v))) {}
    CowVec(std::initializer_list<T> v) : CowVec(std::vector<T>(v)) {}
    CowVec(size_t n, const T& x) : CowVec(std::vector<T>(n, x)) {}

    size_t size() const { return p_ ? p_->size() : 0; }
    bool empty() const { return size() == 0; }
    const T& operator[](size_t i) const { return (*p_)[i]; }
    const T* data() const { return p_ ? p_->data() : nullptr; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size(); }
    const T& back() const { return p_->back(); }
    const T& at(size_t i) const { return vec().at(i); }
    const std::vector<T>& vec() const { return p_ ? *p_ : empty_vec(); }
    operator const std::vector<T>&() const { return vec(); }
    // The same storage (so equal without looking).
    bool shares(const CowVec& o) const { return p_ == o.p_; }
    friend bool operator==(const CowVec& a, const CowVec& b) {
        return a.shares(b) || a.vec() == b.vec();
    }
    friend bool operator==(const CowVec& a, const std::vector<T>& b) { return a.vec() == b; }

    std::vector<T>& own() { // the elements, this object's alone
        if (!p_)
            p_ = std::make_shared<std::vector<T>>();
        else if (p_.use_count() > 1) // shared with a copy: this one gets its own
            p_ = std::make_shared<std::vector<T>>(*p_);
        return *p_;
    }
    T& operator[](size_t i) { return own()[i]; }
    T* data() { return own().data(); }
    T* begin() { return data(); }
    T* end() { return data() + size(); }
    T& back() { return own().back(); }
    void push_back(const T& x) { own().push_back(x); }
    template <typename... A> T& emplace_back(A&&... a) {
        return own().emplace_back(std::forward<A>(a)...);
    }
    void pop_back() { own().pop_back(); }
    void resize(size_t n) { own().resize(n); }
    void reserve(size_t n) { own().reserve(n); }
    void clear() { p_.reset(); }
    void swap(CowVec& o) noexcept { p_.swap(o.p_); }

private:
    static const std::vector<T>& empty_vec() {
        static const std::vector<T> none;
        return none;
    }
    std::shared_ptr<std::vector<T>> p_;
};

// The pages of a mapping (see CowVec).
using PageVec = CowVec<Page>;

struct Mapping {
    uint64_t start = 0, end = 0;
    std::string perms; // "rw-p"
    uint64_t offset = 0;
    std::string dev; // "fd:01"
    uint64_t inode = 0;
    std::string path;            // everything after the inode field, may hold spaces, " (deleted)"
    CowVec<SmapsField> smaps;    // every field the kernel printed, in order
    CowVec<std::string> vmflags; // codes, in order
    PageVec pages;               // one per page when pages were sampled, else empty
    std::string_view smaps_text; // the literal smaps block (points into Process::smaps_raw)
    // Identifies `pages` (set by the Sampler when it publishes): two mappings with the same
    // nonzero pages_version have equal pages (every field). 0 = unknown, equal to nothing.
    uint64_t pages_version = 0;

    uint64_t size() const { return end - start; }
    uint64_t page_count(uint64_t page_size) const { return size() / page_size; }
    const SmapsField* field(std::string_view name) const;
    uint64_t kb(std::string_view name) const; // 0 when missing
    bool has_flag(std::string_view code) const;
    MappingKind kind() const;
};

// Bytes of a watched range (the Contents panel), read only from pages already present, beside
// the same range of the backing file. Filled by the Sampler for the range it was asked to watch.
struct Contents {
    uint64_t addr = 0, len = 0;
    std::vector<uint8_t> mem;       // len bytes; bytes of non-present pages are 0
    std::vector<bool> page_present; // one per page of the range
    std::vector<uint8_t> file;      // same range of the backing file (empty if none)
    bool has_file = false;
    std::string note; // why something is missing
};

enum class ProcState { Alive, Exited, Killed };

struct Process {
    int pid = 0;
    int parent = 0;   // lab parent (the process that forked it), 0 for a root
    std::string name; // variable name or label ("main", "child")
    ProcState state = ProcState::Alive;
    int exit_code = 0;   // Exited
    int term_signal = 0; // Killed
    std::vector<Mapping> mappings;
    std::string smaps_raw; // the text read from /proc/PID/smaps (mappings point into it)
    std::string maps_text; // the /proc/PID/maps text (header lines of smaps)
    std::vector<std::pair<std::string, std::string>> status; // /proc/PID/status, in order
    uint64_t minflt = 0, majflt = 0;                         // /proc/PID/stat
    bool pfn_known = false;           // pagemap PFNs readable (CAP_SYS_ADMIN)
    bool kpage_known = false;         // /proc/kpagecount and kpageflags readable
    std::string error;                // why this process could not be read, if it could not
    std::optional<Contents> contents; // the watched range, when one was set for this pid
    // Copied from the snapshot before instead of read again: the lab did nothing to it since
    // (an idle lab), or only actions in other processes that changed none of its frames (a
    // quick snapshot, see Sampler::sample_quick). Only what the kernel does on its own (reclaim,
    // THP, KSM, page aging) and the mapcounts of pages processes outside the lab map too (libc,
    // the vDSO) can differ; the next full read shows that.
    bool carried = false;
    // Its mappings' smaps counters (with smaps_raw and maps_text) are those of the read before,
    // while its mappings, pages, status and fault counters are new: the first of the two quick
    // snapshots after an action, which shows the action's pages a frame sooner than the
    // kernel's smaps walk of a large mapping allows (Sampler::sample_quick). The second, with
    // the counters, follows at once.
    bool counters_pending = false;
    // Identifies everything above but `contents` and `carried` (set by the Sampler when it
    // publishes): two processes with the same nonzero version show the same (mappings with their
    // pages, status, counters, texts). 0 = unknown, equal to nothing.
    uint64_t version = 0;

    // Copies rebase every Mapping::smaps_text onto the copy's own smaps_raw.
    Process() = default;
    Process(const Process& o);
    Process& operator=(const Process& o);
    Process(Process&&) noexcept = default;
    Process& operator=(Process&&) noexcept = default;
    void rebase_views(std::string_view old_raw); // smaps_text views: old_raw -> smaps_raw

    const Mapping* mapping_at(uint64_t addr) const;
    uint64_t status_kb(std::string_view key) const;   // "VmRSS" -> kB, 0 when missing
    uint64_t rollup_kb(std::string_view field) const; // sum of a smaps field over mappings
};

// What the kernel and our privileges let us see.
struct Capabilities {
    std::string kernel;        // uname -r
    bool pfn = false;          // PFNs in pagemap
    bool kpage = false;        // /proc/kpagecount, /proc/kpageflags
    bool pagemap_scan = false; // PAGEMAP_SCAN ioctl (6.7+)
    std::string thp;           // /sys/kernel/mm/transparent_hugepage/enabled, selected mode
    std::string reason;        // plain words when something is unavailable
    uint64_t page_size = 4096;
};

struct Snapshot {
    uint64_t seq = 0;        // increases with every snapshot
    uint64_t action_seq = 0; // number of actions performed when it was taken
    uint64_t lab_seq = 0;    // Lab::journal_seq() when it was taken (actions, kills, spawns)
    bool quick = false;      // some processes carried over after an action (a full one follows)
    std::chrono::steady_clock::time_point taken;
    Capabilities caps;
    std::vector<Process> processes;
    const Process* process(int pid) const;
    bool counters_pending() const; // some process's are (Process::counters_pending)
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

} // namespace mml
