// A lesson opened in the window: its Runner (whose Lab replaces the App's while it is open),
// a Sampler per Lab generation, and where the class is (step shown, run or not, answers).
// Every Runner call happens on the executor's thread; the frame loop only reads a view.
#pragma once

#include "executor.hpp"
#include "lesson/lesson.hpp"
#include "lesson/runner.hpp"
#include "sampler.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mml::app {

inline constexpr int kUnanswered = -2; // no prediction yet
inline constexpr int kNoGuess = -1;    // revealed without a prediction

// What the frame loop sees of the session (a copy, taken under the session's lock).
struct LessonView {
    const lesson::Lesson* lesson = nullptr;             // null: no lesson open
    size_t cur = 0;                                     // the step shown
    bool ran = false;                                   // its statements have run
    bool busy = false;                                  // a step, a replay or a restart is running
    bool started = false;                               // the first Lab is up
    std::string error;                                  // could not start / replay
    std::string skip;                                   // what this machine lacks for the lesson
    std::shared_ptr<const lesson::StepOutcome> outcome; // of `cur` when ran
    int answer = kUnanswered;                           // the class's choice for `cur`
    uint64_t version = 0;                               // +1 on every change
    const lesson::Step* step() const {
        return lesson && cur < lesson->steps.size() ? &lesson->steps[cur] : nullptr;
    }
    // A prediction is asked and not answered yet: the changes stay hidden.
    bool hiding() const { return ran && step() && step()->ask && answer == kUnanswered; }
    bool last() const { return !lesson || cur + 1 >= lesson->steps.size(); }
};

class LessonSession {
public:
    explicit LessonSession(Executor& exec);
    ~LessonSession();
    LessonSession(const LessonSession&) = delete;
    LessonSession& operator=(const LessonSession&) = delete;

    // Loads a lesson file and starts it on the executor thread. False with a message.
    bool open(const std::string& path, std::string* error);
    void close();
    bool active() const;

    void next();             // run the shown step, or (once run and answered) show the next one
    void back();             // the previous step, its state rebuilt by replaying from the start
    void restart();          // a fresh Lab, step 1 not run
    void answer(int choice); // a prediction (runs the step first when it has not run)

    LessonView view() const;
    std::shared_ptr<Sampler> sampler() const; // of the current Lab (null while rebuilding)

private:
    // Executor thread only.
    void do_start();
    void do_run(size_t index);
    void do_back(size_t target);
    SnapshotPtr sample();
    void drop_sampler();
    void finish(const std::string& error);
    void post(void (LessonSession::*fn)(size_t), size_t arg);
    void post(void (*fn)(LessonSession*, size_t), size_t arg);
    void post_job(std::function<void()> job);

    bool current(uint64_t token) const;
    void update(const std::function<void(LessonView&)>& f);

    Executor& exec_;
    // Every lesson opened stays loaded (frames may still point at an older one; they are small).
    std::vector<std::unique_ptr<lesson::Lesson>> lessons_; // guarded by mu_
    std::unique_ptr<lesson::Runner> runner_;               // executor thread only
    uint64_t sampler_gen_ = 0;                             // executor thread only
    uint64_t token_ = 0; // guarded by mu_; bumps on open/close: older tasks do nothing

    mutable std::mutex mu_;
    LessonView view_;
    std::vector<int> answers_;
    std::shared_ptr<Sampler> sampler_;
    std::shared_ptr<const lesson::StepOutcome> prev_outcome_; // the last step run (Back)
};

} // namespace mml::app
