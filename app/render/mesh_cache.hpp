// Geometry tessellated once and replayed into a draw list every frame while its inputs stay
// the same (the Frames panel's hundreds of anti-aliased curves cost milliseconds a frame to
// tessellate; copying their vertices costs microseconds).
#pragma once

#include <imgui.h>

#include <vector>

namespace mml::render {

class MeshCache {
public:
    MeshCache() = default;
    ~MeshCache();
    MeshCache(const MeshCache&) = delete;
    MeshCache& operator=(const MeshCache&) = delete;

    // True when `key` (every input of the geometry, screen positions included) equals the
    // recorded one: replay() it. Otherwise record: draw into begin(dl), then end().
    bool matches(const std::vector<float>& key) const { return valid_ && key == key_; }
    ImDrawList* begin(ImDrawList* dl, std::vector<float> key);
    void end();
    void replay(ImDrawList* dl) const;

private:
    struct Chunk {
        int vtx0 = 0, vtx_n = 0, idx0 = 0, idx_n = 0;
    };
    ImDrawList* rec_ = nullptr;
    std::vector<float> key_;
    std::vector<ImDrawVert> vtx_;
    std::vector<ImDrawIdx> idx_;
    std::vector<Chunk> chunks_; // each below 64k vertices (16-bit indices)
    bool valid_ = false;
};

} // namespace mml::render
