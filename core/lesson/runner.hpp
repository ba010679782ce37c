// Running a lesson on real lab processes: one step at a time (the GUI's guided mode) or all
// of it headlessly (`mmaplab lesson check`), evaluating predictions and expectations against
// a snapshot taken right after each step's statements.
#pragma once

#include "lab.hpp"
#include "lesson/lesson.hpp"
#include "model.hpp"
#include "script/script.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mml {
class Sampler;
}

namespace mml::lesson {

enum class Verdict { Pass, Fail, Skip, Error };
const char* to_string(Verdict v);

// One expectation or measure, evaluated.
struct CheckResult {
    int line = 0;
    std::string src;
    Verdict verdict = Verdict::Pass;
    Val value;          // what it evaluated to
    std::string detail; // failing: the actual values; skipped: why; error: what went wrong
};

// A prediction revealed: the kernel's answer and the choice it matches.
struct PredictionResult {
    Verdict verdict = Verdict::Pass; // Fail: the answer matches no choice (or several)
    Val answer;
    int choice = -1; // index into Question::choices
    std::string detail;
};

struct SelectionResult {
    int pid = 0;
    uint64_t addr = 0, len = 0;
};

struct StepOutcome {
    size_t index = 0;
    std::vector<script::StepResult> results; // one per statement
    SnapshotPtr before, after;               // around the statements
    double elapsed_us = 0;                   // wall time of the statements
    std::vector<CheckResult> expects;
    std::vector<CheckResult> measures;
    std::optional<PredictionResult> prediction;
    std::optional<SelectionResult> selection;
    std::string error; // a statement that could not run (evaluation error, no process)
    bool failed() const;
};

// Takes one snapshot of every lab process, synchronously (the GUI passes its Sampler's
// sample_now; by default the runner reads /proc itself).
using SnapshotFn = std::function<SnapshotPtr()>;

// Why this machine cannot run the lesson (needs root, THP off), or "".
std::string machine_skip_reason(const Lesson& l, const Capabilities& caps);

class Runner {
public:
    explicit Runner(const Lesson& lesson, LabOptions opts = {});
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    // A fresh Lab with "main" started; the next step is 0. False with `error`.
    bool start(std::string* error = nullptr);
    // Back / Restart: a fresh Lab, then steps [0, upto) replayed. False when a step fails to run.
    bool replay(size_t upto, std::string* error = nullptr);
    size_t next_step() const { return next_; }
    bool done() const { return next_ >= lesson_.steps.size(); }
    // Runs the next step's statements, takes a snapshot, evaluates everything.
    StepOutcome run_step();

    const Lesson& lesson() const { return lesson_; }
    Lab& lab() { return *lab_; }
    script::Interpreter& interpreter() { return *interp_; }
    uint64_t generation() const { return generation_; } // +1 with every new Lab
    void set_snapshot_fn(SnapshotFn f) { snap_fn_ = std::move(f); }
    SnapshotPtr snapshot();
    const std::map<std::string, Val>& measures() const { return measures_; }

private:
    void evaluate(const Step& s, StepOutcome& out);

    const Lesson& lesson_;
    LabOptions opts_;
    std::unique_ptr<Lab> lab_;
    std::unique_ptr<Sampler> sampler_; // snapshots when no SnapshotFn is set
    std::unique_ptr<script::Interpreter> interp_;
    SnapshotFn snap_fn_;
    std::map<std::string, Val> measures_;
    size_t next_ = 0;
    uint64_t generation_ = 0;
    uint64_t seq_ = 0;
};

struct LessonReport {
    std::string name, title;
    std::string skipped; // the whole lesson was skipped: why
    std::string error;   // could not start
    std::vector<StepOutcome> steps;
    int passed = 0, failed = 0, skipped_checks = 0;
    bool ok() const { return failed == 0 && error.empty(); }
};

// Runs a whole lesson headlessly with a fresh Lab; `on_step` sees each step as it finishes.
LessonReport check_lesson(const Lesson& l, const LabOptions& opts = {},
                          const std::function<void(const StepOutcome&)>& on_step = {});

// Evaluation of one expression against the state after (and before) a step.
struct EvalEnv {
    const Snapshot* now = nullptr;
    const Snapshot* before = nullptr;
    const script::Interpreter* interp = nullptr;
    const Lab* lab = nullptr;
    const std::vector<script::StepResult>* results = nullptr;
    const std::map<std::string, Val>* measures = nullptr;
    double step_us = 0;
};
// False with `why` on an error; `skipped` set when the machine cannot tell (no root, ...).
bool evaluate(const XExpr& e, const EvalEnv& env, Val& out, std::string& why, bool& skipped);

} // namespace mml::lesson
