// Damage tracking (see damage.hpp).
#include "render/damage.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace mml::render {

PixelRect intersect(const PixelRect& a, const PixelRect& b) {
    return {std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
}

PixelRect unite(const PixelRect& a, const PixelRect& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

bool overlaps(const PixelRect& a, const PixelRect& b) {
    return !intersect(a, b).empty();
}

namespace {

// `from` minus `hole`: up to four rectangles (above, below, left and right of it).
void subtract(const PixelRect& from, const PixelRect& hole, std::vector<PixelRect>& out) {
    if (!overlaps(from, hole)) {
        out.push_back(from);
        return;
    }
    const int top = std::max(from.y0, hole.y0), bottom = std::min(from.y1, hole.y1);
    if (hole.y0 > from.y0) out.push_back({from.x0, from.y0, from.x1, hole.y0});
    if (hole.y1 < from.y1) out.push_back({from.x0, hole.y1, from.x1, from.y1});
    if (hole.x0 > from.x0) out.push_back({from.x0, top, hole.x0, bottom});
    if (hole.x1 < from.x1) out.push_back({hole.x1, top, from.x1, bottom});
}

} // namespace

void make_disjoint(std::vector<PixelRect>& rects) {
    std::vector<PixelRect> out, pieces, next;
    for (const PixelRect& r : rects) {
        if (r.empty()) continue;
        pieces.assign(1, r);
        for (const PixelRect& kept : out) {
            next.clear();
            for (const PixelRect& p : pieces) subtract(p, kept, next);
            pieces.swap(next);
        }
        out.insert(out.end(), pieces.begin(), pieces.end());
    }
    rects.swap(out);
}

namespace {

// The pair whose bounding box adds the fewest pixels to what the two cover.
std::pair<size_t, size_t> cheapest_pair(const std::vector<PixelRect>& rects) {
    std::pair<size_t, size_t> best{0, 1};
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < rects.size(); ++i)
        for (size_t j = i + 1; j < rects.size(); ++j) {
            const int64_t added =
                unite(rects[i], rects[j]).area() - rects[i].area() - rects[j].area();
            if (added < least) {
                least = added;
                best = {i, j};
            }
        }
    return best;
}

} // namespace

void limit_rects(std::vector<PixelRect>& rects, size_t max) {
    while (rects.size() > std::max<size_t>(max, 1)) {
        const auto [i, j] = cheapest_pair(rects);
        PixelRect box = unite(rects[i], rects[j]);
        rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(j));
        rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(i));
        for (bool grew = true; grew;) { // a grown box may reach rectangles it missed before
            grew = false;
            for (size_t k = 0; k < rects.size();) {
                if (!overlaps(box, rects[k])) {
                    ++k;
                    continue;
                }
                box = unite(box, rects[k]);
                rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(k));
                grew = true;
            }
        }
        rects.push_back(box);
    }
}

namespace {

bool same_lists(const std::vector<ListSignature>& a, const std::vector<ListSignature>& b) {
    return std::equal(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const ListSignature& x, const ListSignature& y) { return x.key == y.key; });
}

} // namespace

namespace {

// Where a list changed between two frames: nothing; only some vertices' triangles and some
// callbacks' clip rectangles (same shape: see ListSignature::exact); or everywhere it was and is.
void list_damage(const ListSignature& was, const ListSignature& now, std::vector<PixelRect>& out) {
    // An exact list's changed triangles cover any change of its bounds (where they were too).
    const bool same_shape = (now.hash == was.hash || now.exact) &&
                            (now.exact || now.bounds == was.bounds) &&
                            now.callbacks.size() == was.callbacks.size();
    if (!same_shape) {
        out.push_back(was.bounds);
        out.push_back(now.bounds);
        return;
    }
    if (now.hash != was.hash) out.insert(out.end(), now.changed.begin(), now.changed.end());
    for (size_t k = 0; k < now.callbacks.size(); ++k) {
        const CallbackSignature &a = was.callbacks[k], &b = now.callbacks[k];
        const bool only_cells = a.hash != b.hash && a.clip == b.clip && b.cells_known &&
                                a.shape == b.shape && b.cells_since == a.version;
        if (only_cells) // a few cells of its texture changed: those cells, and the focus
            for (const PixelRect& r : b.cells) out.push_back(intersect(r, b.clip));
        if (!only_cells && (a.hash != b.hash || !(a.clip == b.clip))) { // only in its clip
            out.push_back(a.clip);
            out.push_back(b.clip);
        } else if (a.focus_hash != b.focus_hash || !(a.focus == b.focus)) {
            out.push_back(intersect(a.focus, a.clip));
            out.push_back(intersect(b.focus, b.clip));
        }
    }
}

} // namespace

std::vector<PixelRect> DamageTracker::update(std::vector<ListSignature> lists, PixelRect screen,
                                             bool full) {
    std::vector<PixelRect> out;
    if (full || !(screen == screen_) || !same_lists(lists, prev_)) {
        out.push_back(screen);
    } else {
        for (size_t i = 0; i < lists.size(); ++i) list_damage(prev_[i], lists[i], out);
        for (PixelRect& r : out) r = intersect(r, screen);
        make_disjoint(out);
        if (out.size() <= kMergeMax) limit_rects(out, kMaxRects);
        int64_t area = 0;
        for (const PixelRect& r : out) area += r.area();
        if (out.size() > kMaxRects ||
            static_cast<double>(area) > kFullShare * static_cast<double>(screen.area()))
            out.assign(1, screen);
    }
    prev_ = std::move(lists);
    screen_ = screen;
    return out;
}

} // namespace mml::render
