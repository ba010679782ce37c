// GUI test of the page views: the app runs the copy-on-write script under its own xvfb-run
// (as the README's manual check does); page cells at the positions it reports show the expected
// state colours (child: page 3 dirty, the rest shared) and Frames shows two processes.
#include "gui_util.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

// Okabe-Ito fills of the palette (dark theme): shared = bluish green, dirty = vermillion.
constexpr unsigned kShared = 0x009E73, kDirty = 0xD55E00;

struct Shot {
    int w = 0, h = 0;
    unsigned char* px = nullptr; // RGB
    ~Shot() { stbi_image_free(px); }
    unsigned at(int x, int y) const {
        const unsigned char* p = px + (static_cast<size_t>(y) * w + x) * 3;
        return unsigned(p[0]) << 16 | unsigned(p[1]) << 8 | p[2];
    }
};

bool near(unsigned a, unsigned b, int tol) {
    for (int s = 0; s < 24; s += 8) {
        const int d = int((a >> s) & 0xff) - int((b >> s) & 0xff);
        if (d > tol || d < -tol) return false;
    }
    return true;
}

// Fraction of the inner 60% of a rectangle's pixels that are close to `rgb` (patterns and
// the changed ring cover the rest).
double fraction(const Shot& s, const nlohmann::json& r, unsigned rgb) {
    const double x0 = r["x0"], y0 = r["y0"], x1 = r["x1"], y1 = r["y1"];
    const int ax = int(x0 + (x1 - x0) * 0.2), bx = int(x1 - (x1 - x0) * 0.2);
    const int ay = int(y0 + (y1 - y0) * 0.2), by = int(y1 - (y1 - y0) * 0.2);
    int hit = 0, all = 0;
    for (int y = ay; y < by && y < s.h; ++y)
        for (int x = ax; x < bx && x < s.w; ++x, ++all) hit += near(s.at(x, y), rgb, 40);
    return all ? double(hit) / all : 0.0;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST(GuiPages, CowStatesInPagesAndTwoProcessesInFrames) {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xvfb-run";
    char tmpl[] = "/tmp/mmaplab-guipages-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::ofstream(dir + "/cow.mml") << mml_gui::kCowScript;
    const std::string cmd =
        "XDG_CONFIG_HOME='" + dir + "/config' MMAPLAB_LAYOUT_JSON='" + dir +
        "/layout.json' xvfb-run -a -s '-screen 0 1920x1080x24' '" MMAPLAB_APP "' --script '" + dir +
        "/cow.mml' --screenshot '" + dir + "/cow.png' >'" + dir + "/out.txt' 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir + "/out.txt");

    Shot s;
    int n = 0;
    s.px = stbi_load((dir + "/cow.png").c_str(), &s.w, &s.h, &n, 3);
    ASSERT_NE(s.px, nullptr);
    const auto layout = nlohmann::json::parse(slurp(dir + "/layout.json"));
    std::map<std::string, nlohmann::json> rects;
    for (const auto& r : layout["rects"]) rects[r["name"].get<std::string>()] = r;

    for (int i = 0; i < 16; ++i) {
        const std::string name = "pages.cell." + std::to_string(i);
        ASSERT_TRUE(rects.count(name)) << name << " not reported";
        const unsigned want = i == 3 ? kDirty : kShared;
        EXPECT_GT(fraction(s, rects[name], want), 0.35)
            << name << " is not " << (i == 3 ? "dirty" : "shared");
    }
    int columns = 0;
    for (const auto& [name, r] : rects) columns += name.rfind("frames.col.", 0) == 0;
    EXPECT_EQ(columns, 2) << "Frames should show parent and child";
    int frames = 0;
    for (const auto& [name, r] : rects) frames += name.rfind("frames.frame.", 0) == 0;
    if (geteuid() == 0)
        EXPECT_GE(frames, 13) << "16 shared frames (window may hide some) plus the copy";
    else
        EXPECT_EQ(frames, 0) << "without CAP_SYS_ADMIN there are no PFNs to draw frames from";
    std::system(("rm -rf '" + dir + "'").c_str());
}

} // namespace
