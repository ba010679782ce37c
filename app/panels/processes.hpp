// Processes: the lab process tree (fork parent and children), each alive, exited or killed by
// a signal, with New process, Fork and Kill; clicking a process selects it for every panel.
#pragma once

#include "app_state.hpp"

#include <string>

namespace mml::app {

struct ProcessesPanel {
    void draw(Context& ctx);

private:
    void toolbar(Context& ctx);
    void row(Context& ctx, const Process& p, int depth);
    std::string name_for_pid(const Context& ctx, int pid) const;
};

} // namespace mml::app
