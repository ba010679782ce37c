// Address space: every mapping of the selected process in address order as blocks whose width
// grows with the logarithm of their size (small ones stay visible), huge unmapped gaps shown as
// labelled breaks; coloured by kind, permission badges, smaps details on hover, click selects.
#pragma once

#include "app_state.hpp"

#include <imgui.h>

#include <cstdint>

namespace mml::app {

struct AddressSpacePanel {
    void draw(Context& ctx);

    uint64_t scrolled_to = 0; // mapping last scrolled into view

private:
    void draw_legend(bool light);
    float block_width(uint64_t bytes) const;
    void draw_block(Context& ctx, const Mapping& m, ImVec2 a, ImVec2 b, bool changed, bool light);
    void draw_gap(uint64_t bytes, ImVec2 a, ImVec2 b, bool light);
    void tooltip(const Mapping& m) const;
};

} // namespace mml::app
