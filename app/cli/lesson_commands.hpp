// The lesson commands of the command line: `mmaplab lesson list` and `mmaplab lesson check`.
#pragma once

#include <string>

namespace mml::cli {

// Prints one built-in lesson a line: its name, then its title. Returns the exit code.
int cmd_lesson_list();
// Runs one lesson (a name, a number or a .lesson path) or "all" headlessly on the real kernel,
// printing every step and check. Exit code 0 when nothing failed (skips are fine), 1 when an
// expectation failed, 2 when a lesson file has errors or cannot be found.
int cmd_lesson_check(const std::string& name_or_all);

} // namespace mml::cli
