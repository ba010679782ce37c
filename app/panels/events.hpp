// Events: every statement with its result or errno, every signal (SIGSEGV SEGV_ACCERR at ...),
// and the fault counters it moved (minor +1), newest at the bottom.
#pragma once

#include "app_state.hpp"

#include <cstddef>

namespace mml::app {

struct EventsPanel {
    void draw(Context& ctx);

private:
    size_t seen_ = 0; // events already scrolled to
};

} // namespace mml::app
