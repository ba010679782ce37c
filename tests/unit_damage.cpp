// The frame canvas's damage tracking (app/render/damage.cpp): which rectangles a frame must
// draw again, given each draw list's identity, hash and bounds now and in the last frame.
#include "render/damage.hpp"

#include <gtest/gtest.h>

namespace {

using mml::render::DamageTracker;
using mml::render::ListSignature;
using mml::render::PixelRect;

const PixelRect kScreen{0, 0, 1920, 1080};
int a, b, c; // list identities

ListSignature list(const void* key, uint64_t hash, PixelRect bounds,
                   std::vector<mml::render::CallbackSignature> callbacks = {}) {
    ListSignature l;
    l.key = key;
    l.hash = hash;
    l.bounds = bounds;
    l.callbacks = std::move(callbacks);
    return l;
}

mml::render::CallbackSignature callback(uint64_t hash, PixelRect clip) {
    mml::render::CallbackSignature cs;
    cs.hash = hash;
    cs.clip = clip;
    return cs;
}

std::vector<ListSignature> frame(uint64_t ha, uint64_t hb, PixelRect rb = {100, 100, 300, 200}) {
    return {list(&a, ha, {0, 0, 1920, 30}), list(&b, hb, rb),
            list(&c, 7, {1000, 500, 1200, 700}, {callback(11, {1010, 510, 1100, 600})})};
}

TEST(Damage, FirstFrameIsDrawnInFull) {
    DamageTracker t;
    EXPECT_EQ(t.update(frame(1, 2), kScreen, false), std::vector<PixelRect>{kScreen});
}

TEST(Damage, UnchangedFrameDrawsNothing) {
    DamageTracker t;
    t.update(frame(1, 2), kScreen, false);
    EXPECT_TRUE(t.update(frame(1, 2), kScreen, false).empty());
}

TEST(Damage, ChangedListDamagesItsBounds) {
    DamageTracker t;
    t.update(frame(1, 2), kScreen, false);
    EXPECT_EQ(t.update(frame(1, 3), kScreen, false),
              (std::vector<PixelRect>{{100, 100, 300, 200}}));
}

TEST(Damage, MovedListDamagesWhereItWasAndWhereItIs) {
    DamageTracker t;
    t.update(frame(1, 2), kScreen, false);
    const auto r = t.update(frame(1, 2, {400, 400, 500, 450}), kScreen, false);
    EXPECT_EQ(r, (std::vector<PixelRect>{{100, 100, 300, 200}, {400, 400, 500, 450}}));
}

TEST(Damage, NewOrReorderedListsDrawEverything) {
    DamageTracker t;
    t.update(frame(1, 2), kScreen, false);
    auto f = frame(1, 2);
    std::swap(f[1], f[2]); // a window came to the front
    EXPECT_EQ(t.update(f, kScreen, false), std::vector<PixelRect>{kScreen});
    f.pop_back(); // a window closed
    EXPECT_EQ(t.update(f, kScreen, false), std::vector<PixelRect>{kScreen});
}

TEST(Damage, ForcedOrResizedDrawsEverything) {
    DamageTracker t;
    t.update(frame(1, 2), kScreen, false);
    EXPECT_EQ(t.update(frame(1, 2), kScreen, true), std::vector<PixelRect>{kScreen});
    const PixelRect smaller{0, 0, 1280, 720};
    EXPECT_EQ(t.update(frame(1, 2), smaller, false), std::vector<PixelRect>{smaller});
}

TEST(Damage, LargeDamageBecomesOneFullRedraw) {
    DamageTracker t;
    t.update(frame(1, 2, {0, 0, 1900, 1000}), kScreen, false);
    EXPECT_EQ(t.update(frame(1, 3, {0, 0, 1900, 1000}), kScreen, false),
              std::vector<PixelRect>{kScreen});
}

TEST(Damage, BoundsAreClippedToTheScreen) {
    DamageTracker t;
    t.update(frame(1, 2, {1800, 1000, 2100, 1200}), kScreen, false);
    EXPECT_EQ(t.update(frame(1, 3, {1800, 1000, 2100, 1200}), kScreen, false),
              (std::vector<PixelRect>{{1800, 1000, 1920, 1080}}));
}

TEST(Damage, ChangedCallbackDamagesOnlyItsClip) {
    DamageTracker t;
    auto f = frame(1, 2);
    t.update(f, kScreen, false);
    f[2].callbacks[0].hash = 12; // the grid's hover moved: same vertices
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{1010, 510, 1100, 600}}));
    f[2].callbacks[0].clip = {1010, 510, 1100, 650}; // the grid grew: where it was and is
    EXPECT_EQ(t.update(f, kScreen, false),
              (std::vector<PixelRect>{{1010, 510, 1100, 600}, {1010, 600, 1100, 650}}));
    f[2].hash = 8; // the list's own vertices changed too
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{1000, 500, 1200, 700}}));
}

TEST(Damage, MovedFocusDamagesItsTwoPlacesOnly) {
    DamageTracker t;
    auto f = frame(1, 2);
    f[2].callbacks[0].focus_hash = 40; // the hovered cell
    f[2].callbacks[0].focus = {1020, 520, 1030, 530};
    t.update(f, kScreen, false);
    f[2].callbacks[0].focus_hash = 41;
    f[2].callbacks[0].focus = {1030, 520, 1040, 530};
    EXPECT_EQ(t.update(f, kScreen, false),
              (std::vector<PixelRect>{{1020, 520, 1030, 530}, {1030, 520, 1040, 530}}));
}

TEST(Damage, SameShapeDamagesOnlyTheChangedTriangles) {
    DamageTracker t;
    auto f = frame(1, 2);
    t.update(f, kScreen, false);
    f[1].hash = 3; // a number in the list ticked: same triangles, two glyphs changed
    f[1].exact = true;
    f[1].changed = {{120, 110, 140, 125}, {150, 110, 160, 125}};
    EXPECT_EQ(t.update(f, kScreen, false), f[1].changed);
    f[1].hash = 4; // without the exact diff: the whole list
    f[1].exact = false;
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{100, 100, 300, 200}}));
}

TEST(Damage, DisjointCoversTheSamePixels) {
    const std::vector<PixelRect> in{{0, 0, 10, 10},    {200, 0, 210, 30},    {5, 5, 20, 20},
                                    {15, 15, 205, 25}, {500, 500, 510, 510}, {50, 50, 50, 60},
                                    {0, 0, 10, 10},    {2, 2, 8, 8}};
    std::vector<PixelRect> out = in;
    mml::render::make_disjoint(out);
    for (size_t i = 0; i < out.size(); ++i)
        for (size_t j = i + 1; j < out.size(); ++j)
            EXPECT_FALSE(mml::render::overlaps(out[i], out[j])) << i << " " << j;
    const auto covered = [](const std::vector<PixelRect>& rs, int x, int y) {
        for (const PixelRect& r : rs)
            if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1) return true;
        return false;
    };
    int64_t area = 0;
    for (const PixelRect& r : out) area += r.area();
    int64_t pixels = 0;
    for (int y = 0; y < 520; ++y)
        for (int x = 0; x < 520; ++x) {
            ASSERT_EQ(covered(in, x, y), covered(out, x, y)) << x << "," << y;
            pixels += covered(in, x, y);
        }
    EXPECT_EQ(area, pixels); // each pixel once
}

TEST(Damage, TooltipBesideAGridIsNotTheirBoundingBox) {
    std::vector<PixelRect> r{{587, 314, 1171, 391}, {900, 330, 1150, 600}, {950, 330, 1200, 600}};
    mml::render::make_disjoint(r);
    int64_t area = 0;
    for (const PixelRect& x : r) area += x.area();
    // The grid (584 x 77) and the tooltips' union (300 x 270), less where they meet
    // (271 x 61): 109,437 pixels, not the 175,318 of their bounding box.
    EXPECT_EQ(area, 584 * 77 + 300 * 270 - 271 * 61);
}

} // namespace

namespace {

bool covers(const std::vector<PixelRect>& rs, int x, int y) {
    for (const PixelRect& r : rs)
        if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1) return true;
    return false;
}

// Thirty numbers that ticked in a table: ten cells in each of three rows.
std::vector<PixelRect> ticked_cells() {
    std::vector<PixelRect> cells;
    for (int row = 0; row < 3; ++row)
        for (int col = 0; col < 10; ++col)
            cells.push_back({100 + col * 80, 300 + row * 40, 130 + col * 80, 316 + row * 40});
    return cells;
}

} // namespace

TEST(Damage, LimitRectsStaysDisjointAndCoversEveryPixel) {
    std::vector<PixelRect> in = ticked_cells();
    in.push_back({1500, 900, 1510, 910}); // and two far apart
    in.push_back({20, 1000, 40, 1010});
    std::vector<PixelRect> out = in;
    mml::render::limit_rects(out, 6);
    ASSERT_LE(out.size(), 6u);
    for (size_t i = 0; i < out.size(); ++i)
        for (size_t j = i + 1; j < out.size(); ++j)
            EXPECT_FALSE(mml::render::overlaps(out[i], out[j])) << i << " " << j;
    for (const PixelRect& r : in)
        for (int y = r.y0; y < r.y1; ++y)
            for (int x = r.x0; x < r.x1; ++x) ASSERT_TRUE(covers(out, x, y)) << x << "," << y;
    int64_t area = 0;
    for (const PixelRect& r : out) area += r.area();
    // Far less than one box over the cells (750 x 96) and the two far ones.
    EXPECT_LT(area, 750 * 96);
}

TEST(Damage, ManySmallChangesAreMergedNotDrawnInFull) {
    DamageTracker t;
    auto f = frame(1, 2);
    f[1].bounds = {0, 0, 1920, 1080}; // a big window whose numbers ticked in thirty places
    t.update(f, kScreen, false);
    f[1].hash = 3;
    f[1].exact = true;
    f[1].changed = ticked_cells();
    const std::vector<PixelRect> got = t.update(f, kScreen, false);
    ASSERT_NE(got, std::vector<PixelRect>{kScreen});
    EXPECT_LE(got.size(), DamageTracker::kMaxRects);
    int64_t area = 0;
    for (const PixelRect& r : got) area += r.area();
    EXPECT_LT(area, 750 * 96 / 2); // far less than one box over the cells
    for (const PixelRect& r : f[1].changed)
        EXPECT_TRUE(covers(got, r.x0, r.y0) && covers(got, r.x1 - 1, r.y1 - 1));
}

TEST(Damage, ChangedCellsOfAGridDamageOnlyThoseCells) {
    DamageTracker t;
    auto f = frame(1, 2);
    auto& grid = f[2].callbacks[0];
    grid.shape = 99;
    grid.version = 5;
    t.update(f, kScreen, false);
    grid.hash = 12; // one cell of its texture changed: version 5 -> 6
    grid.version = 6;
    grid.cells_since = 5;
    grid.cells_known = true;
    grid.cells = {{1040, 520, 1052, 532}};
    EXPECT_EQ(t.update(f, kScreen, false), grid.cells);
    grid.hash = 13; // changed again, but the cells are not relative to what was drawn (6)
    grid.version = 8;
    grid.cells_since = 7;
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{1010, 510, 1100, 600}}));
    grid.hash = 14; // relative to what was drawn, but the grid's shape changed (a selection)
    grid.version = 9;
    grid.cells_since = 8;
    grid.shape = 100;
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{1010, 510, 1100, 600}}));
    grid.hash = 15; // unknown cells (too many changed)
    grid.version = 10;
    grid.cells_since = 9;
    grid.cells_known = false;
    EXPECT_EQ(t.update(f, kScreen, false), (std::vector<PixelRect>{{1010, 510, 1100, 600}}));
}
