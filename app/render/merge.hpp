// One vertex/index upload per frame: every ImDrawList of the frame merged into one before the
// OpenGL backend draws it. The backend (Dear ImGui 1.86) re-fills one buffer with
// glBufferSubData per draw list, and Mesa's llvmpipe must then finish everything queued so far
// before the write: ~20 windows cost ~20 rasterizer flushes a frame. Merged, it is one.
#pragma once

#include <imgui.h>

namespace mml::render {

class DrawMerger {
public:
    DrawMerger() = default;
    ~DrawMerger();
    DrawMerger(const DrawMerger&) = delete;
    DrawMerger& operator=(const DrawMerger&) = delete;
    // Points `dd` at one list holding all of its lists' commands, in order (vertex offsets
    // need ImGuiBackendFlags_RendererHasVtxOffset, which the GL 3.3 backend sets). Valid until
    // the next call; a no-op for a single list or without that flag.
    void merge(ImDrawData* dd);

private:
    ImDrawList* list_ = nullptr; // made with the context's shared data on first use
    ImDrawList* lists_[1] = {};
};

} // namespace mml::render
