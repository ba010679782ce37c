// Lab tests of leaving nothing behind: ~Lab cleanup, the janitor after the app is SIGKILLed,
// lab dir placement, thread safety of the process table, observer and error messages.
#include "lab_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

using mml::Op;
using namespace labtest;

namespace {

bool wait_until(const std::function<bool()>& done, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        usleep(5000);
    }
    return true;
}

// Reaps every child of this process (orphans come here while it is a subreaper); true when
// none is left within `ms`.
bool reap_all_children(int ms) {
    return wait_until(
        [] {
            while (waitpid(-1, nullptr, WNOHANG) > 0) {
            }
            return waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
        },
        ms);
}

TEST(LabHygiene, DestructorLeavesNothingBehind) {
    const std::string shm = "/mmaplab-hyg-" + std::to_string(getpid());
    std::string dir;
    std::vector<int> pids;
    {
        mml::Lab lab(options());
        dir = lab.dir();
        struct stat st {};
        ASSERT_EQ(stat(dir.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0700u);
        EXPECT_NE(dir.find("/mmaplab-"), std::string::npos);
        int a = lab.spawn("a"), b = lab.spawn("b");
        ASSERT_GT(a, 0);
        ASSERT_GT(b, 0);
        int c = static_cast<int>(lab.fork(a, "c").reply.ret);
        ASSERT_GT(c, 0);
        pids = {a, b, c};
        ASSERT_GE(lab.call(a, req(Op::Open, {u(O_RDWR | O_CREAT), 0600}, "f")).reply.ret, 0);
        ASSERT_GE(lab.call(b, req(Op::ShmOpen, {u(O_RDWR | O_CREAT), 0600}, shm)).reply.ret, 0);
        EXPECT_TRUE(exists(dir + "/f"));
        EXPECT_TRUE(exists("/dev/shm" + shm));
    }
    for (int pid : pids) {
        EXPECT_NE(::kill(pid, 0), 0) << pid; // reaped, not even a zombie
        EXPECT_EQ(errno, ESRCH);
    }
    EXPECT_FALSE(exists(dir));
    EXPECT_FALSE(exists("/dev/shm" + shm));
    errno = 0;
    EXPECT_LT(waitpid(-1, nullptr, WNOHANG), 0) << "janitor or lab process left unreaped";
    EXPECT_EQ(errno, ECHILD);
}

// Runs in a forked copy of the test binary: a Lab with a file, an shm object and a forked lab
// process; reports "dir\nshm\npid pid\n" on `out`, then waits to be killed.
[[noreturn]] void doomed_app(int out, const std::string& shm) {
    mml::Lab lab(options());
    int a = lab.spawn("a");
    int c = a > 0 ? static_cast<int>(lab.fork(a, "c").reply.ret) : 0;
    lab.call(a, req(Op::Open, {u(O_RDWR | O_CREAT), 0600}, "left.txt"));
    lab.call(c, req(Op::ShmOpen, {u(O_RDWR | O_CREAT), 0600}, shm));
    dprintf(out, "%s\n%d %d\n", lab.dir().c_str(), a, c);
    close(out);
    for (;;) pause();
}

TEST(LabHygiene, JanitorCleansUpAfterTheAppIsKilled) {
    const std::string shm = "/mmaplab-jan-" + std::to_string(getpid());
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); // orphans come back to us to be reaped
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t app = fork();
    ASSERT_GE(app, 0);
    if (app == 0) {
        close(fds[0]);
        doomed_app(fds[1], shm);
    }
    close(fds[1]);
    std::string report;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) report.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    char dir[256] = {};
    int a = 0, c = 0;
    ASSERT_EQ(std::sscanf(report.c_str(), "%255s %d %d", dir, &a, &c), 3) << report;
    ASSERT_GT(a, 0);
    ASSERT_GT(c, 0);
    EXPECT_TRUE(exists(std::string(dir) + "/left.txt"));
    EXPECT_TRUE(exists("/dev/shm" + shm));
    EXPECT_FALSE(is_dead(a));

    ASSERT_EQ(::kill(app, SIGKILL), 0);
    ASSERT_EQ(waitpid(app, nullptr, 0), app);
    const std::string d = dir;
    EXPECT_TRUE(wait_until(
        [&] { return is_dead(a) && is_dead(c) && !exists(d) && !exists("/dev/shm" + shm); }, 2000))
        << "a dead " << is_dead(a) << ", c dead " << is_dead(c) << ", dir " << exists(d) << ", shm "
        << exists("/dev/shm" + shm);
    EXPECT_TRUE(reap_all_children(2000)) << "the janitor did not exit";
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    shm_unlink(shm.c_str()); // only matters when the test failed
}

TEST(LabHygiene, GivenLabDirIsKeptButItsCreatedFilesGo) {
    char tmpl[] = "/tmp/mmaplab-given-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string given = tmpl;
    {
        mml::LabOptions o = options();
        o.lab_dir = given;
        mml::Lab lab(o);
        EXPECT_EQ(lab.dir(), given);
        EXPECT_EQ(lab.resolve_path("x"), given + "/x");
        EXPECT_EQ(lab.resolve_path("/etc/hostname"), "/etc/hostname");
        int a = lab.spawn("a");
        ASSERT_GT(a, 0);
        ASSERT_GE(lab.call(a, req(Op::Open, {u(O_RDWR | O_CREAT), 0600}, "x")).reply.ret, 0);
        EXPECT_TRUE(exists(given + "/x"));
    }
    EXPECT_TRUE(exists(given));
    EXPECT_FALSE(exists(given + "/x"));
    rmdir(given.c_str());
}

TEST(LabHygiene, TmpdirIsHonoured) {
    char tmpl[] = "/tmp/mmaplab-tmpdir-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const char* old = getenv("TMPDIR");
    std::string saved = old != nullptr ? old : "";
    setenv("TMPDIR", tmpl, 1);
    std::string dir;
    {
        mml::Lab lab(options());
        dir = lab.dir();
    }
    if (old != nullptr)
        setenv("TMPDIR", saved.c_str(), 1);
    else
        unsetenv("TMPDIR");
    EXPECT_EQ(dir.rfind(std::string(tmpl) + "/mmaplab-", 0), 0u) << dir;
    EXPECT_FALSE(exists(dir));
    rmdir(tmpl);
}

TEST(LabHygiene, BadSubjectPathIsAPlainError) {
    mml::LabOptions o = options();
    o.subject_path = "/nonexistent/mmaplab-subject";
    mml::Lab lab(o);
    std::string err;
    EXPECT_EQ(lab.spawn("a", &err), 0);
    EXPECT_NE(err.find("/nonexistent/mmaplab-subject"), std::string::npos) << err;
    EXPECT_TRUE(lab.processes().empty());
}

TEST(LabHygiene, ProcessTableIsSafeAgainstASamplerThread) {
    mml::Lab lab(options());
    std::atomic<int> observed{0};
    lab.set_observer([&] { observed.fetch_add(1); });
    int a = lab.spawn("a");
    ASSERT_GT(a, 0);
    std::atomic<bool> stop{false};
    std::atomic<long> reads{0};
    std::thread sampler([&] {
        while (!stop.load()) {
            for (int pid : lab.live_pids()) (void)lab.alive(pid);
            reads += static_cast<long>(lab.processes().size());
            lab.reap();
        }
    });
    uint64_t before = lab.action_count();
    for (int i = 0; i < 20; ++i) {
        int c = static_cast<int>(lab.fork(a, "c").reply.ret);
        ASSERT_GT(c, 0);
        EXPECT_EQ(lab.call(c, req(Op::Ping)).reply.ret, c);
        if (i % 2 == 0)
            EXPECT_TRUE(lab.kill(c, SIGKILL));
        else
            EXPECT_TRUE(lab.call(c, req(Op::Exit, {3})).died);
    }
    stop = true;
    sampler.join();
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(lab.action_count() - before, 50u); // 20 forks, 20 pings, 10 exits
    EXPECT_GE(observed.load(), 51);              // every request, the spawn and the kills
    EXPECT_EQ(lab.live_pids(), std::vector<int>{a});
    EXPECT_EQ(lab.processes().size(), 21u);
}

} // namespace
