// The real `mmaplab run` killed mid-script (SIGKILL) or stopped (SIGTERM, SIGHUP as when the
// terminal closes, SIGINT): afterwards no lab process, no /dev/shm object and no lab dir is left.
#include "lab_util.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

using namespace labtest;

// Pids whose parent is `parent` (lab processes and the janitor are the app's children).
std::vector<int> children_of(int parent) {
    std::vector<int> out;
    DIR* d = opendir("/proc");
    if (d == nullptr) return out;
    while (dirent* e = readdir(d)) {
        int pid = std::atoi(e->d_name);
        if (pid > 0 && parent_of(pid) == parent) out.push_back(pid);
    }
    closedir(d);
    return out;
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return out;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    closedir(d);
    return out;
}

bool eventually(const std::function<bool()>& done, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        usleep(10000);
    }
    return true;
}

// Reads from `fd` until `text` appeared (or `ms` passed); returns all that was read.
std::string read_until(int fd, const std::string& text, int ms) {
    std::string got;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (got.find(text) == std::string::npos && std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

class AppHygiene : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mmaplab-apphyg-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        tmp = tmpl;
        shm = "/mmaplab-apphyg-" + std::to_string(getpid()) + "-" + std::to_string(GetParam());
        script = tmp + "/script.c";
        FILE* f = std::fopen(script.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fprintf(f,
                     "char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | "
                     "MAP_ANONYMOUS, -1, 0);\n"
                     "p[0] = 'A';\n"
                     "int fd = open(\"hygiene.txt\", O_RDWR | O_CREAT, 0600);\n"
                     "int s = shm_open(\"%s\", O_RDWR | O_CREAT, 0600);\n"
                     "pid_t child = fork();\n"
                     "sleep(600);\n",
                     shm.c_str());
        std::fclose(f);
    }
    void TearDown() override {
        if (app > 0) {
            ::kill(app, SIGKILL);
            waitpid(app, nullptr, 0);
        }
        shm_unlink(shm.c_str()); // only matters when the test failed
        unlink(script.c_str());
        unlink(err_path().c_str());
        rmdir(tmp.c_str());
    }
    std::string err_path() const { return tmp + ".stderr"; }

    // Starts `mmaplab run script` with TMPDIR=tmp; returns the read end of its stdout.
    int start_app() {
        int out[2];
        if (pipe2(out, O_CLOEXEC) != 0) return -1;
        app = fork();
        if (app == 0) {
            dup2(out[1], 1);
            int err = open(err_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(err, 2);
            setenv("TMPDIR", tmp.c_str(), 1);
            execl(MMAPLAB_APP, MMAPLAB_APP, "run", script.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        return out[0];
    }

    std::string tmp, shm, script;
    int app = 0;
};

TEST_P(AppHygiene, NothingIsLeftBehind) {
    const int sig = GetParam();
    int out = start_app();
    ASSERT_GE(out, 0);
    std::string printed = read_until(out, "pid_t child = fork();", 30000);
    ASSERT_NE(printed.find("pid_t child = fork();"), std::string::npos) << printed;
    // What the app made: lab processes (and its janitor), the lab dir with a file, the shm object.
    std::vector<int> kids = children_of(app);
    EXPECT_GE(kids.size(), 3u) << "main, child and the janitor";
    std::vector<std::string> dirs = entries(tmp);
    std::string lab_dir;
    for (const std::string& e : dirs)
        if (e.rfind("mmaplab-", 0) == 0) lab_dir = tmp + "/" + e;
    ASSERT_FALSE(lab_dir.empty());
    EXPECT_TRUE(exists(lab_dir + "/hygiene.txt"));
    EXPECT_TRUE(exists("/dev/shm" + shm));

    ASSERT_EQ(::kill(app, sig), 0);
    int st = 0;
    ASSERT_EQ(waitpid(app, &st, 0), app);
    app = 0;
    close(out);
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig) << "wait status " << st;
    if (sig != SIGKILL) {
        // The orderly path, not the janitor: ~Lab ran before mmaplab died of the signal.
        std::string err = read_text(err_path());
        EXPECT_NE(err.find(std::string("stopped by SIG") + sigabbrev_np(sig)), std::string::npos)
            << err;
        EXPECT_NE(err.find("lab processes ended, lab files removed"), std::string::npos) << err;
    }
    EXPECT_TRUE(eventually(
        [&] {
            for (int pid : kids)
                if (!is_dead(pid)) return false;
            return true;
        },
        5000))
        << "a lab process outlived the app";
    EXPECT_TRUE(eventually([&] { return !exists("/dev/shm" + shm); }, 5000));
    EXPECT_TRUE(eventually([&] { return !exists(lab_dir); }, 5000)) << lab_dir;
}

INSTANTIATE_TEST_SUITE_P(Signals, AppHygiene, ::testing::Values(SIGKILL, SIGTERM, SIGHUP, SIGINT),
                         [](const auto& info) {
                             return std::string("SIG") + sigabbrev_np(info.param);
                         });

} // namespace
