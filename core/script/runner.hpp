// `mmaplab run SCRIPT`: parse and check a whole script first, then run it statement by
// statement, printing "[pid name] statement  result" lines. No JSON here (the caller adds it).
#pragma once

#include "script.hpp"

#include <ostream>
#include <string>
#include <string_view>

namespace mml::script {

// Runs `text` (named `file` in messages) with `interp`, starting its first lab process when it
// has none. Returns 0 when every statement ran (errno results, caught faults and deaths are
// results), 2 on a parse or check error ("file:line:col: message" on `err`, nothing run), 1
// when a statement could not run (no process, the process is gone, a lab error).
int run_script_text(std::string_view text, const std::string& file, Interpreter& interp,
                    std::ostream& out, std::ostream& err);
// The same for a file; 2 when it cannot be read.
int run_script_file(const std::string& path, Interpreter& interp, std::ostream& out,
                    std::ostream& err);

} // namespace mml::script
