// Pages: the selected mapping as a grid, one cell per page, drawn by the page-grid shader in
// one draw call (a 1 GiB mapping is 262,144 cells); zoom, pan, hover details, range select.
#pragma once

#include "app_state.hpp"
#include "page_state.hpp"
#include "panels/view_util.hpp"
#include "render/grid.hpp"

#include <imgui.h>

#include <cstdint>

namespace mml::app {

struct PagesPanel {
    void draw(Context& ctx);

    render::GridRenderer grid;
    render::StateTexture tex;
    PageLegend legend;
    ClassifiedMapping cls;
    // cls also says what it and tex were built from.
    ZeroPfn zero;
    ZeroNeed zero_need;
    // The view (reset when another mapping is shown).
    uint64_t view_map = 0;
    int view_pid = 0;
    float zoom = 1.0f;
    ImVec2 pan{0, 0};
    bool selecting = false;
    int64_t anchor = -1, hover = -1;

private:
    struct Geom {
        ImVec2 area_min, area_max; // where cells may go
        ImVec2 origin;             // cell 0
        float cell = 8;
        int cols = 1;
        int64_t rows = 1;
    };
    void refresh(const Context& ctx, const Process& p, const Mapping& m);
    void draw_header(const Process& p, const Mapping& m);
    Geom layout(ImVec2 a, ImVec2 b, uint64_t n) const;
    void handle_input(Context& ctx, const Geom& g, uint64_t n);
    void draw_labels(Context& ctx, const Geom& g, const Mapping& m, uint64_t n, bool light);
    void draw_tooltip(const Context& ctx, const Process& p, const Mapping& m, int64_t idx);
};

} // namespace mml::app
