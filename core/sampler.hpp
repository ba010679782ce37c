// The Sampler: a background thread that observes every live lab process, right after each
// action and at a steady rate, and publishes immutable Snapshots (with a bounded history).
#pragma once

#include "lab.hpp"
#include "model.hpp"

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
    bool pages = true;
};

class Sampler {
public:
    Sampler(Lab& lab, SamplerOptions opts = {});
    ~Sampler();
    void start();
    void stop();
    void request();             // take one as soon as possible (after an action)
    void set_paused(bool p);    // steady sampling off; requests still served
    SnapshotPtr sample_now();   // synchronous: take, publish and return one
    SnapshotPtr latest() const; // never blocks on /proc
    std::vector<SnapshotPtr> history() const;
    // Bytes of [addr, addr+len) in lab process pid go into that Process::contents of every
    // following snapshot (present pages only; see read_contents). One range at a time.
    void watch(int pid, uint64_t addr, uint64_t len);
    void unwatch();

private:
    void run();
    SnapshotPtr take();
    Lab& lab_;
    SamplerOptions opts_;
    Capabilities caps_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<SnapshotPtr> history_;
    SnapshotPtr latest_;
    std::mutex take_mu_; // one snapshot at a time (the thread and sample_now)
    struct Watch {
        int pid = 0; // 0 = none
        uint64_t addr = 0, len = 0;
    } watch_; // guarded by mu_
    std::atomic<bool> running_{false}, paused_{false};
    bool wanted_ = false;
    uint64_t seq_ = 0;
    std::thread thread_;
};

} // namespace mml
