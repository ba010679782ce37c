// The frame canvas draws only what changed (app/render/canvas.hpp). Here the real app runs
// the copy-on-write sequence with MMAPLAB_CANVAS_CHECK set (dark, light, and dark with the
// mouse moving over the page grid): every frame it draws in part is drawn once more in full
// and the two images are compared pixel for pixel. Any damage the tracker misses shows up as
// a differing frame.
#include "gui_util.hpp"

#include <filesystem>
#include <regex>

namespace {

using namespace mml_gui;

// The binary's one Xvfb is registered in gui_smoke.cpp.

// Copy-on-write, then changes that reshape the pictures, then one-byte writes that change a
// cell and a few numbers (frames drawn in part: idle frames are not drawn at all).
const char* const kMore = "mprotect(p, 4 * 4096, PROT_READ);\n"
                          "munmap(p + 8 * 4096, 4 * 4096);\n"
                          "@child: madvise(p, 16 * 4096, MADV_DONTNEED);\n"
                          "p[5 * 4096] = 'C';\n"
                          "p[6 * 4096] = 'D';\n"
                          "p[7 * 4096] = 'E';\n"
                          "@child: p[13 * 4096] = 'F';\n"
                          "@child: p[14 * 4096] = 'G';\n"
                          "@child: p[15 * 4096] = 'H';\n";

// The numbers of the first line of `log` matching `pattern` (its groups), or none.
std::vector<unsigned long long> numbers(const std::string& log, const char* pattern) {
    std::smatch m;
    std::vector<unsigned long long> out;
    if (std::regex_search(log, m, std::regex(pattern)))
        for (size_t k = 1; k < m.size(); ++k) out.push_back(std::stoull(m[k]));
    return out;
}

struct CheckLine {
    unsigned long long frames = 0, differed = 0, max_pixels = 0, unchanged = 0;
    bool found = false;
};

CheckLine parse(const std::string& log) {
    const auto n = numbers(
        log, "canvas check: frames=(\\d+) differed=(\\d+) max_pixels=(\\d+) unchanged=(\\d+)");
    if (n.size() != 4) return {};
    return {n[0], n[1], n[2], n[3], true};
}

// The window's own pixels after partial presents (render/present.hpp), against the back buffer.
struct PresentLine {
    bool found = false, partial = false;
    unsigned long long frames = 0, differed = 0, max_pixels = 0;
};

PresentLine parse_present(const std::string& log) {
    const auto n = numbers(
        log, "present check: partial=(\\d) frames=(\\d+) differed=(\\d+) max_pixels=(\\d+)");
    if (n.size() != 4) return {};
    return {true, n[0] == 1, n[1], n[2], n[3]};
}

class CanvasTest : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!XvfbEnv::ok()) GTEST_SKIP() << "Xvfb could not be started";
        dir_ = temp_dir();
        ASSERT_FALSE(dir_.empty());
        std::ofstream(dir_ + "/script.mml") << kCowScript << kMore;
    }
    void TearDown() override {
        unsetenv("MMAPLAB_CANVAS_CHECK");
        unsetenv("MMAPLAB_TEST_HOVER");
        unsetenv("MMAPLAB_TEST_RESIZE");
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::string dir_;
};

TEST_P(CanvasTest, PartialFramesEqualFullRedraws) {
    const std::string out = dir_ + "/out.txt";
    setenv("MMAPLAB_CANVAS_CHECK", "1", 1);
    const std::string mode = GetParam();
    // "hover": the mouse moves over the Pages grid every frame (a cell ring and a tooltip).
    if (mode == "hover") setenv("MMAPLAB_TEST_HOVER", "1", 1);
    // "resize": the window shrinks at frame 60 and grows back at frame 120.
    if (mode == "resize") setenv("MMAPLAB_TEST_RESIZE", "1", 1);
    const char* theme = mode == "light" ? "light" : "dark";
    ASSERT_EQ(
        run_app(dir_, {"--script", dir_ + "/script.mml", "--theme", theme, "--frames", "240"}, out),
        0)
        << read_file(out);
    const std::string log = read_file(out);
    EXPECT_EQ(log.find("error:"), std::string::npos) << log;
    const CheckLine c = parse(log);
    ASSERT_TRUE(c.found) << log;
    // The script's frames are drawn in part; once it is done, nothing changes and the frames
    // are not presented at all (Canvas::render returns false) — except with the mouse moving.
    if (mode == "hover") {
        EXPECT_GE(c.frames, 100u) << "too few frames were drawn in part to compare";
    } else {
        // The script's statements run faster than frames: its changes land in 4-8 frames
        // drawn in part (the volume comes from the hover mode).
        EXPECT_GE(c.frames, 2u) << "too few frames were drawn in part to compare";
        // Unloaded, ~225 of the 240 frames change nothing. Every new snapshot (10 a second)
        // changes the status bar, so when a loaded machine (parallel tests) makes frames take
        // ~100 ms, most frames have something new: 34-79 unchanged were seen. Something that
        // changed every frame by itself would leave none.
        EXPECT_GE(c.unchanged, 20u) << "idle frames were presented again";
    }
    EXPECT_EQ(c.differed, 0u) << c.frames << " frames compared; the worst differed in "
                              << c.max_pixels << " pixels";
    // llvmpipe under Xvfb offers GLX_MESA_copy_sub_buffer: only the drawn rectangles reach the
    // window, and together they must leave it showing exactly the frame drawn.
    const PresentLine p = parse_present(log);
    ASSERT_TRUE(p.found) << log;
    EXPECT_TRUE(p.partial) << "llvmpipe presents in part";
    EXPECT_GE(p.frames, c.frames) << "every frame presented in part is read back";
    EXPECT_EQ(p.differed, 0u) << p.frames << " windows read back; the worst differed in "
                              << p.max_pixels << " pixels";
}

INSTANTIATE_TEST_SUITE_P(Modes, CanvasTest, ::testing::Values("dark", "light", "hover", "resize"));

} // namespace
