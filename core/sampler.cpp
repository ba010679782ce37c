// The Sampler: a background thread that reads every lab process through /proc after each
// action and at a steady rate, and publishes immutable Snapshots with a bounded history.
// An idle lab is read in full at most every idle_refresh; kpage data is shared and reused.
#include "sampler.hpp"
#include "contents.hpp"
#include "procfs.hpp"

#include <algorithm>
#include <fmt/core.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

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

void Sampler::request_full() {
    {
        std::lock_guard lock(mu_);
        full_wanted_ = true;
        wanted_ = true;
    }
    cv_.notify_all();
}

SnapshotPtr Sampler::latest() const {
    std::lock_guard lock(mu_);
    return latest_;
}

std::vector<SnapshotPtr> Sampler::history() const {
    std::lock_guard lock(mu_);
    std::vector<SnapshotPtr> out;
    out.reserve(history_.size());
    for (const Kept& k : history_) out.push_back(k.full);
    return out;
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
    // Best effort: raising a nice value needs no privilege.
    lower_this_thread();
    std::unique_lock lock(mu_);
    while (running_) {
        const bool steady = !paused_ && opts_.interval.count() > 0;
        const bool was_paused = paused_; // resuming wakes the wait too
        auto ready = [&] { return wanted_ || !running_ || paused_ != was_paused; };
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

using Clock = std::chrono::steady_clock;

// One lab process as the snapshot shows it: read from /proc when alive, labels otherwise.
// `earlier`: its previous read (what did not change is shared with it: read_process).
Process observe(const LabProcess& lp, const procfs::ReadOptions& opt, const Process* earlier) {
    Process p;
    p.pid = lp.pid;
    if (lp.alive) {
        procfs::read_process(lp.pid, opt, p, earlier); // on failure p.error says why
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

bool ok_alive(const Process& p) {
    return p.state == ProcState::Alive && p.error.empty();
}

// The same snapshot without pages (for the older part of the history).
std::shared_ptr<Snapshot> without_pages(Snapshot& s) {
    auto light = std::make_shared<Snapshot>();
    light->seq = s.seq;
    light->action_seq = s.action_seq;
    light->lab_seq = s.lab_seq;
    light->quick = s.quick;
    light->taken = s.taken;
    light->caps = s.caps;
    for (Process& p : s.processes) {
        light->processes.push_back(p); // the pages are shared, not copied: drop them
        for (Mapping& m : light->processes.back().mappings) m.pages.clear();
        // Without its pages it equals no full process (the versions say "same pages").
        light->processes.back().version = 0;
        for (Mapping& m : light->processes.back().mappings) m.pages_version = 0;
    }
    return light;
}

bool same_page(const Page& a, const Page& b) {
    return a.entry == b.entry && a.kflags == b.kflags && a.mapcount == b.mapcount &&
           a.kread == b.kread;
}

// Pages carried from the snapshot before share its storage: equal without a look.
bool same_pages(const PageVec& a, const PageVec& b) {
    return a.shares(b) ||
           (a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_page));
}

// Everything a Process::version covers but the mappings' pages.
bool same_text(const Process& a, const Process& b) {
    return a.pid == b.pid && a.parent == b.parent && a.name == b.name && a.state == b.state &&
           a.exit_code == b.exit_code && a.term_signal == b.term_signal && a.minflt == b.minflt &&
           a.majflt == b.majflt && a.pfn_known == b.pfn_known && a.kpage_known == b.kpage_known &&
           a.error == b.error && a.mappings.size() == b.mappings.size() &&
           a.smaps_raw == b.smaps_raw && a.maps_text == b.maps_text && a.status == b.status;
}

} // namespace

// Content versions of `snap` against `prev` (may be null): a mapping whose pages equal those of
// the same range in prev, and a process equal to prev's, keep prev's; the others get new ones.
void Sampler::assign_versions(Snapshot& snap, const Snapshot* prev) {
    const auto fresh = [this] { return version_.fetch_add(1, std::memory_order_relaxed) + 1; };
    for (Process& p : snap.processes) {
        const Process* was = prev ? prev->process(p.pid) : nullptr;
        bool same = was && same_text(p, *was) && was->version != 0;
        for (Mapping& m : p.mappings) {
            const Mapping* wm = was ? was->mapping_at(m.start) : nullptr;
            const bool kept = wm && wm->start == m.start && wm->end == m.end &&
                              wm->pages_version != 0 && same_pages(m.pages, wm->pages);
            m.pages_version = kept ? wm->pages_version : fresh();
            same = same && kept;
        }
        p.version = same ? was->version : fresh();
    }
}

// The watched range of a live process, clipped to the mapping that holds its start.
void Sampler::read_watched(Process& p, uint64_t addr, uint64_t len) {
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

void Sampler::lower_this_thread() const {
    if (opts_.thread_nice != 0)
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), opts_.thread_nice);
}

SamplerStats Sampler::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

// The lab did nothing since `prev`: no action, the same processes, and no fault counter of
// any live one moved (a write, a read fault, a swap-in, a copy-on-write by a sibling).
bool Sampler::lab_idle(const Snapshot& now, const Snapshot* prev) const {
    if (!prev || opts_.idle_refresh.count() == 0 || prev->action_seq != now.action_seq)
        return false;
    const std::vector<LabProcess> lps = lab_.processes();
    if (lps.size() != prev->processes.size()) return false;
    std::string buf;
    for (size_t i = 0; i < lps.size(); ++i) {
        const Process& q = prev->processes[i];
        if (q.pid != lps[i].pid || (q.state == ProcState::Alive) != lps[i].alive) return false;
        if (!lps[i].alive) continue;
        uint64_t minflt = 0, majflt = 0;
        if (!ok_alive(q) || !procfs::read_file(fmt::format("/proc/{}/stat", q.pid), buf) ||
            !procfs::parse_stat(buf, minflt, majflt) || minflt != q.minflt || majflt != q.majflt)
            return false;
    }
    return true;
}

// Every lab process into snap: read in full, or (idle lab, read recently) copied from prev;
// then kpage data for all of them together, reusing what provably did not change. False when
// the lab acted meanwhile and a newer snapshot exists: this one is dropped (a quick snapshot of
// that action is on its way, and this one may show half of it).
bool Sampler::read_all(Snapshot& snap, const Snapshot* prev, bool idle) {
    procfs::ReadOptions opt;
    opt.pages = opts_.pages;
    opt.kpage = false; // below, for every process at once
    const auto now = Clock::now();
    uint64_t full = 0, copied = 0;
    const auto stale = [&] { return prev && lab_.journal_seq() != snap.lab_seq; };
    for (const LabProcess& lp : lab_.processes()) {
        if (stale()) return false;
        auto at = std::find_if(full_at_.begin(), full_at_.end(),
                               [&](const auto& e) { return e.first == lp.pid; });
        const Process* was = idle && prev ? prev->process(lp.pid) : nullptr;
        if (lp.alive && was && ok_alive(*was) && !was->counters_pending && at != full_at_.end() &&
            now - at->second < opts_.idle_refresh) {
            snap.processes.push_back(*was);
            snap.processes.back().contents.reset();
            snap.processes.back().carried = true;
            ++copied;
            continue;
        }
        // read_kpage below rewrites the kpage values of every page it may share.
        const Process* earlier = prev ? prev->process(lp.pid) : nullptr;
        snap.processes.push_back(
            observe(lp, opt, earlier && ok_alive(*earlier) ? earlier : nullptr));
        if (!lp.alive) continue;
        ++full;
        if (at == full_at_.end())
            full_at_.emplace_back(lp.pid, now);
        else
            at->second = now;
    }
    procfs::KpageStats ks;
    if (stale()) return false;
    if (opts_.pages && caps_.pfn) {
        std::vector<Process*> live;
        bool all_read = true; // then every mapper of a lab process's anonymous page is here
        for (Process& p : snap.processes) {
            if (ok_alive(p)) live.push_back(&p);
            all_read &= p.state != ProcState::Alive || p.error.empty();
        }
        opt.count_shared = all_read;
        opt.pss_proof = true; // each process read in full here, or copied whole while idle
        // Reuse only across snapshots with no action in between (see procfs_kpage.cpp).
        uint64_t slice = 0;
        {
            std::lock_guard lock(mu_);
            slice = seq_;
        }
        procfs::KpageReuse reuse{prev ? &prev->processes : nullptr, slice};
        const bool same_actions = prev && prev->action_seq == snap.action_seq;
        procfs::read_kpage(live, opt, same_actions ? &reuse : nullptr, &ks);
    }
    std::lock_guard lock(mu_);
    stats_.full_reads += full;
    stats_.idle_copies += copied;
    stats_.last_kpage = ks;
    return true;
}

// False (nothing published) when a snapshot taken later in the lab's history is out already.
bool Sampler::publish(std::shared_ptr<Snapshot> snap, bool history) {
    assign_versions(*snap, latest().get()); // off the lock: latest() stays quick for the frames
    std::shared_ptr<Snapshot> light;
    if (history && opts_.history > opts_.history_with_pages) light = without_pages(*snap);
    std::lock_guard lock(mu_);
    if (latest_ && snap->lab_seq < latest_->lab_seq) return false;
    snap->seq = ++seq_;
    if (light) light->seq = snap->seq;
    latest_ = snap;
    if (!history) return true;
    history_.push_back({snap, light ? SnapshotPtr(light) : SnapshotPtr(snap)});
    while (history_.size() > opts_.history) history_.pop_front();
    // Older entries give their pages back (a holder of the full one keeps it alive).
    for (size_t i = 0; i + opts_.history_with_pages < history_.size(); ++i)
        history_[i].full = history_[i].light;
    ++stats_.snapshots;
    return true;
}

SnapshotPtr Sampler::take() {
    std::lock_guard take_lock(take_mu_);
    auto snap = std::make_shared<Snapshot>();
    // Counted before reading: every action up to action_seq is reflected in what follows.
    snap->lab_seq = lab_.journal_seq();
    snap->action_seq = lab_.action_count();
    snap->taken = Clock::now();
    snap->caps = caps_;
    Watch w;
    SnapshotPtr prev;
    bool force = false;
    {
        std::lock_guard lock(mu_);
        w = watch_;
        prev = latest_;
        force = std::exchange(full_wanted_, false);
    }
    lab_.reap();
    const bool idle = !force && lab_idle(*snap, prev.get());
    const bool done = read_all(*snap, prev.get(), idle);
    if (done)
        for (Process& p : snap->processes)
            if (w.pid == p.pid && ok_alive(p)) read_watched(p, w.addr, w.len);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - snap->taken).count();
    if (done && publish(snap)) {
        std::lock_guard lock(mu_);
        stats_.last_full_ms = ms;
        return snap;
    }
    std::lock_guard lock(mu_);
    ++stats_.abandoned;
    full_wanted_ |= force; // the next one reads every process instead
    return latest_;
}

} // namespace mml
