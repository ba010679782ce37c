// The Sampler: a background thread that observes every live lab process, right after each
// action and at a steady rate, and publishes immutable Snapshots (with a bounded history).
#pragma once

#include "lab.hpp"
#include "model.hpp"
#include "procfs.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace mml {

struct SamplerOptions {
    std::chrono::milliseconds interval{100}; // steady rate (10 Hz); 0 = only on request
    size_t history = 64;                     // snapshots kept
    size_t history_with_pages = 2;           // the newest ones keep their pages; older ones
                                             // keep everything else (counters, smaps)
    bool pages = true;
    // An idle lab (no action, same processes, no fault counter moved in any of them) is read
    // again in full only this often; in between a process is copied from the previous
    // snapshot (see Sampler::take). 0 = always read in full.
    std::chrono::milliseconds idle_refresh{1000};
    // Nice value of the steady-sampling thread: the observer yields the CPU to the window
    // drawing what it saw (2 cores, llvmpipe). Snapshots asked for after an action are taken
    // on the caller's thread, at its priority.
    int thread_nice = 5;
};

// What the Sampler did, for benchmarks and tests.
struct SamplerStats {
    uint64_t snapshots = 0;
    uint64_t full_reads = 0;     // processes read from /proc
    uint64_t idle_copies = 0;    // processes copied from the previous snapshot (idle lab)
    uint64_t quick = 0;          // quick snapshots published (sample_quick)
    uint64_t quick_declined = 0; // sample_quick calls that left it to a full snapshot
    uint64_t quick_reads = 0;    // processes a quick snapshot read from /proc
    uint64_t quick_carried = 0;  // processes a quick snapshot carried over
    uint64_t pages_first = 0;    // snapshots of an action's pages before its counters
    uint64_t abandoned = 0;      // full snapshots dropped because the lab acted meanwhile
    double last_quick_ms = 0, last_full_ms = 0; // time to take the latest of each kind
    double last_pages_first_ms = 0;             // time to take the latest sample_pages one
    procfs::KpageStats last_kpage;              // of the latest snapshot
};

class Sampler {
public:
    Sampler(Lab& lab, SamplerOptions opts = {});
    ~Sampler();
    void start();
    void stop();
    void request();           // take one as soon as possible (after an action)
    void set_paused(bool p);  // steady sampling off; requests still served
    SnapshotPtr sample_now(); // synchronous: take, publish and return one
    // Right after actions (the executor): a snapshot that reads again only the processes the
    // journal since `before` acted on, plus every process that maps a frame whose page table
    // entries they changed, and carries the others over from `before` (Process::carried). It
    // declines (nullptr: take a full one) when an action's scope is wide (action_scope.hpp), the
    // set of lab processes changed, or PFNs are not visible. Follow it with request_full().
    SnapshotPtr sample_quick(const SnapshotPtr& before);
    // The action's pages before its counters, for the frames (call sample_quick next): a quick
    // snapshot without the smaps walk (of a 1 GiB mapping: 6-10 ms, most of the time from an
    // action to the frame that shows it), whose re-read processes keep `before`'s smaps
    // counters (Process::counters_pending). Published to latest() only, not the history.
    // nullptr when a re-read process's VMAs changed, or when sample_quick would decline.
    SnapshotPtr sample_pages(const SnapshotPtr& before);
    void request_full();        // the next snapshot reads every process (no idle copies)
    SnapshotPtr latest() const; // never blocks on /proc
    std::vector<SnapshotPtr> history() const;
    // Bytes of [addr, addr+len) in lab process pid go into that Process::contents of every
    // following snapshot (present pages only; see read_contents). One range at a time.
    void watch(int pid, uint64_t addr, uint64_t len);
    void unwatch();
    SamplerStats stats() const;
    // The calling thread takes the steady thread's priority (SamplerOptions::thread_nice): for
    // snapshots the frames need less urgently than the CPU to draw them.
    void lower_this_thread() const;

private:
    void run();
    SnapshotPtr take();
    bool lab_idle(const Snapshot& now, const Snapshot* prev) const;
    bool read_all(Snapshot& snap, const Snapshot* prev, bool idle);
    // `history`: false for a snapshot only the frames see (latest()), as pages_first's.
    bool publish(std::shared_ptr<Snapshot> snap, bool history = true);
    void assign_versions(Snapshot& snap, const Snapshot* prev);
    std::shared_ptr<Snapshot> quick(const Snapshot& before, bool counters);
    static void read_watched(Process& p, uint64_t addr, uint64_t len);
    Lab& lab_;
    SamplerOptions opts_;
    Capabilities caps_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    struct Kept {
        SnapshotPtr full, light; // light: the same without pages
    };
    std::deque<Kept> history_;
    SamplerStats stats_;                                                         // guarded by mu_
    std::vector<std::pair<int, std::chrono::steady_clock::time_point>> full_at_; // take_mu_
    SnapshotPtr latest_;
    std::mutex take_mu_;  // one full snapshot at a time (the thread and sample_now)
    std::mutex quick_mu_; // one quick snapshot at a time (it does not wait for a full one)
    struct Watch {
        int pid = 0; // 0 = none
        uint64_t addr = 0, len = 0;
    } watch_; // guarded by mu_
    std::atomic<bool> running_{false}, paused_{false};
    bool wanted_ = false;
    bool full_wanted_ = false; // guarded by mu_
    uint64_t seq_ = 0;
    std::atomic<uint64_t> version_{0}; // the last Process::version / Mapping::pages_version given
    std::thread thread_;
};

} // namespace mml
