// Merging a frame's draw lists into one (see merge.hpp).
#include "render/merge.hpp"

#include <cstring>

namespace mml::render {

DrawMerger::~DrawMerger() {
    if (list_) IM_DELETE(list_);
}

void DrawMerger::merge(ImDrawData* dd) {
    if (!dd || dd->CmdListsCount < 2 ||
        !(ImGui::GetIO().BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset))
        return;
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
    for (int n = 0; n < dd->CmdListsCount; ++n) {
        const ImDrawList* in = dd->CmdLists[n];
        const unsigned vtx_base = static_cast<unsigned>(out.VtxBuffer.Size);
        const unsigned idx_base = static_cast<unsigned>(out.IdxBuffer.Size);
        for (const ImDrawCmd& c : in->CmdBuffer) {
            if (c.ElemCount == 0 && !c.UserCallback) continue;
            out.CmdBuffer.push_back(c);
            out.CmdBuffer.back().VtxOffset += vtx_base;
            out.CmdBuffer.back().IdxOffset += idx_base;
        }
        const int v = out.VtxBuffer.Size, i = out.IdxBuffer.Size;
        out.VtxBuffer.resize(v + in->VtxBuffer.Size);
        out.IdxBuffer.resize(i + in->IdxBuffer.Size);
        if (in->VtxBuffer.Size)
            std::memcpy(out.VtxBuffer.Data + v, in->VtxBuffer.Data,
                        static_cast<size_t>(in->VtxBuffer.Size) * sizeof(ImDrawVert));
        if (in->IdxBuffer.Size)
            std::memcpy(out.IdxBuffer.Data + i, in->IdxBuffer.Data,
                        static_cast<size_t>(in->IdxBuffer.Size) * sizeof(ImDrawIdx));
    }
    dd->CmdLists = lists_;
    dd->CmdListsCount = 1;
}

} // namespace mml::render
