// /proc: the literal text of /proc/PID/maps with the selected mapping's line highlighted, and
// that mapping's smaps block, so students tie the pictures to the real files.
#pragma once

#include "app_state.hpp"

namespace mml::app {

struct ProcTextPanel {
    void draw(Context& ctx);

private:
    void maps_text(Context& ctx, const Process& p, float height);
    uint64_t scrolled_to_ = 0; // the selection the maps view last scrolled to
};

} // namespace mml::app
