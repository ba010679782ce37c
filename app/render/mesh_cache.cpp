// Recording and replaying tessellated geometry (see mesh_cache.hpp).
#include "render/mesh_cache.hpp"

#include <cstring>

namespace mml::render {

MeshCache::~MeshCache() {
    if (rec_) IM_DELETE(rec_);
}

ImDrawList* MeshCache::begin(ImDrawList* dl, std::vector<float> key) {
    if (!rec_) rec_ = IM_NEW(ImDrawList)(ImGui::GetDrawListSharedData());
    rec_->_ResetForNewFrame();
    rec_->Flags = dl->Flags;
    rec_->PushClipRect(dl->GetClipRectMin(), dl->GetClipRectMax());
    rec_->PushTextureID(dl->_CmdHeader.TextureId);
    key_ = std::move(key);
    valid_ = false;
    return rec_;
}

void MeshCache::end() {
    vtx_.assign(rec_->VtxBuffer.begin(), rec_->VtxBuffer.end());
    idx_.assign(rec_->IdxBuffer.begin(), rec_->IdxBuffer.end());
    chunks_.clear();
    const ImVector<ImDrawCmd>& cmds = rec_->CmdBuffer;
    for (int i = 0; i < cmds.Size; ++i) {
        if (cmds[i].ElemCount == 0) continue;
        int vend = rec_->VtxBuffer.Size;
        for (int j = i + 1; j < cmds.Size; ++j)
            if (cmds[j].VtxOffset != cmds[i].VtxOffset) {
                vend = static_cast<int>(cmds[j].VtxOffset);
                break;
            }
        chunks_.push_back(
            {static_cast<int>(cmds[i].VtxOffset), vend - static_cast<int>(cmds[i].VtxOffset),
             static_cast<int>(cmds[i].IdxOffset), static_cast<int>(cmds[i].ElemCount)});
    }
    valid_ = true;
}

void MeshCache::replay(ImDrawList* dl) const {
    for (const Chunk& c : chunks_) {
        dl->PrimReserve(c.idx_n, c.vtx_n); // starts a new vertex offset when 16 bits run out
        const unsigned base = dl->_VtxCurrentIdx;
        std::memcpy(dl->_VtxWritePtr, vtx_.data() + c.vtx0,
                    static_cast<size_t>(c.vtx_n) * sizeof(ImDrawVert));
        for (int i = 0; i < c.idx_n; ++i)
            dl->_IdxWritePtr[i] =
                static_cast<ImDrawIdx>(base + idx_[static_cast<size_t>(c.idx0 + i)]);
        dl->_VtxWritePtr += c.vtx_n;
        dl->_IdxWritePtr += c.idx_n;
        dl->_VtxCurrentIdx += static_cast<unsigned>(c.vtx_n);
    }
}

} // namespace mml::render
