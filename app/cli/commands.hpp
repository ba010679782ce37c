// The command-line commands, each in its own file: inspect and run.
#pragma once

#include <string>

namespace mml::cli {

struct InspectArgs {
    int pid = 0;
    bool json = false;
    bool pages = false;
};
int cmd_inspect(const InspectArgs& a);

struct RunArgs {
    std::string script;
    bool json = false;
    bool pages = false;
    bool allow_outside_writes = false; // --allow-writes-outside-lab
};
int cmd_run(const RunArgs& a);

} // namespace mml::cli
