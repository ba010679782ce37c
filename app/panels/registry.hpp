// The list of panels: each is a struct with `void draw(Context&)` drawn inside a window the
// App opens (title, initial place, View-menu toggle and saved open state come from here).
#pragma once

#include "app_state.hpp"

#include <imgui.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mml::app {

// Initial place of a panel as fractions of the work area (between menu bar and status line).
struct Slot {
    float x = 0, y = 0, w = 0.3f, h = 0.3f;
};

struct Panel {
    std::string name;  // stable key for prefs and tests ("pages")
    std::string title; // window title ("Pages")
    Slot slot;
    ImGuiWindowFlags flags = 0;
    bool open = true;
    std::function<void(Context&)> draw;
};

template <class T>
Panel make_panel(std::string name, std::string title, Slot slot, ImGuiWindowFlags flags = 0) {
    auto p = std::make_shared<T>();
    return Panel{
        std::move(name), std::move(title), slot, flags, true, [p](Context& c) { p->draw(c); }};
}

// Every panel of the app, in View-menu order (registry.cpp: one line per panel).
std::vector<Panel> all_panels();

} // namespace mml::app
