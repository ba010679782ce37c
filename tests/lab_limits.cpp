// Lab tests of the limits and the file policy (LabLimits, allow_outside_writes), a lab process
// killed in the middle of a request, an orderly stop, and inspect of processes we cannot read.
#include "lab_guard.hpp"
#include "lab_stop.hpp"
#include "lab_util.hpp"
#include "procfs.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

using mml::Op;
using namespace labtest;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class LabLimits : public ::testing::Test {
protected:
    void SetUp() override {
        pid = lab.spawn("main");
        ASSERT_GT(pid, 0);
    }
    mml::Outcome call(const mml::Request& r) { return lab.call(pid, r); }
    uint64_t map(uint64_t len, int prot, int flags) {
        mml::Outcome o = call(mmap_req(0, len, prot, flags));
        EXPECT_TRUE(o.delivered) << o.error;
        return static_cast<uint64_t>(o.reply.ret);
    }
    void still_serves() {
        mml::Outcome o = call(req(Op::Ping));
        EXPECT_TRUE(o.delivered) << o.error;
        EXPECT_EQ(o.reply.ret, pid);
    }

    mml::Lab lab{options()};
    int pid = 0;
};

TEST_F(LabLimits, RamShareIsAdjustable) {
    const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    mml::LabLimits l = lab.limits();
    l.ram_share = 1e-9; // a few bytes of MemAvailable
    lab.set_limits(l);
    mml::Outcome o = call(mmap_req(0, 64 * page(), PROT_READ | PROT_WRITE, anon | MAP_POPULATE));
    EXPECT_TRUE(o.refused);
    EXPECT_FALSE(o.delivered);
    EXPECT_TRUE(has(o.error, "refused: MAP_POPULATE of 256 KiB would need 256 KiB of RAM, more "
                             "than the 0% of the"))
        << o.error;
    // Lazy memory is still fine, and writing over it is what gets checked.
    uint64_t a = map(64 * page(), PROT_READ | PROT_WRITE, anon);
    o = call(req(Op::Fill, {a, 64 * page(), 'x'}));
    EXPECT_TRUE(o.refused);
    EXPECT_TRUE(has(o.error, "refused: memset of 256 KiB")) << o.error;
    l.ram_share = 0.5;
    lab.set_limits(l);
    o = call(req(Op::Fill, {a, 64 * page(), 'x'}));
    EXPECT_TRUE(o.delivered) << o.error;
    EXPECT_EQ(o.reply.ret, static_cast<int64_t>(64 * page()));
}

TEST_F(LabLimits, GrowingLockedMemoryIsChecked) {
    const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    uint64_t plain = map(4 * page(), PROT_READ | PROT_WRITE, anon);
    const uint64_t huge = uint64_t{100} << 40;
    // Not locked: mremap reserves lazily, the kernel decides (ENOMEM here, no refusal).
    mml::Outcome o = call(req(Op::Mremap, {plain, 4 * page(), huge, u(MREMAP_MAYMOVE)}));
    EXPECT_FALSE(o.refused) << o.error;
    mml::Outcome l = call(mmap_req(0, 4 * page(), PROT_READ | PROT_WRITE, anon | MAP_LOCKED));
    if (l.reply.ret == -1) GTEST_SKIP() << "MAP_LOCKED not allowed here (RLIMIT_MEMLOCK)";
    const auto locked = static_cast<uint64_t>(l.reply.ret);
    o = call(req(Op::Mremap, {locked, 4 * page(), huge, u(MREMAP_MAYMOVE)}));
    EXPECT_TRUE(o.refused);
    EXPECT_TRUE(has(o.error, "refused: mremap growing locked memory of 100 TiB")) << o.error;
    still_serves();
}

TEST_F(LabLimits, MappingsStopWellBeforeTheKernelLimit) {
    mml::LabLimits l = lab.limits();
    l.max_mappings = 40;
    lab.set_limits(l);
    std::string refusal;
    std::vector<uint64_t> maps;
    for (int i = 0; i < 100 && refusal.empty(); ++i) {
        // Alternate protections so neighbours never merge into one VMA.
        int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        mml::Outcome o = call(mmap_req(0, page(), prot, MAP_PRIVATE | MAP_ANONYMOUS));
        if (o.refused)
            refusal = o.error;
        else
            maps.push_back(static_cast<uint64_t>(o.reply.ret));
    }
    EXPECT_TRUE(has(refusal, "mmaplab stops at 40 per process, well before the kernel's "
                             "vm.max_map_count"))
        << refusal;
    EXPECT_LE(mml::guard::count_mappings(pid), 40);
    ASSERT_FALSE(maps.empty());
    // munmap is how to get below the limit again; it is never refused.
    for (int i = 0; i < 4; ++i) EXPECT_EQ(call(req(Op::Munmap, {maps[i], page()})).reply.ret, 0);
    EXPECT_TRUE(call(mmap_req(0, page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS)).delivered);
}

TEST_F(LabLimits, LabFileSizeAndFreeDisk) {
    mml::LabLimits l = lab.limits();
    l.max_file_bytes = 1 << 20;
    lab.set_limits(l);
    int fd = static_cast<int>(call(req(Op::Open, {u(O_RDWR | O_CREAT), 0600}, "f")).reply.ret);
    ASSERT_GE(fd, 0);
    mml::Outcome o = call(req(Op::Ftruncate, {u(fd), 2 << 20}));
    EXPECT_TRUE(o.refused);
    EXPECT_EQ(o.error, "refused: ftruncate to 2 MiB would make the file 2 MiB; lab files are "
                       "limited to 1 MiB (raise it in Preferences)");
    EXPECT_EQ(call(req(Op::Ftruncate, {u(fd), 512 << 10})).reply.ret, 0);
    l.disk_share = 1e-15;
    lab.set_limits(l);
    o = call(req(Op::Ftruncate, {u(fd), 1 << 20}));
    EXPECT_TRUE(has(o.error, "would grow the file by 512 KiB and only")) << o.error;
    EXPECT_EQ(call(req(Op::Ftruncate, {u(fd), 4096})).reply.ret, 0); // shrinking is fine
    still_serves();
}

TEST_F(LabLimits, WritesOutsideTheLabNeedTheFlag) {
    char tmpl[] = "/tmp/mmaplab-outside-XXXXXX";
    int own = mkstemp(tmpl);
    ASSERT_GE(own, 0);
    ASSERT_EQ(write(own, "outside\n", 8), 8);
    close(own);
    const std::string path = tmpl;
    EXPECT_FALSE(lab.allow_outside_writes());
    mml::Outcome o = call(req(Op::Open, {u(O_RDWR), 0}, path));
    EXPECT_TRUE(o.refused);
    EXPECT_TRUE(has(o.error, "is outside the lab directory " + lab.dir())) << o.error;
    EXPECT_TRUE(has(o.error, "--allow-writes-outside-lab"));
    EXPECT_TRUE(call(req(Op::Unlink, {}, path)).refused);
    EXPECT_GE(call(req(Op::Open, {u(O_RDONLY), 0}, path)).reply.ret, 0); // reading is fine

    lab.set_allow_outside_writes(true);
    int fd = static_cast<int>(call(req(Op::Open, {u(O_RDWR), 0}, path)).reply.ret);
    ASSERT_GE(fd, 0);
    // A writable MAP_SHARED mapping of it: the write reaches the file.
    uint64_t a = static_cast<uint64_t>(
        call(mmap_req(0, page(), PROT_READ | PROT_WRITE, MAP_SHARED, fd)).reply.ret);
    ASSERT_NE(a, u(-1));
    EXPECT_EQ(call(store_req(a, "OUT")).reply.ret, 3);
    EXPECT_EQ(call(req(Op::Msync, {a, page(), u(MS_SYNC)})).reply.ret, 0);
    EXPECT_EQ(read_text(path), "OUTside\n");
    // /proc, /sys and /dev stay read-only whatever the flag says.
    o = call(req(Op::Open, {u(O_RDWR), 0}, "/proc/self/mem"));
    EXPECT_TRUE(o.refused);
    EXPECT_TRUE(has(o.error, "never opens for writing")) << o.error;
    EXPECT_EQ(call(req(Op::Unlink, {}, path)).reply.ret, 0);
    EXPECT_FALSE(exists(path));
}

TEST_F(LabLimits, ForeignShmObjectsAreReadOnly) {
    const std::string name = "/mmaplab-foreign-" + std::to_string(getpid());
    int own = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(own, 0);
    close(own);
    mml::Outcome o = call(req(Op::ShmOpen, {u(O_RDWR), 0}, name));
    EXPECT_TRUE(o.refused);
    EXPECT_TRUE(has(o.error, "was not created by this lab")) << o.error;
    EXPECT_TRUE(call(req(Op::ShmOpen, {u(O_RDWR | O_CREAT), 0600}, name)).refused);
    EXPECT_TRUE(call(req(Op::ShmUnlink, {}, name)).refused);
    EXPECT_GE(call(req(Op::ShmOpen, {u(O_RDONLY), 0}, name)).reply.ret, 0);
    EXPECT_EQ(call(req(Op::ShmOpen, {u(O_RDWR | O_CREAT | O_EXCL), 0600}, name)).reply.err, EEXIST);
    lab.set_allow_outside_writes(true);
    EXPECT_GE(call(req(Op::ShmOpen, {u(O_RDWR), 0}, name)).reply.ret, 0);
    EXPECT_EQ(call(req(Op::ShmUnlink, {}, name)).reply.ret, 0);
    EXPECT_FALSE(exists("/dev/shm" + name));
}

TEST(LabDir, MustBePrivate) {
    char tmpl[] = "/tmp/mmaplab-open-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    ASSERT_EQ(chmod(tmpl, 0755), 0);
    {
        mml::LabOptions o = options();
        o.lab_dir = tmpl;
        mml::Lab lab(o);
        EXPECT_TRUE(has(lab.init_error(), "is not private: others may enter it (it must be mode "
                                          "0700)"))
            << lab.init_error();
        std::string err;
        EXPECT_EQ(lab.spawn("a", &err), 0);
        EXPECT_EQ(err, lab.init_error());
    }
    EXPECT_EQ(rmdir(tmpl), 0);
}

// A lab process killed by someone else while it serves a long request (a big memset).
TEST_F(LabLimits, ProcessKilledInTheMiddleOfARequest) {
    const uint64_t len = std::min<uint64_t>(uint64_t{1} << 30, mml::guard::mem_available() / 8);
    uint64_t a = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    auto faults = [&] {
        mml::Process p;
        std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
        uint64_t minflt = 0, majflt = 0;
        mml::procfs::parse_stat(stat, minflt, majflt);
        return minflt;
    };
    const uint64_t before = faults();
    std::atomic<bool> killed{false};
    std::thread killer([&] {
        // Kill once the memset is well under way (a few hundred pages in).
        for (int i = 0; i < 20000 && faults() < before + 256; ++i) usleep(100);
        killed = ::kill(pid, SIGKILL) == 0;
    });
    mml::Outcome o = call(req(Op::Fill, {a, len, 0x5a}));
    killer.join();
    ASSERT_TRUE(killed);
    EXPECT_TRUE(o.died) << o.error;
    EXPECT_TRUE(WIFSIGNALED(o.wait_status) && WTERMSIG(o.wait_status) == SIGKILL);
    EXPECT_FALSE(lab.alive(pid));
    EXPECT_TRUE(has(call(req(Op::Ping)).error, "has exited"));
    int next = lab.spawn("next");
    ASSERT_GT(next, 0);
    EXPECT_EQ(lab.call(next, req(Op::Ping)).reply.ret, next);
}

// SIGTERM/SIGINT/SIGHUP while a request runs: the Lab stops waiting, ends that process and
// takes no more requests (the caller then returns and ~Lab cleans up).
TEST_F(LabLimits, OrderlyStopEndsAWaitingRequest) {
    const uint64_t len = std::min<uint64_t>(uint64_t{1} << 30, mml::guard::mem_available() / 8);
    uint64_t a = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    std::thread signaller([] {
        usleep(20000);
        mml::stop::request(SIGTERM);
    });
    // Repeat the memset until the stop lands in one (each takes a while).
    mml::Outcome o;
    for (int i = 0; i < 50 && !o.died; ++i) o = call(req(Op::Fill, {a, len, u(i)}));
    signaller.join();
    EXPECT_TRUE(o.died);
    EXPECT_TRUE(has(lab.call(pid, req(Op::Ping)).error, "has exited"));
    std::string err;
    EXPECT_EQ(lab.spawn("x", &err), 0);
    EXPECT_EQ(err, "mmaplab is stopping (SIGTERM received); no more requests");
    mml::stop::request(0);
    EXPECT_GT(lab.spawn("y"), 0);
}

TEST(Inspect, NoSuchProcess) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    ASSERT_GT(child, 0);
    waitpid(child, nullptr, 0); // its pid is free now (and not reused this soon)
    mml::Process p;
    EXPECT_FALSE(mml::procfs::read_process(child, {}, p));
    EXPECT_EQ(p.error, "no process " + std::to_string(child) + " (it does not exist or exited)");
}

TEST(Inspect, ProcessExitingWhileBeingRead) {
    // Many short-lived processes read while they exit: every read either works or says why.
    int failures = 0, mislabelled = 0;
    for (int i = 0; i < 40; ++i) {
        pid_t child = fork();
        if (child == 0) {
            usleep(static_cast<useconds_t>(i * 50));
            _exit(0);
        }
        ASSERT_GT(child, 0);
        mml::Process p;
        for (int k = 0; k < 50; ++k) {
            if (mml::procfs::read_process(child, {}, p)) continue;
            ++failures;
            // Without root, an exiting process's pagemap answers EACCES (its mm is gone).
            if (!root() && has(p.error, "permission denied"))
                ++mislabelled;
            else
                EXPECT_TRUE(has(p.error, "exited")) << p.error;
            break;
        }
        waitpid(child, nullptr, 0);
    }
    EXPECT_GT(failures, 0);
    EXPECT_EQ(mislabelled, 0) << "exiting processes reported as 'permission denied' (EACCES "
                              << "from /proc/PID/pagemap once the mm is gone)";
}

TEST(Inspect, AnotherUsersProcessExplainsThePermission) {
    std::string status = read_text("/proc/1/status");
    if (status.empty()) GTEST_SKIP() << "no /proc/1";
    if (!has(status, "Uid:\t0\t")) GTEST_SKIP() << "pid 1 does not belong to root here";
    // As root, read it from a child that became nobody; otherwise we are someone else already.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
        mml::Process p;
        bool ok = mml::procfs::read_process(1, {}, p);
        std::string msg = ok ? "read" : p.error;
        (void)!write(fds[1], msg.data(), msg.size());
        _exit(0);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        msg.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int st = 0;
    waitpid(child, &st, 0);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    EXPECT_EQ(msg, "permission denied: /proc/1/smaps belongs to another user; reading it needs "
                   "the same user or CAP_SYS_PTRACE");
}

} // namespace
