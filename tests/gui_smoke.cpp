// GUI smoke tests: the real app under a private Xvfb runs the copy-on-write sequence through
// its own action path (--script), saves screenshots, and the PNGs are checked (size, not blank)
// together with the panel rectangles it reports (MMAPLAB_LAYOUT_JSON).
#include "gui_util.hpp"
#include <filesystem>

namespace {

using namespace mml_gui;

const auto* const kXvfb = ::testing::AddGlobalTestEnvironment(new XvfbEnv);

class GuiTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!XvfbEnv::ok()) GTEST_SKIP() << "Xvfb could not be started";
        dir_ = temp_dir();
        ASSERT_FALSE(dir_.empty());
        std::ofstream(dir_ + "/cow.mml") << kCowScript;
    }
    void TearDown() override { // nothing left behind in /tmp
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::string dir_;
};

TEST_F(GuiTest, CopyOnWriteScreenshot) {
    const std::string png = dir_ + "/cow.png", out = dir_ + "/out.txt";
    ASSERT_EQ(run_app(dir_, {"--script", dir_ + "/cow.mml", "--screenshot", png}, out), 0)
        << read_file(out);
    const std::string log = read_file(out);
    EXPECT_EQ(log.find("error:"), std::string::npos) << log;
    EXPECT_NE(log.find("fork()"), std::string::npos) << log;
    const Image im = load_png(png);
    ASSERT_FALSE(im.px.empty()) << "no PNG at " << png;
    EXPECT_EQ(im.w, 1920);
    EXPECT_EQ(im.h, 1080);
    EXPECT_GT(distinct_colours(im), 200u) << "the screenshot looks blank";

    const std::string layout = read_file(dir_ + "/layout.json");
    for (const char* panel : {"panel.processes", "panel.actions", "panel.pages", "panel.frames",
                              "panel.mappings", "panel.events", "panel.counters"})
        EXPECT_NE(layout.find(panel), std::string::npos) << panel << " missing in\n" << layout;
}

TEST_F(GuiTest, ScreenshotAt2x) {
    const std::string png = dir_ + "/cow@2x.png", out = dir_ + "/out.txt";
    ASSERT_EQ(run_app(dir_, {"--script", dir_ + "/cow.mml", "--screenshot", png}, out), 0)
        << read_file(out);
    const Image im = load_png(png);
    ASSERT_FALSE(im.px.empty());
    EXPECT_EQ(im.w, 3840);
    EXPECT_EQ(im.h, 2160);
    EXPECT_GT(distinct_colours(im), 200u);
}

TEST_F(GuiTest, QuitsAfterFrames) {
    EXPECT_EQ(run_app(dir_, {"--frames", "30"}, dir_ + "/out.txt", 60), 0);
}

// A broken install (no mmaplab-subject beside mmaplab): the window still opens, and Events says
// why there is no lab process (it printed nothing before: the panels only said none was there).
TEST_F(GuiTest, MissingSubjectIsExplained) {
    const std::string app = dir_ + "/mmaplab", out = dir_ + "/out.txt";
    std::filesystem::copy_file(MMAPLAB_APP, app);
    EXPECT_EQ(run_app(dir_, {"--frames", "30", "--screenshot", dir_ + "/s.png"}, out, 60, app), 0);
    const std::string log = read_file(out); // the scripted run's transcript of Events
    EXPECT_NE(log.find("error: > /* start the first lab process */"), std::string::npos) << log;
    EXPECT_NE(log.find("mmaplab-subject"), std::string::npos) << log;
}

} // namespace
