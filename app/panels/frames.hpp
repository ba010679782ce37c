// Frames: the copy-on-write picture. Processes side by side as columns of virtual pages of the
// same mapping, the physical frames in the middle, a curve from every page to its frame; what
// the last action changed (a new frame, a line that moved) is highlighted.
#pragma once

#include "app_state.hpp"
#include "panels/frames_model.hpp"
#include "panels/view_util.hpp"
#include "render/grid.hpp"
#include "render/mesh_cache.hpp"

#include <imgui.h>

#include <cstdint>
#include <vector>

namespace mml::app {

struct FramesPanel {
    void draw(Context& ctx);

    render::GridRenderer grid;
    render::StateTexture tex; // texels: each column's rows, then the frames
    PageLegend legend;
    FramesModel model;
    bool order_by_pfn = false; // false: frames in order of first use (parallel lines)
    uint64_t first = 0;        // first page of the window
    // What the model was built from.
    std::vector<uint64_t> built_src; // source_versions()
    uint64_t built_zero = 0, built_before = UINT64_MAX, built_base = 0, built_first = UINT64_MAX;
    int built_rows = 0, built_pid = 0;
    bool built_order = true;
    std::vector<int> built_pids;
    uint64_t view_base = 0;
    int64_t seen_sel = -2;
    float body_h = 0;        // height of the picture last frame
    ImFont* font_ = nullptr; // this frame's UI and mono fonts
    ImFont* mono_ = nullptr;
    render::MeshCache links_; // the curves, tessellated once per change
    ZeroPfn zero;

private:
    struct Geom {
        float top = 0, row_h = 0, cell = 0, frame_h = 0, frame_top = 0;
        float label_x = 0, label_w = 0;
        float frame_x0 = 0, frame_x1 = 0;
        std::vector<float> col_x; // left edge of each column's cells (model.cols order)
        std::vector<bool> left;   // the column is left of the frames
        int label_style = 0;      // 0: longest row labels ... 3: shortest
    };
    void rebuild(const Context& ctx, const std::vector<int>& pids, uint64_t base, int rows);
    void upload();
    void draw_header(Context& ctx, const Process& p, const Mapping& m, int rows);
    void legend_counts(uint64_t counts[8], uint64_t& moved) const;
    Geom layout(ImVec2 a, ImVec2 b) const;
    struct Title {
        float x = 0, w = 0, name_w = 0;
        float anchor = 0; // the column's centre
        int row = 0;
        bool leader = false;
        char pid[24] = {};
    };
    std::vector<Title> place_titles(const Geom& g, float x_min, float x_max) const;
    static int title_rows(const std::vector<Title>& titles);
    void draw_titles(const Geom& g, const std::vector<Title>& titles, float y, float body_y,
                     bool light) const;
    void draw_links(const Geom& g, bool light);
    void draw_cells(Context& ctx, const Geom& g, bool light);
    void draw_frame_boxes(Context& ctx, const Geom& g, bool light);
    void draw_row_labels(const Geom& g, bool light) const;
    void hover_details(Context& ctx, const Geom& g);
    float frame_y(const Geom& g, int f) const;
    float row_y(const Geom& g, int r) const;
};

} // namespace mml::app
