// GridRenderer: one quad per grid drawn by shaders/page_grid.*.glsl inside an ImGui draw
// callback; scissor from the command's clip rect; ImGui's own state reset afterwards.
#include "render/grid.hpp"

#include <xxhash.h>

#include <cmath>

namespace mml::render {

ImVec4 to_vec4(ImU32 c) {
    return ImGui::ColorConvertU32ToFloat4(c);
}

GridRenderer::~GridRenderer() {
    if (vao_) glDeleteVertexArrays(1, &vao_);
}

bool GridRenderer::ready() {
    if (prog_.id()) return true;
    if (tried_) return false;
    tried_ = true;
    if (!prog_.build("page_grid.vert.glsl", "page_grid.frag.glsl")) {
        error_ = "page grid shader: " + prog_.log();
        return false;
    }
    glGenVertexArrays(1, &vao_);
    fetch_locations();
    return true;
}

void GridRenderer::fetch_locations() {
    loc_.proj = prog_.uniform("u_proj");
    loc_.rect = prog_.uniform("u_rect");
    loc_.states = prog_.uniform("u_states");
    loc_.texw = prog_.uniform("u_texw");
    loc_.count = prog_.uniform("u_count");
    loc_.cols = prog_.uniform("u_cols");
    loc_.origin = prog_.uniform("u_origin");
    loc_.cell = prog_.uniform("u_cell");
    loc_.inset = prog_.uniform("u_inset");
    loc_.colors = prog_.uniform("u_colors");
    loc_.ink = prog_.uniform("u_ink");
    loc_.edge = prog_.uniform("u_edge");
    loc_.changed = prog_.uniform("u_changed");
    loc_.select = prog_.uniform("u_select");
    loc_.sel = prog_.uniform("u_sel");
    loc_.hover = prog_.uniform("u_hover");
}

void GridRenderer::add(ImDrawList* dl, const StateTexture& tex, const GridDraw& d,
                       const GridStyle& s) {
    if (!ready() || tex.id() == 0 || d.count == 0) return;
    if (frame_ != ImGui::GetFrameCount()) {
        frame_ = ImGui::GetFrameCount();
        used_ = 0;
    }
    if (used_ >= kMaxItems) return;
    Item& it = items_[static_cast<size_t>(used_++)];
    it.self = this;
    it.tex = tex.id();
    it.tex_version = tex.version();
    it.tex_since = tex.since();
    it.runs_known = tex.runs_known();
    it.runs = tex.runs();
    it.texw = tex.width();
    it.d = d;
    it.d.count = std::min(d.count, tex.count());
    it.s = s;
    dl->AddCallback(&GridRenderer::callback, &it);
    dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

void GridRenderer::callback(const ImDrawList*, const ImDrawCmd* cmd) {
    const Item* it = static_cast<const Item*>(cmd->UserCallbackData);
    if (it && it->self) it->self->render(*it, cmd);
}

namespace {

// Pixels of cells [first, last] of grid `d` relative to `origin` (with a pixel of margin for
// anti-aliasing): the part of the first row, the whole rows between, the part of the last.
void cell_rects(const GridDraw& d, ImVec2 origin, uint32_t first, uint32_t last,
                std::vector<PixelRect>& out) {
    const auto rect = [&](uint32_t c0, uint32_t c1, uint32_t r0, uint32_t r1) { // inclusive
        const float x0 = d.origin.x + static_cast<float>(c0) * d.cell.x - origin.x;
        const float y0 = d.origin.y + static_cast<float>(r0) * d.cell.y - origin.y;
        const float x1 = d.origin.x + static_cast<float>(c1 + 1) * d.cell.x - origin.x;
        const float y1 = d.origin.y + static_cast<float>(r1 + 1) * d.cell.y - origin.y;
        out.push_back({static_cast<int>(std::floor(x0)) - 1, static_cast<int>(std::floor(y0)) - 1,
                       static_cast<int>(std::ceil(x1)) + 1, static_cast<int>(std::ceil(y1)) + 1});
    };
    const uint32_t cols = static_cast<uint32_t>(d.cols);
    const uint32_t r0 = first / cols, r1 = last / cols;
    if (r0 == r1) return rect(first % cols, last % cols, r0, r0);
    rect(first % cols, cols - 1, r0, r0);
    if (r1 > r0 + 1) rect(0, cols - 1, r0 + 1, r1 - 1);
    rect(0, last % cols, r1, r1);
}

} // namespace

CallbackSignature GridRenderer::signature(const ImDrawCmd& cmd, ImVec2 origin) {
    CallbackSignature out;
    const Item* it = static_cast<const Item*>(cmd.UserCallbackData);
    if (!it) return out;
    const GridDraw& d = it->d;
    // Field by field (the structs have padding); the style is ImVec4s only; not the hover;
    // the texture's contents only through its version.
    const float geo[9] = {d.rect_min.x, d.rect_min.y, d.rect_max.x, d.rect_max.y, d.origin.x,
                          d.origin.y,   d.cell.x,     d.cell.y,     d.inset};
    const int64_t ints[6] = {it->tex, it->texw, d.cols, d.count, d.sel_first, d.sel_last};
    uint64_t h = XXH3_64bits(geo, sizeof geo);
    h = XXH3_64bits_withSeed(ints, sizeof ints, h);
    out.shape = XXH3_64bits_withSeed(&it->s, sizeof it->s, h);
    out.version = it->tex_version;
    out.hash = XXH3_64bits_withSeed(&it->tex_version, sizeof it->tex_version, out.shape);
    out.cells_since = it->tex_since;
    out.cells_known = it->runs_known && d.cols > 0;
    if (out.cells_known)
        for (const auto& [first, last] : it->runs)
            if (first < d.count)
                cell_rects(d, origin, first, std::min(last, d.count - 1), out.cells);
    out.focus_hash = static_cast<uint64_t>(d.hover);
    if (d.hover >= 0 && d.cols > 0) { // the hovered cell and its ring's anti-aliasing
        const float x = d.origin.x + static_cast<float>(d.hover % d.cols) * d.cell.x - origin.x;
        const float y = d.origin.y + static_cast<float>(d.hover / d.cols) * d.cell.y - origin.y;
        out.focus = {static_cast<int>(std::floor(x)) - 2, static_cast<int>(std::floor(y)) - 2,
                     static_cast<int>(std::ceil(x + d.cell.x)) + 2,
                     static_cast<int>(std::ceil(y + d.cell.y)) + 2};
    }
    return out;
}

namespace {

int clamp_index(int64_t v) {
    if (v < -1) return -1;
    return v > INT32_MAX ? INT32_MAX : static_cast<int>(v);
}

} // namespace

void GridRenderer::render(const Item& it, const ImDrawCmd* cmd) {
    const ImDrawData* dd = ImGui::GetDrawData();
    if (!dd) return;
    GLint vp[4] = {0, 0, 0, 0};
    glGetIntegerv(GL_VIEWPORT, vp);
    const ImVec2 pos = dd->DisplayPos, scale = dd->FramebufferScale;
    const ImVec4 clip = cmd->ClipRect;
    const float x0 = (clip.x - pos.x) * scale.x, y0 = (clip.y - pos.y) * scale.y;
    const float x1 = (clip.z - pos.x) * scale.x, y1 = (clip.w - pos.y) * scale.y;
    if (x1 <= x0 || y1 <= y0) return;
    glEnable(GL_SCISSOR_TEST);
    glScissor(static_cast<GLint>(x0), static_cast<GLint>(static_cast<float>(vp[3]) - y1),
              static_cast<GLsizei>(x1 - x0), static_cast<GLsizei>(y1 - y0));

    const float L = pos.x, R = pos.x + dd->DisplaySize.x;
    const float T = pos.y, B = pos.y + dd->DisplaySize.y;
    const float proj[16] = {
        2.0f / (R - L),    0, 0, 0, 0, 2.0f / (T - B), 0, 0, 0, 0, -1, 0, (R + L) / (L - R),
        (T + B) / (B - T), 0, 1};
    glUseProgram(prog_.id());
    glUniformMatrix4fv(loc_.proj, 1, GL_FALSE, proj);
    const GridDraw& d = it.d;
    glUniform4f(loc_.rect, d.rect_min.x, d.rect_min.y, d.rect_max.x, d.rect_max.y);
    glUniform1i(loc_.states, 0);
    glUniform1i(loc_.texw, it.texw);
    glUniform1i(loc_.count, static_cast<GLint>(d.count));
    glUniform1i(loc_.cols, d.cols);
    glUniform2f(loc_.origin, d.origin.x, d.origin.y);
    glUniform2f(loc_.cell, d.cell.x, d.cell.y);
    glUniform1f(loc_.inset, d.inset);
    glUniform4fv(loc_.colors, 8, &it.s.fill[0].x);
    glUniform4fv(loc_.ink, 1, &it.s.ink.x);
    glUniform4fv(loc_.edge, 1, &it.s.edge.x);
    glUniform4fv(loc_.changed, 1, &it.s.changed.x);
    glUniform4fv(loc_.select, 1, &it.s.select.x);
    glUniform2i(loc_.sel, clamp_index(d.sel_first), clamp_index(d.sel_last));
    glUniform1i(loc_.hover, clamp_index(d.hover));
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, it.tex);
    glBindVertexArray(vao_);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

} // namespace mml::render
