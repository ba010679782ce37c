// Counters: RSS/PSS/USS, RssAnon/RssFile/RssShmem and minor/major faults of the selected
// process (changes since the last action highlighted), with small history graphs.
#pragma once

#include "app_state.hpp"

#include <vector>

namespace mml::app {

struct CountersPanel {
    void draw(Context& ctx);

private:
    void graphs(Context& ctx, int pid);
    std::vector<float> rss_, minflt_; // per-frame scratch for the plots (reused buffers)
};

} // namespace mml::app
