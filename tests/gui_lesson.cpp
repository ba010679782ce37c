// GUI tests of guided mode: `mmaplab export` of the fork/copy-on-write lesson (one PNG per step,
// all the same size, not blank; the HTML handout self-contained), `lesson open` showing the
// Lesson panel, and presenter mode.
#include "gui_util.hpp"

#include <filesystem>

namespace {

using namespace mml_gui;

class GuiLesson : public ::testing::Test {
protected:
    void SetUp() override {
        if (!XvfbEnv::ok()) GTEST_SKIP() << "Xvfb could not be started";
        dir_ = temp_dir();
        ASSERT_FALSE(dir_.empty());
    }
    void TearDown() override {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    // Runs the app with `args` plus --screenshot, checks the PNG is not blank, and returns it
    // in `im` and the panel rectangles it reported (layout.json) in `layout`.
    void shoot(std::vector<std::string> args, Image& im, std::string& layout) {
        const std::string png = dir_ + "/shot.png", log = dir_ + "/log.txt";
        args.insert(args.end(), {"--screenshot", png});
        ASSERT_EQ(run_app(dir_, args, log), 0) << read_file(log);
        im = load_png(png);
        ASSERT_FALSE(im.px.empty());
        EXPECT_GT(distinct_colours(im), 200u);
        layout = read_file(dir_ + "/layout.json");
    }
    std::string dir_;
};

TEST_F(GuiLesson, ExportForkCow) {
    const std::string out = dir_ + "/out", log = dir_ + "/log.txt";
    ASSERT_EQ(run_app(dir_, {"export", "06", "--out", out}, log), 0) << read_file(log);
    const char* titles[] = {"Four written pages in the parent", "fork", "The child writes page 3",
                            "Who pays: Pss"};
    int w = 0, h = 0;
    for (int i = 1; i <= 4; ++i) {
        const std::string png = out + "/06-fork-cow-step0" + std::to_string(i) + ".png";
        const Image im = load_png(png);
        ASSERT_FALSE(im.px.empty()) << "no PNG at " << png;
        if (i == 1) {
            w = im.w;
            h = im.h;
        }
        EXPECT_EQ(im.w, w) << png;
        EXPECT_EQ(im.h, h) << png;
        EXPECT_GT(distinct_colours(im), 200u) << png << " looks blank";
    }
    EXPECT_EQ(w, 1920);
    EXPECT_EQ(h, 1080);
    EXPECT_FALSE(std::filesystem::exists(out + "/06-fork-cow-step05.png"));
    const std::string html = read_file(out + "/06-fork-cow.html");
    const std::string md = read_file(out + "/06-fork-cow.md");
    for (const char* t : titles) {
        EXPECT_NE(html.find(t), std::string::npos) << t;
        EXPECT_NE(md.find(t), std::string::npos) << t;
    }
    size_t images = 0;
    for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos;
         at = html.find("data:image/png;base64,", at + 1))
        ++images;
    EXPECT_EQ(images, 4u);
    EXPECT_EQ(html.find("src=\"06-"), std::string::npos) << "the HTML must not link files";
    EXPECT_NE(html.find("The kernel's answer"), std::string::npos);
}

TEST_F(GuiLesson, LessonOpenShowsTheLessonPanel) {
    Image im;
    std::string layout;
    ASSERT_NO_FATAL_FAILURE(shoot({"lesson", "open", "01", "--frames", "2000"}, im, layout));
    EXPECT_NE(layout.find("panel.lesson"), std::string::npos) << layout;
    EXPECT_EQ(layout.find("panel.actions"), std::string::npos) << "the lesson takes its place";
}

TEST_F(GuiLesson, PresenterMode) {
    Image im;
    std::string layout;
    ASSERT_NO_FATAL_FAILURE(shoot({"--presenter", "lesson", "open", "06"}, im, layout));
    EXPECT_NE(layout.find("panel.lesson"), std::string::npos) << layout;
    // Only the lesson's panels: step 1 of lesson 06 shows pages and frames.
    EXPECT_NE(layout.find("panel.pages"), std::string::npos) << layout;
    EXPECT_EQ(layout.find("panel.events"), std::string::npos) << layout;
    EXPECT_EQ(layout.find("panel.actions"), std::string::npos) << layout;
    EXPECT_NE(layout.find("\"scale\": 2"), std::string::npos) << layout;
    // Light theme: the top-left corner (menu bar) is light.
    EXPECT_GT(im.px[0], 200);
}

} // namespace
