// The ActionSink of the app: a long-lived worker thread that owns the action-language
// interpreter and every lab process it starts, runs queued statements one after another, and
// turns each into an Event with the kernel's answer and the fault counters it moved. A lesson
// runs its steps here too (post) and points the executor at its own Lab (retarget).
#pragma once

#include "app_state.hpp"
#include "lab.hpp"
#include "sampler.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mml::script {
class Interpreter;
struct Stmt;
struct StepResult;
} // namespace mml::script

namespace mml::app {

class Executor final : public ActionSink {
public:
    Executor(Lab& lab, Sampler& sampler);
    ~Executor() override;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Starts the worker, which starts the first lab process ("main") and takes a snapshot.
    void start();
    // Stops the worker after the running statement; lab processes die with it.
    void stop();

    void submit(const std::string& statement, int pid) override;
    bool busy() const override;
    void spawn(const std::string& name) override;
    // Queues every statement of a file's text, each run after the previous one's snapshot.
    // Returns false (and queues nothing) with a file:line:col message on a parse error.
    bool submit_script(const std::string& text, const std::string& file, std::string* error);

    // Runs `task` on the worker thread, in order with the statements (lesson steps: lab
    // processes must be spawned by this long-lived thread, PR_SET_PDEATHSIG is per thread).
    void post(std::function<void()> task);
    // Worker thread only: statements now run in `lab` with `interp`, observed by `sampler`;
    // all null: back to the executor's own Lab, Sampler and interpreter.
    void retarget(Lab* lab, Sampler* sampler, script::Interpreter* interp);
    // Worker thread only: one statement a lesson ran, as an Event (before/after: its step).
    void record(const script::StepResult& r, SnapshotPtr before, SnapshotPtr after);

    void set_selected(int pid) { selected_ = pid; } // what pid 0 means in submit()
    bool ready() const; // the first lab process is up (or failed: see start_error())
    bool idle() const;  // ready, nothing queued, nothing running
    std::string start_error() const;
    int main_pid() const;

    std::vector<Event> take_events(); // new events since the last call (frame loop)
    SnapshotPtr before() const;       // the snapshot taken just before the last action
    std::vector<Variable> variables() const;
    uint64_t completed() const; // statements finished so far

private:
    struct Job {
        enum class Kind { Text, Spawn, Task } kind = Kind::Text;
        std::string text, file;
        int pid = 0; // 0: the selected process; -1: the interpreter's default
        std::function<void()> task;
    };
    void run();
    void run_job(const Job& job);
    void run_text(const Job& job);
    void run_stmt(const script::Stmt& s, int pid);
    void run_spawn(const std::string& name);
    SnapshotPtr fresh_snapshot();
    SnapshotPtr snapshot_after(const SnapshotPtr& before);
    void publish(Event e, SnapshotPtr before, SnapshotPtr after = nullptr);
    void hand_over(Event e, SnapshotPtr before, const SnapshotPtr& after);
    static Event make_event(const script::StepResult& r);
    void error_event(const std::string& statement, const std::string& message);

    Lab& own_lab_;
    Sampler& own_sampler_;
    std::unique_ptr<script::Interpreter> own_interp_; // used on the worker thread only
    // What statements act on and are observed by (the own ones, or a lesson's); worker only.
    Lab* lab_ = nullptr;
    Sampler* sampler_ = nullptr;
    script::Interpreter* interp_ = nullptr;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool running_ = false, stop_ = false, ready_ = false;
    std::string start_error_;
    int main_pid_ = 0;
    std::vector<Event> out_;
    SnapshotPtr before_;
    std::vector<Variable> vars_;
    uint64_t seq_ = 0, completed_ = 0;
    std::atomic<int> selected_{0};
    std::thread thread_;
};

} // namespace mml::app
