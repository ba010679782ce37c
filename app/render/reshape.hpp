// Damage of a draw list that changed shape since the last frame. A highlight that appears behind
// one value of a table, a word added to a menu bar: the list gains or loses triangles in one
// place, and every vertex after it moves in the buffers without moving on the screen. Compared
// from both ends, only the triangles between the longest common prefix and the longest common
// suffix differ; those are damaged where they were and where they are, not the whole window.
#pragma once

#include "render/damage.hpp"

#include <imgui.h>

#include <span>
#include <vector>

namespace mml::render {

// The pixels covering `box` (ImGui coordinates), relative to `origin`.
PixelRect pixel_bounds(const ImVec4& box, ImVec2 origin);

struct ListBuffers {
    std::span<const ImDrawVert> vtx;
    std::span<const ImDrawIdx> idx;
    std::span<const ImDrawCmd> cmds;
};

// Appends to `out` where `now` differs from `was` (pixels, relative to `origin`): the rectangles
// over the triangles outside their common prefix and suffix, each clipped to its command, merged
// into at most `max_rects`. A triangle of the prefix is the same triangle (same command clip and
// texture, same vertex indices, vertices equal); one of the suffix the same with its vertex
// indices shifted by the change in the vertex count. False, appending nothing, for lists with
// callbacks (the canvas compares those apart) or when nothing is common.
bool reshaped_damage(const ListBuffers& was, const ListBuffers& now, ImVec2 origin,
                     size_t max_rects, std::vector<PixelRect>& out);

} // namespace mml::render
