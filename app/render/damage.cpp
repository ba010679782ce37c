// Damage tracking (see damage.hpp).
#include "render/damage.hpp"

#include <algorithm>

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

void make_disjoint(std::vector<PixelRect>& rects) {
    std::erase_if(rects, [](const PixelRect& r) { return r.empty(); });
    for (bool merged = true; merged;) {
        merged = false;
        for (size_t i = 0; i < rects.size() && !merged; ++i)
            for (size_t j = i + 1; j < rects.size(); ++j)
                if (overlaps(rects[i], rects[j])) {
                    rects[i] = unite(rects[i], rects[j]);
                    rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(j));
                    merged = true; // the union may now overlap one checked before
                    break;
                }
    }
}

namespace {

bool same_lists(const std::vector<ListSignature>& a, const std::vector<ListSignature>& b) {
    return std::equal(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const ListSignature& x, const ListSignature& y) { return x.key == y.key; });
}

} // namespace

std::vector<PixelRect> DamageTracker::update(std::vector<ListSignature> lists, PixelRect screen,
                                             bool full) {
    std::vector<PixelRect> out;
    if (full || !(screen == screen_) || !same_lists(lists, prev_)) {
        out.push_back(screen);
    } else {
        for (size_t i = 0; i < lists.size(); ++i)
            if (lists[i].hash != prev_[i].hash || !(lists[i].bounds == prev_[i].bounds)) {
                out.push_back(intersect(prev_[i].bounds, screen));
                out.push_back(intersect(lists[i].bounds, screen));
            }
        make_disjoint(out);
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
