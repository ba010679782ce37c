// `mmaplab lesson list` and `mmaplab lesson check [NAME|all]`: the built-in lessons, run
// headlessly on the real kernel with a fresh Lab each, every check printed with its verdict.
#include "cli/lesson_commands.hpp"

#include "lesson/lesson.hpp"
#include "lesson/runner.hpp"

#include <cstdio>
#include <fmt/core.h>
#include <string>
#include <vector>

namespace mml::cli {

namespace {

const char* mark(lesson::Verdict v) {
    switch (v) {
    case lesson::Verdict::Pass:
        return "✓";
    case lesson::Verdict::Fail:
        return "✗";
    case lesson::Verdict::Skip:
        return "–";
    case lesson::Verdict::Error:
        return "✗";
    }
    return "?";
}

void print_check(const lesson::CheckResult& c, bool measure) {
    if (measure && c.verdict == lesson::Verdict::Pass) {
        fmt::print("    · {} → {}\n", c.src, c.value.str());
        return;
    }
    std::string extra;
    if (c.verdict == lesson::Verdict::Fail)
        extra = fmt::format("   (line {}: {})", c.line, c.detail);
    if (c.verdict == lesson::Verdict::Skip) extra = fmt::format("   skipped: {}", c.detail);
    if (c.verdict == lesson::Verdict::Error)
        extra = fmt::format("   (line {}: error: {})", c.line, c.detail);
    fmt::print("    {} {}{}\n", mark(c.verdict), c.src, extra);
}

void print_step(const lesson::Lesson& l, const lesson::StepOutcome& o) {
    const lesson::Step& s = l.steps[o.index];
    fmt::print("  step {}: {}\n", o.index + 1, s.title);
    for (const auto& r : o.results) fmt::print("      {}  {}\n", r.statement, r.result_text());
    if (!o.error.empty()) fmt::print("    ✗ statement failed: {}\n", o.error);
    for (const auto& m : o.measures) print_check(m, true);
    for (const auto& c : o.expects) print_check(c, false);
    if (o.prediction && s.ask) {
        const auto& p = *o.prediction;
        if (p.verdict == lesson::Verdict::Pass)
            fmt::print("    ✓ predict: {} → {} (\"{}\")\n", s.ask->answer.src, p.answer.str(),
                       s.ask->choices[static_cast<size_t>(p.choice)].label);
        else
            fmt::print("    {} predict: {}   {}{}\n", mark(p.verdict), s.ask->answer.src,
                       p.verdict == lesson::Verdict::Skip ? "skipped: " : "", p.detail);
    }
    std::fflush(stdout);
}

// Runs one lesson file; returns 0 (ok or skipped), 1 (failed) or 2 (file errors).
int check_one(const std::string& path, int& passed, int& skipped, std::vector<std::string>& sum) {
    lesson::Lesson l;
    std::vector<lesson::LessonError> errs;
    if (!lesson::load_lesson(path, l, errs)) {
        for (const auto& e : errs) fmt::print(stderr, "{}\n", e.str());
        sum.push_back(fmt::format("✗ {}: {} error(s) in the lesson file", l.name, errs.size()));
        return 2;
    }
    fmt::print("== {}: {}\n", l.name, l.title);
    std::fflush(stdout);
    lesson::LessonReport rep =
        lesson::check_lesson(l, {}, [&](const lesson::StepOutcome& o) { print_step(l, o); });
    passed += rep.passed;
    skipped += rep.skipped_checks;
    if (!rep.error.empty()) {
        fmt::print("  ✗ could not start: {}\n", rep.error);
        sum.push_back(fmt::format("✗ {}: could not start: {}", l.name, rep.error));
        return 1;
    }
    if (!rep.skipped.empty()) {
        fmt::print("  – lesson skipped: {}\n", rep.skipped);
        sum.push_back(fmt::format("– {}: skipped: {}", l.name, rep.skipped));
        return 0;
    }
    std::string line = fmt::format("{} {}: {} passed, {} failed, {} skipped", rep.ok() ? "✓" : "✗",
                                   l.name, rep.passed, rep.failed, rep.skipped_checks);
    fmt::print("  {}\n\n", line);
    sum.push_back(line);
    return rep.ok() ? 0 : 1;
}

} // namespace

int cmd_lesson_list() {
    std::string dir = lesson::lessons_dir();
    if (dir.empty()) {
        fmt::print(stderr, "no lessons directory found: set MMAPLAB_LESSONS or install lessons/ "
                           "next to the mmaplab executable\n");
        return 2;
    }
    int rc = 0;
    for (const auto& f : lesson::lesson_files(dir)) {
        lesson::Lesson l;
        std::vector<lesson::LessonError> errs;
        if (lesson::load_lesson(f, l, errs)) {
            fmt::print("{:<22} {}\n", l.name, l.title);
        } else {
            fmt::print("{:<22} (has errors: {})\n", l.name, errs.front().str());
            rc = 2;
        }
    }
    return rc;
}

int cmd_lesson_check(const std::string& name_or_all) {
    std::string dir = lesson::lessons_dir();
    std::vector<std::string> files;
    if (name_or_all.empty() || name_or_all == "all") {
        files = dir.empty() ? files : lesson::lesson_files(dir);
        if (files.empty()) {
            fmt::print(stderr, "no lessons found (set MMAPLAB_LESSONS to the lessons directory)\n");
            return 2;
        }
    } else {
        std::string f = lesson::find_lesson(dir, name_or_all);
        if (f.empty()) {
            fmt::print(stderr, "no lesson '{}' in {} (try `mmaplab lesson list`)\n", name_or_all,
                       dir.empty() ? "(no lessons directory)" : dir);
            return 2;
        }
        files.push_back(f);
    }
    int worst = 0, passed = 0, skipped = 0;
    std::vector<std::string> summary;
    for (const auto& f : files) worst = std::max(worst, check_one(f, passed, skipped, summary));
    if (files.size() > 1) {
        fmt::print("== summary\n");
        for (const auto& s : summary) fmt::print("  {}\n", s);
    }
    fmt::print("{}: {} checks passed, {} skipped\n", worst == 0 ? "ok" : "FAILED", passed, skipped);
    return worst;
}

} // namespace mml::cli
