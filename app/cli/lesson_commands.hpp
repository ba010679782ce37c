// The lesson commands of the command line: `mmaplab lesson list`, `mmaplab lesson check` and
// `mmaplab export`.
#pragma once

#include "cli/cli.hpp"

#include <optional>
#include <string>

namespace mml::cli {

// Prints one built-in lesson a line: its name, then its title. Returns the exit code.
int cmd_lesson_list();
// Runs one lesson (a name, a number or a .lesson path) or "all" headlessly on the real kernel,
// printing every step and check. Exit code 0 when nothing failed (skips are fine), 1 when an
// expectation failed, 2 when a lesson file has errors or cannot be found.
int cmd_lesson_check(const std::string& name_or_all);

struct ExportArgs {
    std::string lesson, out;
    std::string theme = "light";
    float scale = 1.5f;
    std::string size = "1920x1080";
    bool questions = false;
};
// Validates, then either fills `gui` so the window renders the export here (a display is
// available: nullopt), or runs `argv` again inside a private Xvfb and returns its exit code.
std::optional<int> cmd_export(const ExportArgs& a, GuiOptions& gui, char** argv);

} // namespace mml::cli
