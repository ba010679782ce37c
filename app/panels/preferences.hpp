// Preferences: the Lab's limits (processes, RAM share, mappings, file sizes) and, after an
// explicit confirmation, writes to files outside the private lab directory.
#pragma once

#include "app_state.hpp"

namespace mml::app {

struct PreferencesPanel {
    bool confirm_open = false; // the outside-writes confirmation is being shown
    void draw(Context& ctx);

private:
    void draw_limits(LabLimits& l);
    void draw_outside_writes(Prefs& p);
};

} // namespace mml::app
