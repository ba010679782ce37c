// Runs every built-in lesson on the real kernel through the library (fresh Lab each): every
// lesson passes, or is skipped with a reason; every failed check is printed with its values.
#include "lesson/lesson.hpp"
#include "lesson/runner.hpp"

#include <cctype>
#include <filesystem>
#include <gtest/gtest.h>

using namespace mml::lesson;

namespace {

mml::LabOptions lab_options() {
    mml::LabOptions o;
    o.subject_path = MMAPLAB_SUBJECT;
    return o;
}

std::vector<std::string> builtin() {
    return lesson_files(std::string(MMAPLAB_SOURCE_DIR) + "/lessons");
}

class BuiltinLesson : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(BuiltinLesson, PassesOrSkipsWithReason) {
    Lesson l;
    std::vector<LessonError> errs;
    ASSERT_TRUE(load_lesson(GetParam(), l, errs)) << errs.front().str();
    LessonReport rep = check_lesson(l, lab_options());
    ASSERT_TRUE(rep.error.empty()) << rep.error;
    if (!rep.skipped.empty()) GTEST_SKIP() << rep.skipped;
    for (const auto& s : rep.steps) {
        EXPECT_TRUE(s.error.empty()) << "step " << s.index + 1 << ": " << s.error;
        for (const auto& c : s.expects)
            EXPECT_TRUE(c.verdict == Verdict::Pass || c.verdict == Verdict::Skip)
                << l.name << ":" << c.line << ": " << c.src << " — " << c.detail;
        for (const auto& c : s.expects) {
            if (c.verdict == Verdict::Skip) {
                EXPECT_FALSE(c.detail.empty());
            }
        }
        if (s.prediction) {
            EXPECT_NE(s.prediction->verdict, Verdict::Fail)
                << l.name << ": " << s.prediction->detail;
        }
    }
    EXPECT_TRUE(rep.ok());
    EXPECT_EQ(rep.steps.size(), l.steps.size());
}

INSTANTIATE_TEST_SUITE_P(All, BuiltinLesson, ::testing::ValuesIn(builtin()), [](const auto& info) {
    std::string n = std::filesystem::path(info.param).stem().string();
    for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return "L" + n;
});

TEST(LessonRunner, StepByStepAndReplay) {
    Lesson l;
    std::vector<LessonError> errs;
    ASSERT_TRUE(
        parse_lesson("title: T\n"
                     "step: one\ndo: char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, "
                     "MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
                     "step: two\ndo: p[0] = 'x';\nexpect: present(p)\n"
                     "ask: Present?\nchoice true: yes\nchoice false: no\nanswer: present(p)\n"
                     "step: three\ndo: pid_t kid = fork();\nexpect: alive(kid)\n",
                     "t.lesson", l, errs));
    Runner r(l, lab_options());
    ASSERT_TRUE(r.start());
    uint64_t gen = r.generation();
    StepOutcome a = r.run_step();
    EXPECT_EQ(a.index, 0u);
    ASSERT_TRUE(a.after && a.before);
    StepOutcome b = r.run_step();
    ASSERT_EQ(b.expects.size(), 1u);
    EXPECT_EQ(b.expects[0].verdict, Verdict::Pass);
    ASSERT_TRUE(b.prediction);
    EXPECT_EQ(b.prediction->choice, 0);
    EXPECT_EQ(r.next_step(), 2u);
    // Back: a fresh lab with the first step replayed.
    ASSERT_TRUE(r.replay(1));
    EXPECT_GT(r.generation(), gen);
    EXPECT_EQ(r.next_step(), 1u);
    EXPECT_EQ(r.lab().live_pids().size(), 1u);
    StepOutcome b2 = r.run_step();
    EXPECT_EQ(b2.expects[0].verdict, Verdict::Pass);
    StepOutcome c = r.run_step();
    EXPECT_EQ(c.expects[0].verdict, Verdict::Pass);
    EXPECT_TRUE(r.done());
}
