// Merging a frame's draw lists into one (see merge.hpp).
#include "render/merge.hpp"

#include <algorithm>
#include <cstring>

namespace mml::render {

namespace {

void append_buffers(ImDrawList& out, const ImDrawList& in) {
    const int v = out.VtxBuffer.Size, i = out.IdxBuffer.Size;
    out.VtxBuffer.resize(v + in.VtxBuffer.Size);
    out.IdxBuffer.resize(i + in.IdxBuffer.Size);
    if (in.VtxBuffer.Size)
        std::memcpy(out.VtxBuffer.Data + v, in.VtxBuffer.Data,
                    static_cast<size_t>(in.VtxBuffer.Size) * sizeof(ImDrawVert));
    if (in.IdxBuffer.Size)
        std::memcpy(out.IdxBuffer.Data + i, in.IdxBuffer.Data,
                    static_cast<size_t>(in.IdxBuffer.Size) * sizeof(ImDrawIdx));
}

void append_vertices(ImDrawList& out, const ImDrawList& in) {
    const int v = out.VtxBuffer.Size;
    out.VtxBuffer.resize(v + in.VtxBuffer.Size);
    if (in.VtxBuffer.Size)
        std::memcpy(out.VtxBuffer.Data + v, in.VtxBuffer.Data,
                    static_cast<size_t>(in.VtxBuffer.Size) * sizeof(ImDrawVert));
}

// Appends to out.IdxBuffer the triangles of `c` whose bounding box comes within a pixel of
// `cut`; returns how many indices. A triangle that stays clear of it draws nothing there, and
// llvmpipe would still shade and bin it once per rectangle: a window's text for a number that
// ticked in one row.
unsigned append_reaching(ImDrawList& out, const ImDrawList& in, const ImDrawCmd& c,
                         const ImVec4& cut) {
    const ImDrawIdx* idx = in.IdxBuffer.Data + c.IdxOffset;
    const ImDrawVert* vtx = in.VtxBuffer.Data + c.VtxOffset;
    const size_t start = static_cast<size_t>(out.IdxBuffer.Size);
    for (unsigned t = 0; t + 2 < c.ElemCount; t += 3) {
        const ImVec2 &a = vtx[idx[t]].pos, &b = vtx[idx[t + 1]].pos, &d = vtx[idx[t + 2]].pos;
        if (std::max({a.x, b.x, d.x}) < cut.x - 1 || std::min({a.x, b.x, d.x}) > cut.z + 1 ||
            std::max({a.y, b.y, d.y}) < cut.y - 1 || std::min({a.y, b.y, d.y}) > cut.w + 1)
            continue;
        out.IdxBuffer.push_back(idx[t]);
        out.IdxBuffer.push_back(idx[t + 1]);
        out.IdxBuffer.push_back(idx[t + 2]);
    }
    return static_cast<unsigned>(static_cast<size_t>(out.IdxBuffer.Size) - start);
}

void push_cmd(ImDrawList& out, const ImDrawCmd& c, int vtx_base, int idx_base) {
    out.CmdBuffer.push_back(c);
    out.CmdBuffer.back().VtxOffset += static_cast<unsigned>(vtx_base);
    out.CmdBuffer.back().IdxOffset += static_cast<unsigned>(idx_base);
}

ImVec4 to_clip(const PixelRect& r, ImVec2 origin) {
    return {origin.x + static_cast<float>(r.x0), origin.y + static_cast<float>(r.y0),
            origin.x + static_cast<float>(r.x1), origin.y + static_cast<float>(r.y1)};
}

// The pixels a full draw scissors `clip` to: the GL 3 backend truncates the corner and the
// size separately (x = (int)min.x, w = (int)(max.x - min.x)), so a clip cut at a damage edge
// must be snapped the same way or a fractional edge moves by a pixel.
ImVec4 as_scissored(const ImVec4& clip, ImVec2 origin, float fb_h) {
    const int x0 = static_cast<int>(clip.x - origin.x);
    const int w = static_cast<int>(clip.z - clip.x);
    const int bottom = static_cast<int>(fb_h - (clip.w - origin.y)); // GL's y, upwards
    const int h = static_cast<int>(clip.w - clip.y);
    const float top = fb_h - static_cast<float>(bottom + h);
    return {origin.x + static_cast<float>(x0), origin.y + top,
            origin.x + static_cast<float>(x0 + w), origin.y + top + static_cast<float>(h)};
}

bool clip_meets(const ImVec4& a, const ImVec4& b, ImVec4& out) {
    out = {std::max(a.x, b.x), std::max(a.y, b.y), std::min(a.z, b.z), std::min(a.w, b.w)};
    return out.z > out.x && out.w > out.y;
}

} // namespace

DrawMerger::~DrawMerger() {
    if (list_) IM_DELETE(list_);
}

bool DrawMerger::supported() {
    return (ImGui::GetIO().BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset) != 0;
}

ImDrawList& DrawMerger::begin(const ImDrawData* dd) {
    if (!list_) {
        lists_[0] = list_ = IM_NEW(ImDrawList)(ImGui::GetDrawListSharedData());
        list_->_OwnerName = "merged";
    }
    ImDrawList& out = *list_;
    out.CmdBuffer.resize(0);
    out.IdxBuffer.resize(0);
    out.VtxBuffer.resize(0);
    out.VtxBuffer.reserve(dd->TotalVtxCount);
    out.IdxBuffer.reserve(dd->TotalIdxCount);
    return out;
}

void DrawMerger::finish(ImDrawData* dd) {
    dd->CmdLists = lists_;
    dd->CmdListsCount = 1;
    dd->TotalVtxCount = list_->VtxBuffer.Size;
    dd->TotalIdxCount = list_->IdxBuffer.Size;
}

void DrawMerger::merge(ImDrawData* dd) {
    if (!dd || dd->CmdListsCount < 2 || !supported()) return;
    ImDrawList& out = begin(dd);
    for (int n = 0; n < dd->CmdListsCount; ++n) {
        const ImDrawList* in = dd->CmdLists[n];
        const int vtx_base = out.VtxBuffer.Size, idx_base = out.IdxBuffer.Size;
        for (const ImDrawCmd& c : in->CmdBuffer)
            if (c.ElemCount != 0 || c.UserCallback) push_cmd(out, c, vtx_base, idx_base);
        append_buffers(out, *in);
    }
    finish(dd);
}

void DrawMerger::merge(ImDrawData* dd, const std::vector<PixelRect>& clips) {
    if (!dd) return;
    ImDrawList& out = begin(dd);
    const int lists = dd->CmdListsCount;
    vtx_base_.assign(static_cast<size_t>(lists), -1);
    ImVec4 cut;
    const float fb_h = dd->DisplaySize.y; // framebuffer scale 1
    for (const PixelRect& r : clips) {
        const ImVec4 rect = to_clip(r, dd->DisplayPos);
        for (int n = 0; n < lists; ++n) {
            const ImDrawList& in = *dd->CmdLists[n];
            for (const ImDrawCmd& c : in.CmdBuffer) {
                const bool reset = c.UserCallback == ImDrawCallback_ResetRenderState;
                if ((c.ElemCount == 0 && !c.UserCallback) ||
                    (!reset &&
                     !clip_meets(as_scissored(c.ClipRect, dd->DisplayPos, fb_h), rect, cut)))
                    continue;
                const size_t k = static_cast<size_t>(n);
                if (reset && vtx_base_[k] < 0) continue; // no callback of this list drawn
                if (vtx_base_[k] < 0) { // first command of this list: copy its vertices
                    vtx_base_[k] = out.VtxBuffer.Size;
                    append_vertices(out, in);
                }
                const int at = out.IdxBuffer.Size;
                const unsigned elems = c.UserCallback ? 0 : append_reaching(out, in, c, cut);
                if (!c.UserCallback && elems == 0) continue;
                push_cmd(out, c, vtx_base_[k], 0);
                ImDrawCmd& pushed = out.CmdBuffer.back();
                pushed.IdxOffset = static_cast<unsigned>(at);
                pushed.ElemCount = elems;
                if (!reset) pushed.ClipRect = cut;
            }
        }
    }
    finish(dd);
}

} // namespace mml::render
