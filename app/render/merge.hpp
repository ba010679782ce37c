// One vertex/index upload per frame: every ImDrawList of the frame merged into one before the
// OpenGL backend draws it. The backend (Dear ImGui 1.86) re-fills one buffer with
// glBufferSubData per draw list, and Mesa's llvmpipe must then finish everything queued so far
// before the write: ~20 windows cost ~20 rasterizer flushes a frame. Merged, it is one.
// With clip rectangles (the canvas's damage), only commands inside them are kept, clipped.
#pragma once

#include "render/damage.hpp"

#include <imgui.h>

#include <vector>

namespace mml::render {

class DrawMerger {
public:
    DrawMerger() = default;
    ~DrawMerger();
    DrawMerger(const DrawMerger&) = delete;
    DrawMerger& operator=(const DrawMerger&) = delete;
    // Whether the renderer can draw a merged list (vertex offsets need
    // ImGuiBackendFlags_RendererHasVtxOffset, which the GL 3.3 backend sets).
    static bool supported();
    // Points `dd` at one list holding all of its lists' commands, in order. Valid until the
    // next call; a no-op for a single list or when not supported().
    void merge(ImDrawData* dd);
    // The same, keeping only what falls inside `clips` (disjoint, in framebuffer pixels at a
    // framebuffer scale of 1): each command once per rectangle it meets, clipped to it, with
    // only its triangles that reach the rectangle. Lists outside every rectangle are not
    // copied at all. Requires supported().
    void merge(ImDrawData* dd, const std::vector<PixelRect>& clips);

private:
    ImDrawList& begin(const ImDrawData* dd);
    void finish(ImDrawData* dd);
    ImDrawList* list_ = nullptr; // made with the context's shared data on first use
    ImDrawList* lists_[1] = {};
    std::vector<int> vtx_base_; // per input list; -1 when not copied
};

} // namespace mml::render
