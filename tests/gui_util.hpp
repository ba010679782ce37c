// Helpers of the GUI tests: a private Xvfb for the whole test binary, running the app with
// arguments, and reading back the PNGs it saves.
#pragma once

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

namespace mml_gui {

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

// The copy-on-write sequence the GUI tests run through the app's own action path.
inline const char* const kCowScript =
    "char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "memset(p, 'A', 16 * 4096);\n"
    "pid_t child = fork();\n"
    "@child: p[3 * 4096] = 'B';\n";

inline std::string temp_dir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/mmaplab-gui-XXXXXX";
    return mkdtemp(tmpl.data()) ? tmpl : std::string();
}

inline std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// Runs the app (`app`, default the build's) with `args` (stdout to `out`), in a fresh config
// dir; returns the exit status.
inline int run_app(const std::string& dir, const std::vector<std::string>& args,
                   const std::string& out, int timeout_s = 120,
                   const std::string& app = MMAPLAB_APP) {
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
        setenv("MMAPLAB_LAYOUT_JSON", (dir + "/layout.json").c_str(), 1);
        freopen(out.c_str(), "w", stdout);
        std::vector<char*> argv{const_cast<char*>(app.c_str())};
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(app.c_str(), argv.data());
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

inline Image load_png(const std::string& path) {
    Image im;
    int n = 0;
    unsigned char* d = stbi_load(path.c_str(), &im.w, &im.h, &n, 3);
    if (d) im.px.assign(d, d + static_cast<size_t>(im.w) * im.h * 3);
    stbi_image_free(d);
    return im;
}

inline size_t distinct_colours(const Image& im) {
    std::set<unsigned> seen;
    for (size_t i = 0; i + 2 < im.px.size(); i += 3)
        seen.insert(im.px[i] << 16 | im.px[i + 1] << 8 | im.px[i + 2]);
    return seen.size();
}

} // namespace mml_gui
