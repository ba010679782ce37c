// The page grid renderer: queues one shader draw per grid into an ImGui draw list through
// ImDrawList::AddCallback (no FBO), then restores ImGui's GL state. Pages, legend and the
// frames view all draw their cells with it, so a cell looks the same everywhere.
#pragma once

#include "render/damage.hpp"
#include "render/gl.hpp"

#include <imgui.h>

#include <array>
#include <cstdint>
#include <string>

namespace mml::render {

// Colours the grid shader uses, as RGBA floats (state fills indexed by PageState).
struct GridStyle {
    std::array<ImVec4, 8> fill{};
    ImVec4 ink{0, 0, 0, 1}; // pattern ink
    ImVec4 edge{0.5f, 0.5f, 0.5f, 1};
    ImVec4 changed{1, 0.8f, 0, 1};
    ImVec4 select{0.3f, 0.6f, 1, 1};
};

// Where one grid goes, in ImGui pixels.
struct GridDraw {
    ImVec2 rect_min, rect_max; // the quad (further clipped by the draw list's clip rect)
    ImVec2 origin;             // top-left corner of cell 0
    ImVec2 cell{8, 8};         // cell pitch
    float inset = 0;           // extra margin inside each cell (a smaller box at the same pitch)
    int cols = 1;
    uint32_t count = 0; // cells (clamped to the texture)
    int64_t sel_first = -1, sel_last = -1;
    int64_t hover = -1;
};

class GridRenderer {
public:
    GridRenderer() = default;
    ~GridRenderer();
    GridRenderer(const GridRenderer&) = delete;
    GridRenderer& operator=(const GridRenderer&) = delete;
    // Builds the program on first use; false (see error()) when GL or the shaders failed.
    bool ready();
    const std::string& error() const { return error_; }
    // Queues one grid of `tex` into `dl`. At most kMaxItems grids per renderer per frame.
    void add(ImDrawList* dl, const StateTexture& tex, const GridDraw& d, const GridStyle& s);
    static constexpr int kMaxItems = 24;
    // The draw callback add() queues, and a hash of what one of its commands draws (for the
    // frame canvas: the grid's pixels are not in the draw list's vertices).
    static void callback(const ImDrawList* list, const ImDrawCmd* cmd);
    // The hovered cell is the focus: moving the mouse redraws two cells, not the grid.
    static CallbackSignature signature(const ImDrawCmd& cmd, ImVec2 origin);

private:
    struct Item {
        GridRenderer* self = nullptr;
        GLuint tex = 0;
        uint64_t tex_version = 0, tex_since = 0;
        bool runs_known = false;
        std::vector<StateTexture::Run> runs; // texels changed since tex_since
        int texw = 0;
        GridDraw d;
        GridStyle s;
    };
    void render(const Item& it, const ImDrawCmd* cmd);
    void fetch_locations();

    Program prog_;
    GLuint vao_ = 0;
    bool tried_ = false;
    std::string error_;
    std::array<Item, kMaxItems> items_{};
    int used_ = 0;
    int frame_ = -1;
    struct Loc {
        GLint proj, rect, states, texw, count, cols, origin, cell, inset, colors, ink, edge,
            changed, select, sel, hover;
    } loc_{};
};

// ImU32 (ImGui packed colour) to RGBA floats.
ImVec4 to_vec4(ImU32 c);

} // namespace mml::render
