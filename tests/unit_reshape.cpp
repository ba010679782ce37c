// Damage of a draw list that gained or lost triangles (app/render/reshape.cpp): only the
// stretch between the common prefix and the common suffix, where it was and where it is.
#if __has_include(<imgui.h>) // built with the app (not in the core-only sanitizer build)
#include "render/reshape.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using mml::render::ListBuffers;
using mml::render::PixelRect;

// A draw list of axis-aligned quads, two triangles each, in one command (or one per quad).
struct List {
    std::vector<ImDrawVert> vtx;
    std::vector<ImDrawIdx> idx;
    std::vector<ImDrawCmd> cmds;

    List& quad(float x0, float y0, float x1, float y1, ImU32 col = 0xffffffff) {
        const auto base = static_cast<ImDrawIdx>(vtx.size());
        for (const ImVec2 p : {ImVec2(x0, y0), ImVec2(x1, y0), ImVec2(x1, y1), ImVec2(x0, y1)})
            vtx.push_back(ImDrawVert{p, ImVec2(0, 0), col});
        for (int k : {0, 1, 2, 0, 2, 3}) idx.push_back(static_cast<ImDrawIdx>(base + k));
        if (cmds.empty()) {
            cmds.emplace_back();
            cmds.back().ClipRect = ImVec4(0, 0, 1920, 1080);
        }
        cmds.back().ElemCount += 6;
        return *this;
    }
    ListBuffers buffers() const { return {vtx, idx, cmds}; }
};

std::vector<PixelRect> damage(const List& was, const List& now, bool* found = nullptr) {
    std::vector<PixelRect> out;
    const bool ok =
        mml::render::reshaped_damage(was.buffers(), now.buffers(), ImVec2(0, 0), 8, out);
    if (found) *found = ok;
    return out;
}

TEST(Reshape, AnInsertedQuadDamagesOnlyItself) {
    List was, now;
    was.quad(10, 10, 50, 20).quad(10, 30, 50, 40).quad(10, 50, 50, 60);
    now.quad(10, 10, 50, 20).quad(60, 30, 90, 40).quad(10, 30, 50, 40).quad(10, 50, 50, 60);
    bool found = false;
    EXPECT_EQ(damage(was, now, &found), (std::vector<PixelRect>{{60, 30, 90, 40}}));
    EXPECT_TRUE(found);
}

TEST(Reshape, ARemovedQuadDamagesWhereItWas) {
    List was, now;
    was.quad(10, 10, 50, 20).quad(60, 30, 90, 40).quad(10, 50, 50, 60);
    now.quad(10, 10, 50, 20).quad(10, 50, 50, 60);
    EXPECT_EQ(damage(was, now), (std::vector<PixelRect>{{60, 30, 90, 40}}));
}

TEST(Reshape, AReplacedStretchDamagesOldAndNew) {
    List was, now;
    was.quad(0, 0, 10, 10).quad(100, 100, 110, 110).quad(500, 500, 510, 510);
    now.quad(0, 0, 10, 10)
        .quad(200, 100, 230, 110)
        .quad(300, 100, 330, 110)
        .quad(500, 500, 510, 510);
    std::vector<PixelRect> d = damage(was, now);
    std::sort(d.begin(), d.end(),
              [](const PixelRect& a, const PixelRect& b) { return a.x0 < b.x0; });
    // Old and new stretch, disjoint, covering both places (merged as limit_rects sees fit).
    int64_t area = 0;
    for (const PixelRect& r : d) area += r.area();
    ASSERT_FALSE(d.empty());
    EXPECT_LE(d.front().x0, 100);
    EXPECT_GE(d.back().x1, 330);
    for (const PixelRect& r : d) {
        EXPECT_GE(r.y0, 100);
        EXPECT_LE(r.y1, 110);
    }
    EXPECT_GE(area, 10 * 10 + 30 * 10 + 30 * 10);
}

TEST(Reshape, TheCommandClipLimitsTheDamage) {
    List was, now;
    was.quad(10, 10, 50, 20);
    now.quad(10, 10, 50, 20).quad(40, 10, 200, 20);
    was.cmds.back().ClipRect = now.cmds.back().ClipRect = ImVec4(0, 0, 100, 100);
    EXPECT_EQ(damage(was, now), (std::vector<PixelRect>{{40, 10, 100, 20}}));
}

TEST(Reshape, AChangedColourBreaksTheSuffix) {
    List was, now;
    was.quad(10, 10, 50, 20).quad(10, 30, 50, 40);
    now.quad(10, 10, 50, 20).quad(70, 10, 80, 20).quad(10, 30, 50, 40, 0xff0000ff);
    const std::vector<PixelRect> d = damage(was, now);
    int64_t area = 0;
    for (const PixelRect& r : d) area += r.area();
    EXPECT_GE(area, 10 * 10 + 40 * 10) << "the inserted quad and the recoloured one";
}

TEST(Reshape, NothingInCommonOrACallbackLeavesItToTheCaller) {
    List was, now;
    was.quad(10, 10, 50, 20);
    now.quad(60, 10, 90, 20);
    bool found = true;
    EXPECT_TRUE(damage(was, now, &found).empty());
    EXPECT_FALSE(found);
    List cb = was;
    cb.cmds.emplace_back();
    cb.cmds.back().UserCallback = [](const ImDrawList*, const ImDrawCmd*) {};
    EXPECT_TRUE(damage(was, cb, &found).empty());
    EXPECT_FALSE(found);
}

} // namespace
#endif
