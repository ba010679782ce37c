// Damage of a reshaped draw list (see reshape.hpp).
#include "render/reshape.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

namespace mml::render {

PixelRect pixel_bounds(const ImVec4& box, ImVec2 origin) {
    return {static_cast<int>(std::floor(box.x - origin.x)),
            static_cast<int>(std::floor(box.y - origin.y)),
            static_cast<int>(std::ceil(box.z - origin.x)),
            static_cast<int>(std::ceil(box.w - origin.y))};
}

namespace {

struct Tri {
    const ImDrawCmd* cmd;
    size_t v[3]; // indices into the list's vertices
};

// The list's triangles in drawing order; false for a callback or an index out of range.
bool triangles(const ListBuffers& l, std::vector<Tri>& out) {
    for (const ImDrawCmd& c : l.cmds) {
        if (c.UserCallback) return false;
        for (size_t t = 0; t + 2 < c.ElemCount; t += 3) {
            Tri tri{&c, {}};
            for (size_t k = 0; k < 3; ++k) {
                const size_t at = c.IdxOffset + t + k;
                if (at >= l.idx.size()) return false;
                tri.v[k] = c.VtxOffset + l.idx[at];
                if (tri.v[k] >= l.vtx.size()) return false;
            }
            out.push_back(tri);
        }
    }
    return true;
}

bool same_vertex(const ImDrawVert& a, const ImDrawVert& b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool same_state(const ImDrawCmd& a, const ImDrawCmd& b) {
    return std::memcmp(&a.ClipRect, &b.ClipRect, sizeof a.ClipRect) == 0 &&
           a.TextureId == b.TextureId;
}

// Vertices equal at the start of both lists, and (not overlapping those) at their ends.
std::pair<size_t, size_t> common_vertices(const ListBuffers& a, const ListBuffers& b) {
    const size_t n = std::min(a.vtx.size(), b.vtx.size());
    size_t p = 0;
    while (p < n && same_vertex(a.vtx[p], b.vtx[p])) ++p;
    size_t s = 0;
    while (s < n - p && same_vertex(a.vtx[a.vtx.size() - 1 - s], b.vtx[b.vtx.size() - 1 - s])) ++s;
    return {p, s};
}

// Per command, the bounds of triangles [first, last) of `tris` (vertices of `l`), clipped.
void damage_of(const std::vector<Tri>& tris, size_t first, size_t last, const ListBuffers& l,
               ImVec2 origin, std::vector<PixelRect>& out) {
    const ImDrawCmd* cmd = nullptr;
    ImVec4 box{FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    const auto close = [&] {
        if (cmd && box.z >= box.x)
            out.push_back(
                intersect(pixel_bounds(box, origin), pixel_bounds(cmd->ClipRect, origin)));
        box = {FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    };
    for (size_t t = first; t < last; ++t) {
        if (tris[t].cmd != cmd) {
            close();
            cmd = tris[t].cmd;
        }
        for (size_t v : tris[t].v) {
            const ImVec2 p = l.vtx[v].pos;
            box = {std::min(box.x, p.x), std::min(box.y, p.y), std::max(box.z, p.x),
                   std::max(box.w, p.y)};
        }
    }
    close();
}

} // namespace

bool reshaped_damage(const ListBuffers& was, const ListBuffers& now, ImVec2 origin,
                     size_t max_rects, std::vector<PixelRect>& out) {
    std::vector<Tri> a, b;
    if (!triangles(was, a) || !triangles(now, b)) return false;
    const auto [p, s] = common_vertices(was, now);
    const size_t tail = was.vtx.size() - s; // old vertices from here on are in the suffix
    const size_t shift = now.vtx.size() - was.vtx.size(); // modulo 2^64: adding it shifts back
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    const auto front = [&](const Tri& x, const Tri& y) {
        if (!same_state(*x.cmd, *y.cmd)) return false;
        for (size_t k = 0; k < 3; ++k)
            if (x.v[k] != y.v[k] || x.v[k] >= p) return false;
        return true;
    };
    while (i < n && front(a[i], b[i])) ++i;
    const auto back = [&](const Tri& x, const Tri& y) {
        if (!same_state(*x.cmd, *y.cmd)) return false;
        for (size_t k = 0; k < 3; ++k)
            if (x.v[k] < tail || x.v[k] + shift != y.v[k]) return false;
        return true;
    };
    size_t j = 0;
    while (j < n - i && back(a[a.size() - 1 - j], b[b.size() - 1 - j])) ++j;
    if (i == 0 && j == 0) return false;
    std::vector<PixelRect> rects;
    damage_of(a, i, a.size() - j, was, origin, rects);
    damage_of(b, i, b.size() - j, now, origin, rects);
    std::erase_if(rects, [](const PixelRect& r) { return r.empty(); });
    make_disjoint(rects);
    limit_rects(rects, max_rects);
    out.insert(out.end(), rects.begin(), rects.end());
    return true;
}

} // namespace mml::render
