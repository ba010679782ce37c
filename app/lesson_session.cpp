// The lesson session: the frame loop asks (next, back, restart, answer); the executor's
// thread does it with the Runner, rebuilds the Sampler when the Runner makes a fresh Lab, and
// records every statement as an Event so the panels see the lesson like any other action.
#include "lesson_session.hpp"

namespace mml::app {

LessonSession::LessonSession(Executor& exec) : exec_(exec) {
}

LessonSession::~LessonSession() {
    // The executor has stopped (App's destructor): nothing else touches the runner now.
    drop_sampler();
    runner_.reset();
}

bool LessonSession::current(uint64_t token) const {
    std::lock_guard lk(mu_);
    return token == token_;
}

void LessonSession::update(const std::function<void(LessonView&)>& f) {
    std::lock_guard lk(mu_);
    f(view_);
    ++view_.version;
}

bool LessonSession::open(const std::string& path, std::string* error) {
    auto l = std::make_unique<lesson::Lesson>();
    std::vector<lesson::LessonError> errs;
    if (!lesson::load_lesson(path, *l, errs)) {
        if (error) *error = errs.empty() ? "cannot read " + path : errs.front().str();
        return false;
    }
    if (l->steps.empty()) {
        if (error) *error = path + ": the lesson has no steps";
        return false;
    }
    lesson::Lesson* raw = l.get();
    uint64_t token = 0;
    {
        std::lock_guard lk(mu_);
        lessons_.push_back(std::move(l));
        token = ++token_;
        answers_.assign(raw->steps.size(), kUnanswered);
        view_ = LessonView{};
        view_.lesson = raw;
        view_.busy = true;
        view_.version = token * 1000000;
    }
    exec_.post([this, raw, token] {
        if (!current(token)) return;
        exec_.retarget(nullptr, nullptr, nullptr);
        drop_sampler();
        runner_ = std::make_unique<lesson::Runner>(*raw);
        runner_->set_snapshot_fn([this] { return sample(); });
        do_start();
    });
    return true;
}

void LessonSession::close() {
    {
        std::lock_guard lk(mu_);
        ++token_;
        view_ = LessonView{};
    }
    exec_.post([this] {
        exec_.retarget(nullptr, nullptr, nullptr);
        drop_sampler();
        runner_.reset(); // its lab processes end here
    });
}

bool LessonSession::active() const {
    std::lock_guard lk(mu_);
    return view_.lesson != nullptr;
}

LessonView LessonSession::view() const {
    std::lock_guard lk(mu_);
    return view_;
}

std::shared_ptr<Sampler> LessonSession::sampler() const {
    std::lock_guard lk(mu_);
    return sampler_;
}

// Runs `job` on the executor thread unless the lesson changed (token) before it got there.
void LessonSession::post_job(std::function<void()> job) {
    uint64_t token = 0;
    {
        std::lock_guard lk(mu_);
        token = token_;
        view_.busy = true;
        ++view_.version;
    }
    exec_.post([this, job = std::move(job), token] {
        if (current(token)) job();
    });
}

void LessonSession::post(void (LessonSession::*fn)(size_t), size_t arg) {
    post_job([this, fn, arg] { (this->*fn)(arg); });
}

void LessonSession::post(void (*fn)(LessonSession*, size_t), size_t arg) {
    post_job([this, fn, arg] { fn(this, arg); });
}

void LessonSession::next() {
    const LessonView v = view();
    if (!v.lesson || v.busy || !v.started) return;
    if (!v.ran) {
        post(&LessonSession::do_run, v.cur);
    } else if (v.hiding()) {
        answer(kNoGuess); // Next at a prediction reveals it without a guess
    } else if (!v.last()) {
        update([](LessonView& w) {
            ++w.cur;
            w.ran = false;
            w.outcome = nullptr;
            w.answer = kUnanswered;
        });
    }
}

void LessonSession::back() {
    const LessonView v = view();
    if (!v.lesson || v.busy || !v.started) return;
    if (!v.ran && v.cur > 0) { // the state is already the one after the previous step
        std::lock_guard lk(mu_);
        if (!prev_outcome_) return;
        --view_.cur;
        view_.ran = true;
        view_.outcome = prev_outcome_;
        view_.answer = answers_[view_.cur];
        ++view_.version;
        return;
    }
    if (v.cur == 0) {
        restart();
        return;
    }
    post(&LessonSession::do_back, v.cur - 1);
}

void LessonSession::restart() {
    const LessonView v = view();
    if (!v.lesson || v.busy) return;
    {
        std::lock_guard lk(mu_);
        answers_.assign(v.lesson->steps.size(), kUnanswered);
    }
    post([](LessonSession* s, size_t) { s->do_start(); }, 0);
}

void LessonSession::answer(int choice) {
    const LessonView v = view();
    if (!v.lesson || v.busy || !v.started || !v.step() || !v.step()->ask) return;
    const int n = static_cast<int>(v.step()->ask->choices.size());
    if (choice < kNoGuess || choice >= n) return;
    if (v.ran && v.answer != kUnanswered) return; // already revealed
    {
        std::lock_guard lk(mu_);
        answers_[v.cur] = choice;
        if (v.ran) {
            view_.answer = choice;
            ++view_.version;
            return;
        }
    }
    post(&LessonSession::do_run, v.cur); // answered before running: run, then reveal at once
}

// ---- executor thread ----

SnapshotPtr LessonSession::sample() {
    if (!runner_) return nullptr;
    std::shared_ptr<Sampler> s;
    {
        std::lock_guard lk(mu_);
        s = sampler_;
    }
    if (!s || sampler_gen_ != runner_->generation()) {
        drop_sampler();
        s = std::make_shared<Sampler>(runner_->lab());
        Sampler* raw = s.get();
        runner_->lab().set_observer([raw] { raw->request(); });
        s->start();
        sampler_gen_ = runner_->generation();
        std::lock_guard lk(mu_);
        sampler_ = s;
    }
    return s->sample_now();
}

void LessonSession::drop_sampler() {
    std::shared_ptr<Sampler> s;
    {
        std::lock_guard lk(mu_);
        s.swap(sampler_);
    }
    if (!s) return;
    if (runner_) runner_->lab().set_observer(nullptr);
    s->stop(); // before the Lab it observes goes (frames may still hold it for latest())
}

void LessonSession::finish(const std::string& error) {
    if (runner_ && error.empty()) {
        sample(); // a Sampler for this Lab exists before panels look
        std::shared_ptr<Sampler> s = sampler();
        exec_.retarget(&runner_->lab(), s.get(), &runner_->interpreter());
    }
    update([&](LessonView& w) {
        w.busy = false;
        w.error = error;
    });
}

void LessonSession::do_start() {
    exec_.retarget(nullptr, nullptr, nullptr);
    drop_sampler();
    std::string err;
    const bool ok = runner_->start(&err);
    std::string skip;
    if (ok) skip = lesson::machine_skip_reason(runner_->lesson(), sample()->caps);
    update([&](LessonView& w) {
        w.cur = 0;
        w.ran = false;
        w.outcome = nullptr;
        w.answer = kUnanswered;
        w.started = ok;
        w.skip = skip;
    });
    {
        std::lock_guard lk(mu_);
        prev_outcome_ = nullptr;
    }
    finish(ok ? std::string() : err);
}

void LessonSession::do_run(size_t index) {
    if (runner_->next_step() != index) { // out of step (should not happen): rebuild first
        std::string err;
        exec_.retarget(nullptr, nullptr, nullptr);
        drop_sampler();
        if (!runner_->replay(index, &err)) return finish(err);
    }
    auto out = std::make_shared<lesson::StepOutcome>(runner_->run_step());
    for (const script::StepResult& r : out->results) exec_.record(r, out->before, out->after);
    update([&](LessonView& w) {
        w.cur = index;
        w.ran = true;
        w.outcome = out;
        w.answer = answers_[index];
    });
    {
        std::lock_guard lk(mu_);
        prev_outcome_ = out;
    }
    finish(std::string()); // a statement that failed shows in the outcome
}

void LessonSession::do_back(size_t target) {
    exec_.retarget(nullptr, nullptr, nullptr);
    drop_sampler();
    std::string err;
    if (!runner_->replay(target, &err)) return finish(err);
    do_run(target);
}

} // namespace mml::app
