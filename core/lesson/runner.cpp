// The lesson runner: a fresh Lab per run, one step at a time (statements, snapshot, checks),
// replay for Back/Restart, and the headless check of a whole lesson.
#include "lesson/runner.hpp"

#include "sampler.hpp"

#include <chrono>
#include <fmt/format.h>
#include <sys/wait.h>

namespace mml::lesson {

const char* to_string(Verdict v) {
    switch (v) {
    case Verdict::Pass:
        return "pass";
    case Verdict::Fail:
        return "fail";
    case Verdict::Skip:
        return "skipped";
    case Verdict::Error:
        return "error";
    }
    return "?";
}

bool StepOutcome::failed() const {
    if (!error.empty()) return true;
    for (const auto& c : expects)
        if (c.verdict == Verdict::Fail || c.verdict == Verdict::Error) return true;
    for (const auto& c : measures)
        if (c.verdict == Verdict::Error) return true;
    return prediction &&
           (prediction->verdict == Verdict::Fail || prediction->verdict == Verdict::Error);
}

std::string machine_skip_reason(const Lesson& l, const Capabilities& caps) {
    for (Need n : l.needs) {
        if (n == Need::Root && !caps.pfn)
            return "needs root: page frame numbers and page counts are hidden without "
                   "CAP_SYS_ADMIN" +
                   (caps.reason.empty() ? std::string{} : " (" + caps.reason + ")");
        if (n == Need::Thp && (caps.thp.empty() || caps.thp == "never"))
            return fmt::format("needs transparent huge pages: "
                               "/sys/kernel/mm/transparent_hugepage/enabled is \"{}\"",
                               caps.thp.empty() ? "missing" : caps.thp);
    }
    return {};
}

Runner::Runner(const Lesson& lesson, LabOptions opts) : lesson_(lesson), opts_(std::move(opts)) {
}

Runner::~Runner() {
    interp_.reset();
    sampler_.reset();
    lab_.reset();
}

bool Runner::start(std::string* error) {
    interp_.reset();
    sampler_.reset();
    lab_.reset();
    lab_ = std::make_unique<Lab>(opts_);
    sampler_ =
        std::make_unique<Sampler>(*lab_, SamplerOptions{std::chrono::milliseconds(0), 1, true});
    ++generation_;
    next_ = 0;
    measures_.clear();
    if (std::string e = lab_->init_error(); !e.empty()) {
        if (error) *error = e;
        return false;
    }
    interp_ = std::make_unique<script::Interpreter>(*lab_);
    std::string e;
    if (interp_->start(&e) == 0) {
        if (error) *error = e.empty() ? "cannot start the lab process" : e;
        return false;
    }
    return true;
}

bool Runner::replay(size_t upto, std::string* error) {
    if (!start(error)) return false;
    while (next_ < upto && !done()) {
        StepOutcome o = run_step();
        if (!o.error.empty()) {
            if (error) *error = fmt::format("step {}: {}", o.index + 1, o.error);
            return false;
        }
    }
    return true;
}

SnapshotPtr Runner::snapshot() {
    if (snap_fn_) return snap_fn_();
    return sampler_ ? sampler_->sample_now() : nullptr;
}

StepOutcome Runner::run_step() {
    StepOutcome out;
    out.index = next_;
    if (done() || !interp_) {
        out.error = interp_ ? "the lesson is over" : "the runner was not started";
        return out;
    }
    const Step& s = lesson_.steps[next_++];
    out.before = snapshot();
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& st : s.program.stmts) {
        out.results.push_back(interp_->run(st));
        const auto& r = out.results.back();
        if (!r.error.empty()) {
            out.error = fmt::format("'{}': {}", r.statement, r.error);
            break;
        }
    }
    out.elapsed_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    out.after = snapshot();
    evaluate(s, out);
    return out;
}

namespace {

CheckResult eval_check(const Check& c, const EvalEnv& env) {
    CheckResult r;
    r.line = c.line;
    r.src = c.src;
    std::string why;
    bool skipped = false;
    if (!evaluate(c.expr, env, r.value, why, skipped)) {
        r.verdict = skipped ? Verdict::Skip : Verdict::Error;
        r.detail = why;
    }
    return r;
}

// The values of a failed comparison's two sides ("rss_pages(p) is 3, not 4").
std::string explain_failure(const Check& c, const EvalEnv& env) {
    const XExpr& e = c.expr;
    auto value_of = [&](const XExpr& x) {
        Val v;
        std::string why;
        bool sk;
        return evaluate(x, env, v, why, sk) ? v.str() : "(" + why + ")";
    };
    if (e.kind == XKind::Binary && e.s != "&&" && e.s != "||") {
        std::string l = value_of(e.kids[0]), r = value_of(e.kids[1]);
        std::string ls = print_expr(e.kids[0]), rs = print_expr(e.kids[1]);
        if (e.kids[1].kind == XKind::Int || e.kids[1].kind == XKind::Str ||
            e.kids[1].kind == XKind::Bool)
            return fmt::format("{} is {}", ls, l);
        return fmt::format("{} is {}; {} is {}", ls, l, rs, r);
    }
    if (e.kind == XKind::Unary && e.s == "!")
        return fmt::format("{} is {}", print_expr(e.kids[0]), value_of(e.kids[0]));
    return fmt::format("{} is false", print_expr(e));
}

PredictionResult reveal(const Question& q, const EvalEnv& env) {
    PredictionResult p;
    std::string why;
    bool skipped = false;
    if (!evaluate(q.answer.expr, env, p.answer, why, skipped)) {
        p.verdict = skipped ? Verdict::Skip : Verdict::Error;
        p.detail = why;
        return p;
    }
    int matches = 0;
    for (size_t i = 0; i < q.choices.size(); ++i)
        if (q.choices[i].matches(p.answer)) {
            if (matches++ == 0) p.choice = static_cast<int>(i);
        }
    if (matches != 1) {
        p.verdict = Verdict::Fail;
        p.detail = fmt::format("the kernel's answer {} matches {} of the choices", p.answer.str(),
                               matches == 0 ? "none" : "several");
        p.choice = -1;
    }
    return p;
}

} // namespace

void Runner::evaluate(const Step& s, StepOutcome& out) {
    EvalEnv env;
    env.now = out.after.get();
    env.before = out.before.get();
    env.interp = interp_.get();
    env.lab = lab_.get();
    env.results = &out.results;
    env.measures = &measures_;
    env.step_us = out.elapsed_us;
    if (!out.error.empty()) return; // the step did not run completely: nothing to check
    for (const auto& m : s.measures) {
        CheckResult r = eval_check(m.expr, env);
        if (!m.name.empty()) r.src = m.name + " = " + r.src;
        if (r.verdict == Verdict::Pass && !m.name.empty()) measures_[m.name] = r.value;
        out.measures.push_back(std::move(r));
    }
    for (const auto& c : s.expects) {
        CheckResult r = eval_check(c, env);
        if (r.verdict == Verdict::Pass && r.value.kind != Val::Str && r.value.i == 0) {
            r.verdict = Verdict::Fail;
            r.detail = explain_failure(c, env);
        } else if (r.verdict == Verdict::Pass && r.value.kind == Val::Str) {
            r.verdict = Verdict::Error;
            r.detail = "an expectation must be true or false, not text";
        }
        out.expects.push_back(std::move(r));
    }
    if (s.ask) out.prediction = reveal(*s.ask, env);
    if (s.select) {
        Val a, l;
        std::string why;
        bool sk;
        if (lesson::evaluate(s.select->addr.expr, env, a, why, sk) &&
            (!s.select->len || lesson::evaluate(s.select->len->expr, env, l, why, sk))) {
            out.selection = SelectionResult{interp_->default_pid(), static_cast<uint64_t>(a.i),
                                            static_cast<uint64_t>(s.select->len ? l.i : 0)};
        } else {
            CheckResult bad;
            bad.line = s.select->line;
            bad.src = "select: " + s.select->addr.src;
            bad.verdict = Verdict::Error;
            bad.detail = why;
            out.measures.push_back(std::move(bad));
        }
    }
}

LessonReport check_lesson(const Lesson& l, const LabOptions& opts,
                          const std::function<void(const StepOutcome&)>& on_step) {
    LessonReport rep;
    rep.name = l.name;
    rep.title = l.title;
    Runner run(l, opts);
    std::string err;
    if (!run.start(&err)) {
        rep.error = err;
        return rep;
    }
    rep.skipped = machine_skip_reason(l, run.snapshot()->caps);
    if (!rep.skipped.empty()) return rep;
    while (!run.done()) {
        StepOutcome o = run.run_step();
        auto count = [&](Verdict v) {
            if (v == Verdict::Pass)
                ++rep.passed;
            else if (v == Verdict::Skip)
                ++rep.skipped_checks;
            else
                ++rep.failed;
        };
        if (!o.error.empty()) ++rep.failed;
        for (const auto& c : o.expects) count(c.verdict);
        for (const auto& c : o.measures)
            if (c.verdict == Verdict::Error) ++rep.failed;
        if (o.prediction) count(o.prediction->verdict);
        if (on_step) on_step(o);
        rep.steps.push_back(std::move(o));
        if (!rep.steps.back().error.empty()) break;
    }
    return rep;
}

} // namespace mml::lesson
