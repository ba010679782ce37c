// Unit tests of the .lesson format: a full lesson parsed field by field, every error reported
// as file:line, check expressions (parse, print, names), choices and lesson lookup.
#include "lesson/lesson.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace mml::lesson;

namespace {

const char* kGood = R"(# a comment
title: Demand paging
needs: root, thp

intro:
    First line of the intro
    continues here.

    Second paragraph.
step: Map
    Narration line one
    and two.
    - an item
do: char *p = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    write_pages(p, 4 * PAGE_SIZE);
show: pages, frames
select: p, 4 * PAGE_SIZE
ask: How many pages?
choice 0: none
choice 1..3: some
choice 4: all
answer: present_pages(p, 4 * PAGE_SIZE)
explain: Written pages are present.
measure: faults = delta(minflt())
expect: present_pages(p, 4 * PAGE_SIZE) == 4 && faults >= 4
step: Fork
do:
    pid_t child = fork();
    @child: p[0] = 'B';
ask: Same frame?
choice true: the same frame
choice false: a copy
answer: same_frame(main, child, p)
)";

std::vector<LessonError> errors_of(const std::string& text) {
    Lesson l;
    std::vector<LessonError> errs;
    EXPECT_FALSE(parse_lesson(text, "x.lesson", l, errs));
    return errs;
}

// The first error, as printed.
std::string first_error(const std::string& text) {
    auto errs = errors_of(text);
    return errs.empty() ? std::string("(no error)") : errs.front().str();
}

const std::string kHead = "title: T\nstep: S\n";

} // namespace

TEST(LessonParse, FullLesson) {
    Lesson l;
    std::vector<LessonError> errs;
    ASSERT_TRUE(parse_lesson(kGood, "good.lesson", l, errs)) << errs.front().str();
    EXPECT_EQ(l.title, "Demand paging");
    ASSERT_EQ(l.needs.size(), 2u);
    EXPECT_EQ(l.needs[0], Need::Root);
    EXPECT_EQ(l.intro, "First line of the intro continues here.\n\nSecond paragraph.");
    ASSERT_EQ(l.steps.size(), 2u);
    const Step& s = l.steps[0];
    EXPECT_EQ(s.line, 10);
    EXPECT_EQ(s.title, "Map");
    EXPECT_EQ(s.narration, "Narration line one and two.\n- an item");
    EXPECT_EQ(s.code_line, 14);
    ASSERT_EQ(s.program.stmts.size(), 2u);
    EXPECT_EQ(s.program.stmts[1].pos.line, 15); // real file lines
    EXPECT_EQ(s.panels, (std::vector<std::string>{"pages", "frames"}));
    ASSERT_TRUE(s.select && s.select->len);
    EXPECT_EQ(s.select->addr.src, "p");
    EXPECT_EQ(s.select->len->src, "4 * PAGE_SIZE");
    ASSERT_TRUE(s.ask);
    ASSERT_EQ(s.ask->choices.size(), 3u);
    EXPECT_TRUE(s.ask->choices[1].is_range);
    EXPECT_TRUE(s.ask->choices[1].matches(Val::of_int(2)));
    EXPECT_FALSE(s.ask->choices[1].matches(Val::of_int(4)));
    EXPECT_TRUE(s.ask->choices[2].matches(Val::of_int(4)));
    EXPECT_EQ(s.ask->answer.line, 22);
    EXPECT_EQ(s.ask->explain, "Written pages are present.");
    ASSERT_EQ(s.measures.size(), 1u);
    EXPECT_EQ(s.measures[0].name, "faults");
    ASSERT_EQ(s.expects.size(), 1u);
    EXPECT_EQ(s.expects[0].line, 25);
    const Step& f = l.steps[1];
    EXPECT_EQ(f.program.stmts[1].target, "child");
    EXPECT_TRUE(f.ask->choices[0].matches(Val::of_bool(true)));
    EXPECT_TRUE(f.ask->choices[1].matches(Val::of_bool(false)));
}

TEST(LessonParse, MissingTitleAndSteps) {
    auto errs = errors_of("# nothing\n");
    ASSERT_EQ(errs.size(), 2u);
    EXPECT_EQ(errs[0].str(), "x.lesson:1: the lesson has no 'title:' line");
    EXPECT_EQ(errs[1].str(), "x.lesson:1: the lesson has no 'step:'");
}

TEST(LessonParse, LayoutErrors) {
    EXPECT_EQ(first_error(kHead + "frobnicate: 1\n"),
              "x.lesson:3: unknown keyword 'frobnicate' (title, needs, intro, step, do, show, "
              "select, expect, measure, ask, choice, answer, explain)");
    EXPECT_EQ(first_error("# c\n  stray\ntitle: T\nstep: S\n"),
              "x.lesson:2: indented line outside a block: only intro, step, do, ask and explain "
              "continue on indented lines");
    EXPECT_NE(first_error(kHead + "no colon here\n").find("x.lesson:3: expected 'keyword: value'"),
              std::string::npos);
    EXPECT_EQ(first_error("title: T\nexpect: 1 == 1\nstep: S\n"),
              "x.lesson:2: 'expect:' must come inside a step (after 'step: Title')");
    EXPECT_EQ(first_error(kHead + "choice 1: one\n"),
              "x.lesson:3: 'choice:' must come after 'ask:' in a step");
    EXPECT_EQ(first_error(kHead + "title: again\n"),
              "x.lesson:3: 'title:' must come once, before the first step");
    EXPECT_EQ(first_error(kHead + "expect: 1 == 1\n    more\n"),
              "x.lesson:4: 'expect:' is one line; indented lines continue only intro, step, do, "
              "ask and explain");
    EXPECT_EQ(first_error("title: T\nneeds: gpu\nstep: S\n"),
              "x.lesson:2: unknown need 'gpu' (expected root or thp)");
    EXPECT_EQ(first_error(kHead + "show: pages, cake\n"),
              "x.lesson:3: unknown panel 'cake' (panels: pages, frames, mappings, proc, "
              "contents, counters, address-space, events)");
    EXPECT_EQ(first_error("title: T\nstep:\n"),
              "x.lesson:2: a step needs a title: 'step: Map four pages'");
}

TEST(LessonParse, ExpressionErrorsCarryColumns) {
    EXPECT_EQ(first_error(kHead + "expect: present(1 +)\n"), "x.lesson:3:20: unexpected ')'");
    EXPECT_EQ(first_error(kHead + "expect: frob(1)\n"),
              "x.lesson:3: in 'frob(1)': unknown function 'frob'");
    EXPECT_NE(first_error(kHead + "expect: present()\n")
                  .find("x.lesson:3: in 'present()': present() takes 1 to 2 arguments"),
              std::string::npos);
    EXPECT_NE(
        first_error(kHead + "expect: q == 1\n").find("x.lesson:3: in 'q == 1': unknown name 'q'"),
        std::string::npos);
    EXPECT_EQ(first_error(kHead + "expect: \"open\n"), "x.lesson:3:9: unterminated string");
    EXPECT_EQ(first_error(kHead + "select: 1, 2, 3\n"),
              "x.lesson:3: select: takes an address and an optional length: 'select: p, 4 * "
              "PAGE_SIZE'");
}

TEST(LessonParse, StatementErrorsAtTheirLine) {
    auto e = first_error(kHead + "do:\n    int fd = open(\"a\", O_RDONLY);\n    mmap(;\n");
    EXPECT_EQ(e.rfind("x.lesson:5:", 0), 0u) << e;
    e = first_error(kHead + "do: write_pages(nowhere, 4096);\n");
    EXPECT_EQ(e.rfind("x.lesson:3:", 0), 0u) << e;
    EXPECT_NE(e.find("nowhere"), std::string::npos) << e;
}

TEST(LessonParse, QuestionErrors) {
    EXPECT_EQ(first_error(kHead + "ask: Q?\nchoice 1: one\nanswer: 1\n"),
              "x.lesson:3: a question needs at least two 'choice' lines");
    EXPECT_EQ(first_error(kHead + "ask: Q?\nchoice 1: one\nchoice 2: two\n"),
              "x.lesson:3: a question needs an 'answer:' expression computed from the kernel");
    EXPECT_EQ(first_error(kHead + "ask: Q?\nchoice 1: one\nchoice 1: uno\nanswer: 1\n"),
              "x.lesson:5: this choice has the same value as the one on line 4");
    EXPECT_EQ(first_error(kHead + "ask: Q?\nchoice 5..2: bad\nchoice 1: one\nanswer: 1\n"),
              "x.lesson:4: bad range '5..2': write 'choice 1..3: label'");
    EXPECT_NE(first_error(kHead + "ask: Q?\nchoice foo: x\n").find("a choice value is a number"),
              std::string::npos);
    EXPECT_EQ(first_error(kHead + "ask: Q?\nchoice 1:\n"),
              "x.lesson:4: a choice needs a label: 'choice 4: all four pages'");
    EXPECT_EQ(first_error(kHead + "ask: A?\nchoice 1: a\nchoice 2: b\nanswer: 1\nask: B?\n"),
              "x.lesson:7: a step has one question");
}

TEST(LessonExpr, ParsePrintAndPrecedence) {
    XExpr e;
    std::string err;
    ASSERT_TRUE(parse_expr("a+b*2==7&&!c||f(x, \"s\\n\")", e, err)) << err;
    EXPECT_EQ(print_expr(e), "a + b * 2 == 7 && !c || f(x, \"s\\n\")");
    ASSERT_TRUE(parse_expr("(a + b) * 2", e, err));
    EXPECT_EQ(print_expr(e), "(a + b) * 2");
    ASSERT_TRUE(parse_expr("'A' == 0x41", e, err));
    EXPECT_EQ(e.kids[1].i, 0x41);
    ASSERT_TRUE(parse_expr("\"\\x01\\2\"", e, err));
    EXPECT_EQ(e.s, std::string("\x01\x02"));
    EXPECT_FALSE(parse_expr("a $ b", e, err));
    EXPECT_EQ(err, "col 3: unexpected character '$'");
    EXPECT_FALSE(parse_expr("f(1", e, err));
    EXPECT_EQ(err, "col 4: expected ',' or ')' in the arguments");
}

TEST(LessonExpr, NamesAndConstants) {
    XExpr e;
    std::string err;
    ASSERT_TRUE(parse_expr("signal() == SIGSEGV && errno() != EINVAL && x > PAGE_SIZE", e, err));
    EXPECT_EQ(check_expr(e, {"x"}), "");
    EXPECT_NE(check_expr(e, {}).find("unknown name 'x'"), std::string::npos);
    int64_t v = 0;
    EXPECT_TRUE(find_const("SEGV_ACCERR", v));
    EXPECT_TRUE(find_const("PAGE_SIZE", v));
    EXPECT_GT(v, 0);
    EXPECT_FALSE(find_const("NOPE", v));
}

TEST(LessonCatalog, FindByNameOrNumber) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("mml_lessons_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "06-fork-cow.lesson") << "title: T\nstep: S\n";
    std::ofstream(dir / "10-pitfalls.lesson") << "title: P\nstep: S\n";
    std::string d = dir.string();
    EXPECT_EQ(lesson_files(d).size(), 2u);
    EXPECT_EQ(find_lesson(d, "6"), (dir / "06-fork-cow.lesson").string());
    EXPECT_EQ(find_lesson(d, "06"), (dir / "06-fork-cow.lesson").string());
    EXPECT_EQ(find_lesson(d, "fork-cow"), (dir / "06-fork-cow.lesson").string());
    EXPECT_EQ(find_lesson(d, "10-pitfalls"), (dir / "10-pitfalls.lesson").string());
    EXPECT_EQ(find_lesson(d, "nope"), "");
    Lesson l;
    std::vector<LessonError> errs;
    EXPECT_TRUE(load_lesson((dir / "10-pitfalls.lesson").string(), l, errs));
    EXPECT_EQ(l.name, "10-pitfalls");
    EXPECT_FALSE(load_lesson((dir / "missing.lesson").string(), l, errs));
    fs::remove_all(dir);
}

TEST(LessonCatalog, BuiltInLessonsParse) {
    auto files = lesson_files(std::string(MMAPLAB_SOURCE_DIR) + "/lessons");
    EXPECT_GE(files.size(), 15u);
    for (const auto& f : files) {
        Lesson l;
        std::vector<LessonError> errs;
        EXPECT_TRUE(load_lesson(f, l, errs)) << (errs.empty() ? f : errs.front().str());
    }
}
