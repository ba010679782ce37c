// GUI smoke tests: the real app under a private Xvfb runs the copy-on-write sequence through
// its own action path (--script), saves screenshots, and the PNGs are checked (size, not blank)
// together with the panel rectangles it reports (MMAPLAB_LAYOUT_JSON).
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <poll.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

const char* const kCowScript =
    "char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "memset(p, 'A', 16 * 4096);\n"
    "pid_t child = fork();\n"
    "@child: p[3 * 4096] = 'B';\n";

// A private X server (1920x1080, no TCP, no auth, no reset between clients) for the whole test
// binary; it reports its display number on a pipe (-displayfd), kept open while it runs.
class XvfbEnv : public ::testing::Environment {
public:
    void SetUp() override {
        int fds[2];
        if (pipe(fds) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            close(fds[0]);
            const std::string fd = std::to_string(fds[1]);
            execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1920x1080x24",
                   "-nolisten", "tcp", "-noreset", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        pollfd p{fds[0], POLLIN, 0};
        char buf[16] = {};
        if (pid_ > 0 && poll(&p, 1, 20000) == 1 && read(fds[0], buf, sizeof buf - 1) > 0) {
            std::string display = ":";
            display.append(buf, strcspn(buf, "\n"));
            setenv("DISPLAY", display.c_str(), 1);
            unsetenv("XAUTHORITY");
            ok_ = true;
        }
        pipe_ = fds[0]; // kept open: a later write by Xvfb to a closed pipe would kill it
    }
    void TearDown() override {
        if (pipe_ >= 0) close(pipe_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    static bool ok() { return ok_; }

private:
    pid_t pid_ = -1;
    int pipe_ = -1;
    static inline bool ok_ = false;
};

const auto* const kXvfb = ::testing::AddGlobalTestEnvironment(new XvfbEnv);

std::string temp_dir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/mmaplab-gui-XXXXXX";
    return mkdtemp(tmpl.data()) ? tmpl : std::string();
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// Runs the app with `args` (stdout to `out`), in a fresh config dir; returns the exit status.
int run_app(const std::string& dir, const std::vector<std::string>& args, const std::string& out,
            int timeout_s = 120) {
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
        setenv("MMAPLAB_LAYOUT_JSON", (dir + "/layout.json").c_str(), 1);
        freopen(out.c_str(), "w", stdout);
        std::vector<char*> argv{const_cast<char*>(MMAPLAB_APP)};
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(MMAPLAB_APP, argv.data());
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Image {
    int w = 0, h = 0;
    std::vector<unsigned char> px; // RGB
};

Image load_png(const std::string& path) {
    Image im;
    int n = 0;
    unsigned char* d = stbi_load(path.c_str(), &im.w, &im.h, &n, 3);
    if (d) im.px.assign(d, d + static_cast<size_t>(im.w) * im.h * 3);
    stbi_image_free(d);
    return im;
}

size_t distinct_colours(const Image& im) {
    std::set<unsigned> seen;
    for (size_t i = 0; i + 2 < im.px.size(); i += 3)
        seen.insert(im.px[i] << 16 | im.px[i + 1] << 8 | im.px[i + 2]);
    return seen.size();
}

class GuiTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!XvfbEnv::ok()) GTEST_SKIP() << "Xvfb could not be started";
        dir_ = temp_dir();
        ASSERT_FALSE(dir_.empty());
        std::ofstream(dir_ + "/cow.mml") << kCowScript;
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

} // namespace
