// The Sampler: a background thread that reads every lab process through /proc after each
// action and at a steady rate, and publishes immutable Snapshots with a bounded history.
#include "sampler.hpp"
#include "contents.hpp"
#include "procfs.hpp"

#include <sys/wait.h>

namespace mml {

Sampler::Sampler(Lab& lab, SamplerOptions opts)
    : lab_(lab), opts_(opts), caps_(procfs::probe_capabilities()) {
    if (opts_.history == 0) opts_.history = 1;
}

Sampler::~Sampler() {
    stop();
}

void Sampler::start() {
    if (running_.exchange(true)) return;
    thread_ = std::thread([this] { run(); });
}

void Sampler::stop() {
    {
        std::lock_guard lock(mu_);
        running_ = false;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Sampler::request() {
    {
        std::lock_guard lock(mu_);
        wanted_ = true;
    }
    cv_.notify_all();
}

void Sampler::set_paused(bool p) {
    {
        std::lock_guard lock(mu_);
        paused_ = p;
    }
    cv_.notify_all();
}

SnapshotPtr Sampler::sample_now() {
    return take();
}

SnapshotPtr Sampler::latest() const {
    std::lock_guard lock(mu_);
    return latest_;
}

std::vector<SnapshotPtr> Sampler::history() const {
    std::lock_guard lock(mu_);
    return {history_.begin(), history_.end()};
}

void Sampler::watch(int pid, uint64_t addr, uint64_t len) {
    {
        std::lock_guard lock(mu_);
        watch_ = {pid, addr, len};
    }
    request();
}

void Sampler::unwatch() {
    {
        std::lock_guard lock(mu_);
        watch_ = {};
    }
    request();
}

void Sampler::run() {
    std::unique_lock lock(mu_);
    while (running_) {
        const bool steady = !paused_ && opts_.interval.count() > 0;
        auto ready = [this] { return wanted_ || !running_; };
        if (steady)
            cv_.wait_for(lock, opts_.interval, ready);
        else
            cv_.wait(lock, ready);
        if (!running_) break;
        // A timeout while paused (set during the wait) takes nothing.
        if (!wanted_ && (paused_ || opts_.interval.count() == 0)) continue;
        wanted_ = false;
        lock.unlock();
        take();
        lock.lock();
    }
}

namespace {

// One lab process as the snapshot shows it: read from /proc when alive, labels otherwise.
Process observe(const LabProcess& lp, const procfs::ReadOptions& opt) {
    Process p;
    p.pid = lp.pid;
    if (lp.alive) {
        procfs::read_process(lp.pid, opt, p); // on failure p.error says why
    } else if (WIFSIGNALED(lp.wait_status)) {
        p.state = ProcState::Killed;
        p.term_signal = WTERMSIG(lp.wait_status);
    } else {
        p.state = ProcState::Exited;
        p.exit_code = WIFEXITED(lp.wait_status) ? WEXITSTATUS(lp.wait_status) : 0;
    }
    p.parent = lp.parent;
    p.name = lp.name;
    return p;
}

// The watched range of a live process, clipped to the mapping that holds its start.
void read_watched(Process& p, uint64_t addr, uint64_t len) {
    Contents c;
    c.addr = addr;
    c.len = len;
    const Mapping* m = p.mapping_at(addr);
    if (!m)
        c.note = "the watched address is not mapped";
    else
        read_contents(p.pid, *m, addr, len, c);
    p.contents = std::move(c);
}

} // namespace

SnapshotPtr Sampler::take() {
    std::lock_guard take_lock(take_mu_);
    auto snap = std::make_shared<Snapshot>();
    // Counted before reading: every action up to action_seq is reflected in what follows.
    snap->action_seq = lab_.action_count();
    snap->taken = std::chrono::steady_clock::now();
    snap->caps = caps_;
    procfs::ReadOptions opt;
    opt.pages = opts_.pages;
    opt.kpage = opts_.pages;
    Watch w;
    {
        std::lock_guard lock(mu_);
        w = watch_;
    }
    lab_.reap();
    for (const LabProcess& lp : lab_.processes()) {
        snap->processes.push_back(observe(lp, opt));
        Process& p = snap->processes.back();
        if (w.pid == p.pid && p.state == ProcState::Alive && p.error.empty())
            read_watched(p, w.addr, w.len);
    }
    std::lock_guard lock(mu_);
    snap->seq = ++seq_;
    SnapshotPtr published = std::move(snap);
    latest_ = published;
    history_.push_back(published);
    while (history_.size() > opts_.history) history_.pop_front();
    return published;
}

} // namespace mml
