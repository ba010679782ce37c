// Damage tracking for the frame canvas: which parts of the window must be drawn again. Each
// frame every draw list (one per ImGui window) is reduced to a signature: who it is, a hash of
// everything it draws, and the rectangle it may touch (the union of its clip rectangles). A
// list whose hash changed damages where it was and where it is; a change in the set or order
// of lists damages everything. Plain data, no ImGui or GL, so it is tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mml::render {

// A rectangle in framebuffer pixels, [x0, x1) x [y0, y1), y downwards like ImGui.
struct PixelRect {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x1 <= x0 || y1 <= y0; }
    int64_t area() const { return empty() ? 0 : int64_t{x1 - x0} * (y1 - y0); }
    bool operator==(const PixelRect&) const = default;
};

PixelRect intersect(const PixelRect& a, const PixelRect& b);
PixelRect unite(const PixelRect& a, const PixelRect& b);
bool overlaps(const PixelRect& a, const PixelRect& b);

// What a draw callback (the page grid) will draw, and where it can. A callback may keep one
// small part out of its hash (the grid's hovered cell): `focus`, where that part is drawn,
// and `focus_hash`, what it is. When only that part changed, only its old and new places are
// damaged.
//
// A callback whose contents come from a texture that changed in a few places (a page grid
// after a one-byte write) can say so: `shape` hashes everything but the texture's contents,
// `version` is the texture's version, and `cells` (with `cells_known`) covers every pixel whose
// contents differ from the texture's version `cells_since`. When the shape is the same and the
// last frame drew version `cells_since`, only `cells` are damaged.
struct CallbackSignature {
    uint64_t hash = 0;
    PixelRect clip;
    uint64_t focus_hash = 0;
    PixelRect focus;
    uint64_t shape = 0, version = 0, cells_since = 0;
    bool cells_known = false;
    std::vector<PixelRect> cells;
    bool operator==(const CallbackSignature&) const = default;
};

struct ListSignature {
    const void* key = nullptr; // the draw list's identity across frames
    uint64_t hash = 0;         // of its vertices, indices and commands
    PixelRect bounds;          // every pixel it can touch
    // Its callbacks in order. When only some of their contents changed (a grid's cells or
    // hover), only their clip rectangles are damaged, not the whole list.
    std::vector<CallbackSignature> callbacks;
    // Set when the list kept its shape since the last frame (same triangles, commands and
    // callbacks in the same places) and only some vertices moved or changed colour: `changed`
    // then covers every triangle that uses one of them, where it was and where it is (a number
    // that ticked in a table, not the whole table). Also set for a list without callbacks that
    // gained or lost triangles in one stretch (render/reshape.hpp): `changed` covers that
    // stretch, where it was and where it is.
    bool exact = false;
    std::vector<PixelRect> changed;
};

class DamageTracker {
public:
    // Above this share of the screen one full redraw is cheaper than pieces; more than
    // kMaxRects pieces are merged into fewer, larger ones (limit_rects), and beyond
    // kMergeMax pieces merging would cost more than the redraw it saves.
    static constexpr double kFullShare = 0.6;
    static constexpr size_t kMaxRects = 24;
    static constexpr size_t kMergeMax = 160;

    // The frame's lists in drawing order; returns disjoint rectangles to redraw (empty: the
    // canvas already shows this frame). `full` forces one rectangle over the whole screen.
    std::vector<PixelRect> update(std::vector<ListSignature> lists, PixelRect screen, bool full);

private:
    std::vector<ListSignature> prev_;
    PixelRect screen_;
};

// Splits overlapping rectangles so that none overlap (no pixel is drawn twice) and the same
// pixels are covered (a union's bounding box would grow: a grid and its tooltip beside it).
void make_disjoint(std::vector<PixelRect>& rects);

// Merges disjoint rectangles until at most `max` remain. Each step unites the pair whose
// bounding box adds the fewest pixels and absorbs every rectangle that box overlaps, so the
// result stays disjoint and covers every pixel it covered (a table whose numbers ticked in
// thirty cells: a few row bands, not thirty pieces, and not the whole window).
void limit_rects(std::vector<PixelRect>& rects, size_t max);

} // namespace mml::render
