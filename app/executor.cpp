// The executor's worker thread: statements in, Events out. Lab processes are bound to this
// thread (PR_SET_PDEATHSIG), so it lives as long as the App and is the only one that spawns.
#include "executor.hpp"

#include "script/script.hpp"

#include <sys/wait.h>
#include <thread>

namespace mml::app {

Executor::Executor(Lab& lab, Sampler& sampler)
    : own_lab_(lab), own_sampler_(sampler), lab_(&lab), sampler_(&sampler) {
}

Executor::~Executor() {
    stop();
}

void Executor::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void Executor::stop() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Executor::submit(const std::string& statement, int pid) {
    {
        std::lock_guard lk(mu_);
        queue_.push_back(Job{Job::Kind::Text, statement, "", pid, {}});
    }
    cv_.notify_all();
}

void Executor::spawn(const std::string& name) {
    {
        std::lock_guard lk(mu_);
        queue_.push_back(Job{Job::Kind::Spawn, name, "", 0, {}});
    }
    cv_.notify_all();
}

void Executor::post(std::function<void()> task) {
    {
        std::lock_guard lk(mu_);
        Job j;
        j.kind = Job::Kind::Task;
        j.task = std::move(task);
        queue_.push_back(std::move(j));
    }
    cv_.notify_all();
}

void Executor::retarget(Lab* lab, Sampler* sampler, script::Interpreter* interp) {
    const bool own = !lab || !sampler || !interp;
    lab_ = own ? &own_lab_ : lab;
    sampler_ = own ? &own_sampler_ : sampler;
    interp_ = own ? own_interp_.get() : interp;
    std::vector<Variable> vars;
    if (interp_)
        for (const auto& [name, v] : interp_->variables()) vars.push_back({name, v.type, v.v});
    std::lock_guard lk(mu_);
    vars_ = std::move(vars);
    before_ = nullptr;
}

void Executor::record(const script::StepResult& r, SnapshotPtr before, SnapshotPtr after) {
    publish(make_event(r), std::move(before), std::move(after));
}

bool Executor::submit_script(const std::string& text, const std::string& file, std::string* error) {
    script::Program prog;
    script::Diagnostic diag;
    if (!script::parse(text, file, prog, diag)) {
        if (error) *error = diag.str();
        return false;
    }
    std::lock_guard lk(mu_);
    for (const script::Stmt& s : prog.stmts)
        queue_.push_back(Job{Job::Kind::Text, script::print(s), file, -1, {}});
    cv_.notify_all();
    return true;
}

bool Executor::busy() const {
    std::lock_guard lk(mu_);
    return running_ || !queue_.empty();
}

bool Executor::ready() const {
    std::lock_guard lk(mu_);
    return ready_;
}

bool Executor::idle() const {
    std::lock_guard lk(mu_);
    return ready_ && !running_ && queue_.empty();
}

std::string Executor::start_error() const {
    std::lock_guard lk(mu_);
    return start_error_;
}

int Executor::main_pid() const {
    std::lock_guard lk(mu_);
    return main_pid_;
}

std::vector<Event> Executor::take_events() {
    std::lock_guard lk(mu_);
    std::vector<Event> out;
    out.swap(out_);
    return out;
}

SnapshotPtr Executor::before() const {
    std::lock_guard lk(mu_);
    return before_;
}

std::vector<Variable> Executor::variables() const {
    std::lock_guard lk(mu_);
    return vars_;
}

uint64_t Executor::completed() const {
    std::lock_guard lk(mu_);
    return completed_;
}

void Executor::run() {
    own_interp_ = std::make_unique<script::Interpreter>(own_lab_);
    interp_ = own_interp_.get();
    std::string err;
    const int pid = interp_->start(&err);
    sampler_->sample_now();
    {
        std::lock_guard lk(mu_);
        main_pid_ = pid;
        start_error_ = pid ? std::string() : (err.empty() ? "could not start a lab process" : err);
        ready_ = true;
    }
    // The panels show the (empty) lab from here on: the reason belongs in Events.
    if (!pid) error_event("/* start the first lab process */", start_error());
    for (;;) {
        Job job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
            if (stop_) break;
            job = std::move(queue_.front());
            queue_.pop_front();
            running_ = true;
        }
        run_job(job);
        std::lock_guard lk(mu_);
        running_ = false;
        ++completed_;
    }
    retarget(nullptr, nullptr, nullptr);
    interp_ = nullptr;
    own_interp_.reset();
}

void Executor::run_job(const Job& job) {
    if (job.kind == Job::Kind::Task)
        job.task();
    else if (job.kind == Job::Kind::Spawn)
        run_spawn(job.text);
    else
        run_text(job);
}

void Executor::run_text(const Job& job) {
    script::Program prog;
    script::Diagnostic diag;
    if (!script::parse(job.text, job.file, prog, diag)) {
        error_event(job.text, diag.str());
        return;
    }
    int pid = job.pid == 0 ? selected_.load() : job.pid;
    if (pid > 0 && !lab_->alive(pid)) pid = 0;
    for (const script::Stmt& s : prog.stmts) run_stmt(s, pid);
}

SnapshotPtr Executor::fresh_snapshot() {
    SnapshotPtr s = sampler_->latest();
    if (s && s->lab_seq == lab_->journal_seq()) return s;
    return sampler_->sample_now();
}

// The snapshot after a statement: a quick one when the Sampler can show it equal to a full one
// (Sampler::sample_quick), with a full one requested once nothing more is queued; else a full one.
SnapshotPtr Executor::snapshot_after(const SnapshotPtr& before) {
    SnapshotPtr quick = sampler_->sample_quick(before);
    if (!quick) return sampler_->sample_now();
    bool more = false;
    {
        std::lock_guard lk(mu_);
        more = !queue_.empty();
    }
    if (!more) sampler_->request_full();
    return quick;
}

void Executor::run_stmt(const script::Stmt& s, int pid) {
    SnapshotPtr before = fresh_snapshot();
    const int saved = interp_->default_pid();
    if (pid > 0) interp_->set_default_pid(pid);
    const script::StepResult r = interp_->run(s);
    if (pid > 0 && lab_->alive(saved)) interp_->set_default_pid(saved);
    Event e = make_event(r);
    if (e.statement.empty()) e.statement = script::print(s);
    publish(std::move(e), std::move(before));
}

Event Executor::make_event(const script::StepResult& r) {
    Event e;
    e.pid = r.pid;
    e.process = r.process;
    e.statement = r.statement;
    e.result = r.result_text();
    e.is_signal = r.fault.sig != 0 || (r.died && WIFSIGNALED(r.wait_status));
    e.is_error = e.is_signal || r.err != 0 || r.died || !r.error.empty();
    return e;
}

void Executor::run_spawn(const std::string& name) {
    SnapshotPtr before = fresh_snapshot();
    std::string err;
    const int pid = lab_->spawn(name, &err);
    Event e;
    e.pid = pid;
    e.process = name;
    e.statement = "/* new lab process \"" + name + "\" */";
    e.result = pid ? "= pid " + std::to_string(pid) : err;
    e.is_error = pid == 0;
    publish(std::move(e), std::move(before));
}

void Executor::error_event(const std::string& statement, const std::string& message) {
    Event e;
    e.statement = statement;
    e.result = message;
    e.is_error = true;
    publish(std::move(e), nullptr);
}

// Takes the snapshot after the action, fills the fault deltas, and hands the event over. The
// action's pages come first when they can (Sampler::sample_pages): the event goes with them
// (their fault counters are read again), and the snapshot with the counters follows.
void Executor::publish(Event e, SnapshotPtr before, SnapshotPtr after) {
    const SnapshotPtr pages = !after && before ? sampler_->sample_pages(before) : nullptr;
    if (pages)
        after = pages;
    else if (!after)
        after = before ? snapshot_after(before) : sampler_->latest();
    hand_over(std::move(e), before, after);
    if (!pages) return;
    // The counters at the Sampler's lower priority: the frame showing the pages is being drawn
    // meanwhile on the same cores (llvmpipe's threads). Bench, 2 interleaved rounds: that
    // frame's work p50 17.7/12.5 ms against 18.7/19.5 ms, latency p50 36.7/33.7 against
    // 38.7/38.9 ms; the counters' latency did not move.
    std::thread counters([&] {
        sampler_->lower_this_thread();
        snapshot_after(before);
    });
    counters.join();
}

void Executor::hand_over(Event e, SnapshotPtr before, const SnapshotPtr& after) {
    if (before && after && e.pid) {
        const Process* b = before->process(e.pid);
        const Process* a = after->process(e.pid);
        if (a && b) {
            e.minflt_delta = a->minflt >= b->minflt ? a->minflt - b->minflt : 0;
            e.majflt_delta = a->majflt >= b->majflt ? a->majflt - b->majflt : 0;
        }
    }
    std::vector<Variable> vars;
    for (const auto& [name, v] : interp_->variables()) vars.push_back({name, v.type, v.v});
    std::lock_guard lk(mu_);
    e.seq = ++seq_;
    out_.push_back(std::move(e));
    if (before) before_ = std::move(before);
    vars_ = std::move(vars);
}

} // namespace mml::app
