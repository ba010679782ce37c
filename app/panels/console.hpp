// The console: type statements of the action language, run them in the selected process,
// see each result; Up/Down walk the history.
#pragma once

#include "app_state.hpp"

#include <string>
#include <vector>

struct ImGuiInputTextCallbackData;

namespace mml::app {

struct Console {
    void draw(Context& ctx, float height);

private:
    static int on_input(ImGuiInputTextCallbackData* data);
    void transcript(Context& ctx, float height);
    std::string line_;
    std::vector<std::string> history_;
    int history_pos_ = -1; // -1: editing a new line
    size_t seen_events_ = 0;
    bool refocus_ = false;
};

} // namespace mml::app
