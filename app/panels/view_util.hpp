// Small helpers shared by the Pages, Frames, Address space and Contents panels: finding the
// selected process and mapping, sizes and addresses in words, and the page-state legend.
#pragma once

#include "app_state.hpp"
#include "page_state.hpp"
#include "render/grid.hpp"

#include <imgui.h>

#include <cstdint>
#include <string>

namespace mml::app {

// "4 KiB", "1.0 GiB", "127.9 TiB".
std::string human_size(uint64_t bytes);
// "0x7f3a1c003000"
std::string hex_addr(uint64_t a);
// "[anon]", the file name, or the kernel's name ([heap]).
std::string mapping_label(const Mapping& m);

struct Target {
    const Process* proc = nullptr;
    const Mapping* map = nullptr;
};
// The selected process and mapping. When no mapping is selected and the last action created
// one in the selected process, selects it (so a fresh mmap is on screen at once).
Target selected_target(Context& ctx);

// Adds a named rectangle for tests (--layout-json) when they asked for it.
void report_rect(Context& ctx, const std::string& name, ImVec2 a, ImVec2 b);

// The page-grid colours for the theme (fills from the palette; ink, edge and accents).
render::GridStyle grid_style(bool light);

// The legend of page states: a swatch drawn by the grid shader (same colour and pattern as
// the cells), its name, its count; hover explains it. Wraps to `width`.
class PageLegend {
public:
    // `compact`: only the states that occur (and "changed" when something did).
    void draw(render::GridRenderer& r, const render::GridStyle& s, const uint64_t counts[8],
              uint64_t changed, float width, bool compact = false);
    // Exactly the height draw() will take with the same arguments.
    float height(const uint64_t counts[8], uint64_t changed, float width,
                 bool compact = false) const;

private:
    template <typename Visit>
    static float place(const uint64_t counts[8], uint64_t changed, float width, bool compact,
                       Visit&& visit);
    render::StateTexture tex_;
    bool uploaded_ = false;
};

} // namespace mml::app
