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

std::vector<ListSignature> frame(uint64_t ha, uint64_t hb, PixelRect rb = {100, 100, 300, 200}) {
    return {{&a, ha, {0, 0, 1920, 30}}, {&b, hb, rb}, {&c, 7, {1000, 500, 1200, 700}}};
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

TEST(Damage, DisjointAfterMergingChains) {
    // a overlaps b; their union overlaps c, which overlaps neither alone; d stays apart.
    std::vector<PixelRect> r{{0, 0, 10, 10},    {200, 0, 210, 30},    {5, 5, 20, 20},
                             {15, 15, 205, 25}, {500, 500, 510, 510}, {50, 50, 50, 60}};
    mml::render::make_disjoint(r);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0], (PixelRect{0, 0, 210, 30}));
    EXPECT_EQ(r[1], (PixelRect{500, 500, 510, 510}));
    for (size_t i = 0; i < r.size(); ++i)
        for (size_t j = i + 1; j < r.size(); ++j) EXPECT_FALSE(mml::render::overlaps(r[i], r[j]));
}

} // namespace
