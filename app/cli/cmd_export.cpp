// `mmaplab export LESSON --out DIR`: checks the arguments, then renders in this process when
// there is a display; without one it starts a private Xvfb, runs itself again inside it and
// stops it at the end (nothing left behind, whatever happens to the export).
#include "cli/lesson_commands.hpp"

#include "lab_stop.hpp"
#include "lesson/lesson.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/core.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace mml::cli {

namespace {

bool on_path(const char* prog) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    size_t at = 0;
    while (at <= p.size()) {
        const size_t end = std::min(p.find(':', at), p.size());
        const std::string dir = p.substr(at, end - at);
        if (!dir.empty() && access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
        at = end + 1;
    }
    return false;
}

// A private X server of `w` x `h`, on a free display number it reports (-displayfd).
struct Xvfb {
    pid_t pid = -1;
    int pipe = -1; // kept open while it runs: a late write to a closed pipe would kill it
    std::string display;

    bool start(int w, int h, std::string* error) {
        int fds[2];
        if (::pipe(fds) != 0) return *error = std::strerror(errno), false;
        pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlives the export
            close(fds[0]);
            const std::string fd = std::to_string(fds[1]);
            const std::string screen = fmt::format("{}x{}x24", w, h);
            std::freopen("/dev/null", "w", stderr);
            execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", screen.c_str(),
                   "-nolisten", "tcp", "-noreset", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        pipe = fds[0];
        pollfd p{pipe, POLLIN, 0};
        char buf[16] = {};
        if (pid < 0 || poll(&p, 1, 20000) != 1 || read(pipe, buf, sizeof buf - 1) <= 0) {
            *error = "Xvfb did not start";
            return false;
        }
        display.assign(1, ':');
        display.append(buf, std::strcspn(buf, "\n"));
        return true;
    }
    ~Xvfb() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
        if (pipe >= 0) close(pipe);
    }
};

// Runs this executable again with the same arguments (now with DISPLAY set); waits for it,
// passing on a stop request. Returns its exit code.
int run_self(char** argv) {
    const pid_t child = fork();
    if (child == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int status = 0;
    bool told = false;
    while (waitpid(child, &status, WNOHANG) == 0) {
        if (stop::signal_received() && !told) {
            kill(child, SIGTERM); // it stops in order: lab processes and files go with it
            told = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

std::optional<int> cmd_export(const ExportArgs& a, GuiOptions& gui, char** argv) {
    const std::string file = lesson::find_lesson(lesson::lessons_dir(), a.lesson);
    if (file.empty()) {
        fmt::print(stderr, "mmaplab export: no lesson '{}' (mmaplab lesson list shows them)\n",
                   a.lesson);
        return 2;
    }
    int w = 0, h = 0;
    if (std::sscanf(a.size.c_str(), "%dx%d", &w, &h) != 2 || w < 640 || h < 480 || w > 7680 ||
        h > 4320) {
        fmt::print(stderr, "mmaplab export: --size must be WxH, from 640x480 to 7680x4320\n");
        return 2;
    }
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (ec) {
        fmt::print(stderr, "mmaplab export: cannot create {}: {}\n", a.out, ec.message());
        return 1;
    }
    gui.lesson = file;
    gui.export_dir = std::filesystem::absolute(a.out).string();
    gui.theme = a.theme;
    gui.export_questions = a.questions;
    gui.scale = a.scale;
    gui.width = w;
    gui.height = h;
    const char* display = std::getenv("DISPLAY");
    if (display && *display) return std::nullopt; // render in this process
    if (!on_path("Xvfb")) {
        fmt::print(stderr, "mmaplab export: there is no display (DISPLAY is unset) and no "
                           "Xvfb to make one.\nInstall it with: apt-get install xvfb xauth\n");
        return 1;
    }
    stop::install();
    int rc = 1;
    {
        Xvfb x;
        std::string err;
        if (!x.start(w, h, &err)) {
            fmt::print(stderr, "mmaplab export: {}\n", err);
            return 1;
        }
        setenv("DISPLAY", x.display.c_str(), 1);
        unsetenv("XAUTHORITY");
        fmt::print(stderr, "mmaplab export: no display; rendering on a private Xvfb ({})\n",
                   x.display);
        rc = run_self(argv);
    } // Xvfb stopped here
    stop::reraise();
    return rc;
}

} // namespace mml::cli
