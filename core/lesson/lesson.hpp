// A lesson: title, introduction and steps (narration, statements, a prediction, expectations),
// parsed from the plain-text .lesson format with file:line errors. See lessons/README.md.
#pragma once

#include "lesson/expr.hpp"
#include "script/script.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mml::lesson {

// One expression of the lesson text with where it was written.
struct Check {
    int line = 0;
    std::string src; // as written
    XExpr expr;
};

// A multiple-choice answer. Its value is matched against the computed answer: an exact value
// (4, true, "rw-p") or an inclusive integer range (1..3); no value: the label itself.
struct Choice {
    int line = 0;
    bool is_range = false;
    Val value;
    int64_t lo = 0, hi = 0;
    std::string label;
    bool matches(const Val& v) const;
};

struct Question {
    int line = 0;
    std::string text;
    std::vector<Choice> choices;
    Check answer;        // computed from the kernel's state after the step's statements
    std::string explain; // shown with the kernel's answer
};

// A value measured and shown, never failing; with a name it can be used by later expressions.
struct Measure {
    int line = 0;
    std::string name; // may be empty
    Check expr;
};

struct Selection {
    int line = 0;
    Check addr;
    std::optional<Check> len; // no length: the whole mapping holding addr
};

struct Step {
    int line = 0;
    std::string title;
    std::string narration;
    std::string code;  // the statements as written (the do: block, dedented)
    int code_line = 0; // line of the first do:
    script::Program program;
    std::vector<std::string> panels; // pages, frames, mappings, proc, contents, counters,
                                     // address-space, events
    std::optional<Selection> select;
    std::optional<Question> ask;
    std::vector<Check> expects;
    std::vector<Measure> measures;
};

// What a lesson needs from the machine; the lesson is skipped with a reason without it.
enum class Need { Root, Thp };

struct Lesson {
    std::string file; // path it was read from ("" for text)
    std::string name; // file stem: "06-fork-cow"
    std::string title;
    std::string intro;
    std::vector<Need> needs;
    std::vector<Step> steps;
};

struct LessonError {
    std::string file;
    int line = 0;
    int col = 0; // 0: the whole line
    std::string message;
    std::string str() const; // "file:line: message" or "file:line:col: message"
};

// The panel names a step may ask for.
const std::vector<std::string>& panel_names();

// Parses lesson text. Returns false when there are errors (all of them are reported, in order).
bool parse_lesson(std::string_view text, std::string_view file, Lesson& out,
                  std::vector<LessonError>& errors);
// Reads and parses a file; the lesson's name is the file stem.
bool load_lesson(const std::string& path, Lesson& out, std::vector<LessonError>& errors);

// Where the built-in lessons are: $MMAPLAB_LESSONS, else lessons/ next to or above the
// running executable (../lessons, ../../lessons, ...). Empty when none is found.
std::string lessons_dir();
// The .lesson files of a directory, sorted by name.
std::vector<std::string> lesson_files(const std::string& dir);
// Finds a lesson by name in dir: "06-fork-cow", "06", "6", "fork-cow" or a path to a file.
std::string find_lesson(const std::string& dir, const std::string& name);

} // namespace mml::lesson
