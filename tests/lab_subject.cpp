// Lab-process tests on the real kernel: syscalls reach the kernel exactly as given, demand
// paging, VMA splits, caught SIGSEGV/SIGBUS, file mappings, and letting a process crash.
#include "lab_util.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sys/wait.h>

using mml::Op;
using namespace labtest;

namespace {

class LabSubject : public ::testing::Test {
protected:
    void SetUp() override {
        std::string err;
        pid = lab.spawn("main", &err);
        ASSERT_GT(pid, 0) << err;
    }
    // Performs a request that must be answered; returns the reply.
    mml::Reply run(const mml::Request& r) {
        mml::Outcome o = lab.call(pid, r);
        EXPECT_TRUE(o.delivered) << mml::op_name(r.op) << ": " << o.error;
        return o.reply;
    }
    uint64_t map_anon(uint64_t pages, int prot = PROT_READ | PROT_WRITE,
                      int flags = MAP_PRIVATE | MAP_ANONYMOUS) {
        mml::Reply r = run(mmap_req(0, pages * page(), prot, flags));
        EXPECT_GT(r.ret, 0) << "errno " << r.err;
        return static_cast<uint64_t>(r.ret);
    }
    // A lab-dir file of `size` bytes filled with 'f'; returns an O_RDWR fd in the process.
    int make_file(const std::string& name, size_t size, int flags = O_RDWR) {
        std::string path = lab.resolve_path(name);
        FILE* f = std::fopen(path.c_str(), "w");
        EXPECT_NE(f, nullptr);
        std::string bytes(size, 'f');
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        return static_cast<int>(run(req(Op::Open, {u(flags), 0}, name)).ret);
    }

    mml::Lab lab{options()};
    int pid = 0;
};

TEST_F(LabSubject, PingAnswersWithPid) {
    EXPECT_EQ(run(req(Op::Ping)).ret, pid);
    EXPECT_EQ(parent_of(pid), getpid());
}

TEST_F(LabSubject, DemandPagingOnlyTheStoredPageIsPresent) {
    uint64_t a = map_anon(4);
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(page_info(pid, a + i * page()).present) << i;
    EXPECT_EQ(run(store_req(a + page() + 10, "x")).ret, 1);
    for (int i = 0; i < 4; ++i) {
        PageInfo p = page_info(pid, a + i * page());
        ASSERT_TRUE(p.ok);
        EXPECT_EQ(p.present, i == 1) << "page " << i;
    }
    mml::Reply back = run(load_req(a + page() + 10, 1));
    EXPECT_EQ(as_string(back.data), "x");
}

TEST_F(LabSubject, LoadStoreFillTouchRoundTrip) {
    uint64_t a = map_anon(3);
    EXPECT_EQ(run(req(Op::Fill, {a + 3, 2 * page(), 'z'})).ret, static_cast<int64_t>(2 * page()));
    mml::Reply r = run(load_req(a, 8));
    EXPECT_EQ(as_string(r.data), std::string("\0\0\0zzzzz", 8));
    EXPECT_EQ(r.ret, 8);
    EXPECT_EQ(run(req(Op::TouchWrite, {a, 3 * page(), 1})).ret, 3);
    // Bytes at the start of each page: 1 (written), 1, 1.
    EXPECT_EQ(run(req(Op::TouchRead, {a, 3 * page()})).ret, 3);
    EXPECT_EQ(lab.action_count(), 5u);
}

TEST_F(LabSubject, MmapArgumentsReachTheKernelExactly) {
    mml::Reply r = run(mmap_req(0, page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100));
    EXPECT_EQ(r.ret, -1);
    EXPECT_EQ(r.err, EINVAL);
    r = run(mmap_req(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS));
    EXPECT_EQ(r.err, EINVAL);
    int fd = make_file("ro", 4096, O_RDONLY);
    ASSERT_GE(fd, 0);
    r = run(mmap_req(0, page(), PROT_READ | PROT_WRITE, MAP_SHARED, fd));
    EXPECT_EQ(r.ret, -1);
    EXPECT_EQ(r.err, EACCES);
}

TEST_F(LabSubject, FixedNoReplaceOnOccupiedAddressIsEexist) {
    uint64_t a = map_anon(2);
    mml::Reply r =
        run(mmap_req(a, page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE));
    EXPECT_EQ(r.ret, -1);
    EXPECT_EQ(r.err, EEXIST);
}

TEST_F(LabSubject, MprotectMiddlePageSplitsAndStoreFaultsAccerr) {
    uint64_t a = map_anon(3);
    EXPECT_EQ(count_vmas(pid, a, a + 3 * page()), 1);
    EXPECT_EQ(run(req(Op::Mprotect, {a + page(), page(), PROT_READ})).ret, 0);
    EXPECT_EQ(count_vmas(pid, a, a + 3 * page()), 3);
    uint64_t target = a + page() + 123;
    mml::Reply r = run(store_req(target, "abc"));
    EXPECT_EQ(r.fault.sig, SIGSEGV);
    EXPECT_EQ(r.fault.code, SEGV_ACCERR);
    EXPECT_EQ(r.fault.addr, target);
    EXPECT_TRUE(r.fault.write);
    EXPECT_EQ(r.ret, 0); // nothing stored before the fault
    EXPECT_EQ(run(req(Op::Ping)).ret, pid);
    EXPECT_TRUE(lab.alive(pid));
}

TEST_F(LabSubject, FillStopsExactlyAtTheFault) {
    uint64_t a = map_anon(2);
    ASSERT_EQ(run(req(Op::Mprotect, {a + page(), page(), PROT_READ})).ret, 0);
    mml::Reply r = run(req(Op::Fill, {a + 5, 2 * page() - 5, 7}));
    EXPECT_EQ(r.fault.code, SEGV_ACCERR);
    EXPECT_EQ(r.fault.addr, a + page());
    EXPECT_EQ(r.ret, static_cast<int64_t>(page() - 5));
}

TEST_F(LabSubject, LoadOfUnmappedHoleIsMaperr) {
    uint64_t a = map_anon(3);
    ASSERT_EQ(run(req(Op::Munmap, {a + page(), page()})).ret, 0);
    mml::Reply r = run(load_req(a + page() - 2, 8));
    EXPECT_EQ(r.fault.sig, SIGSEGV);
    EXPECT_EQ(r.fault.code, SEGV_MAPERR);
    EXPECT_EQ(r.fault.addr, a + page());
    EXPECT_FALSE(r.fault.write);
    EXPECT_EQ(r.data.size(), 2u); // the two bytes before the hole were read
    EXPECT_EQ(run(req(Op::Ping)).ret, pid);
}

TEST_F(LabSubject, PastEofIsSigbusAndTailReadsZeros) {
    int fd = make_file("short", 100);
    ASSERT_GE(fd, 0);
    mml::Reply m = run(mmap_req(0, 2 * page(), PROT_READ, MAP_SHARED, fd));
    ASSERT_GT(m.ret, 0);
    uint64_t a = static_cast<uint64_t>(m.ret);
    mml::Reply r = run(req(Op::TouchRead, {a + page(), 1}));
    EXPECT_EQ(r.fault.sig, SIGBUS);
    EXPECT_EQ(r.fault.code, BUS_ADRERR);
    EXPECT_EQ(r.fault.addr, a + page());
    r = run(load_req(a + 96, page() - 96));
    ASSERT_EQ(r.data.size(), page() - 96);
    EXPECT_EQ(as_string(r.data).substr(0, 4), "ffff");
    EXPECT_EQ(as_string(r.data).substr(4), std::string(page() - 100, '\0'));
}

TEST_F(LabSubject, SharedFileWritesReachTheFilePrivateOnesDoNot) {
    int fd = make_file("data", page(), O_RDWR);
    ASSERT_GE(fd, 0);
    uint64_t shared =
        static_cast<uint64_t>(run(mmap_req(0, page(), PROT_READ | PROT_WRITE, MAP_SHARED, fd)).ret);
    uint64_t priv = static_cast<uint64_t>(
        run(mmap_req(0, page(), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd)).ret);
    run(store_req(priv + 16, "PRIVATE"));
    run(store_req(shared, "shared"));
    int mine = open(lab.resolve_path("data").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(mine, 0);
    char buf[32] = {};
    ASSERT_EQ(pread(mine, buf, 23, 0), 23);
    close(mine);
    EXPECT_EQ(std::string(buf, 23), "sharedffffffffff" + std::string(7, 'f'));
    EXPECT_EQ(run(req(Op::Msync, {shared, page(), MS_SYNC})).ret, 0);
}

TEST_F(LabSubject, WritePreadFtruncateCloseUnlink) {
    int fd = static_cast<int>(run(req(Op::Open, {u(O_RDWR | O_CREAT), 0600}, "w.txt")).ret);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(exists(lab.dir() + "/w.txt"));
    mml::Request w = req(Op::WriteFd, {u(fd)});
    w.data = {'h', 'e', 'l', 'l', 'o'};
    EXPECT_EQ(run(w).ret, 5);
    EXPECT_EQ(as_string(run(req(Op::PreadFd, {u(fd), 1, 3})).data), "ell");
    EXPECT_EQ(run(req(Op::Ftruncate, {u(fd), 2})).ret, 0);
    EXPECT_EQ(as_string(run(req(Op::PreadFd, {u(fd), 0, 10})).data), "he");
    EXPECT_EQ(run(req(Op::Close, {u(fd)})).ret, 0);
    mml::Reply again = run(req(Op::Close, {u(fd)}));
    EXPECT_EQ(again.err, EBADF);
    EXPECT_EQ(run(req(Op::Unlink, {}, "w.txt")).ret, 0);
    EXPECT_FALSE(exists(lab.dir() + "/w.txt"));
    // The command channel cannot be closed by accident.
    mml::Outcome o = lab.call(pid, req(Op::Close, {u(mml::kChannelFd)}));
    EXPECT_FALSE(o.delivered);
    EXPECT_FALSE(o.error.empty());
}

TEST_F(LabSubject, MadviseMremapMlockVmaName) {
    uint64_t a = map_anon(2);
    run(req(Op::Fill, {a, 2 * page(), 9}));
    EXPECT_EQ(run(req(Op::Madvise, {a, page(), MADV_DONTNEED})).ret, 0);
    EXPECT_FALSE(page_info(pid, a).present);
    EXPECT_EQ(as_string(run(load_req(a, 1)).data), std::string(1, '\0'));
    EXPECT_EQ(run(req(Op::Mlock, {a, page()})).ret, 0);
    EXPECT_EQ(run(req(Op::Munlock, {a, page()})).ret, 0);
    mml::Reply r = run(req(Op::Mremap, {a, 2 * page(), 8 * page(), MREMAP_MAYMOVE, 0}));
    ASSERT_GT(r.ret, 0);
    uint64_t b = static_cast<uint64_t>(r.ret);
    EXPECT_EQ(as_string(run(load_req(b + page(), 1)).data), std::string(1, '\x09'));
    r = run(req(Op::SetVmaName, {b, 8 * page()}, "lesson"));
    if (r.ret == 0) {
        std::string maps = read_text("/proc/" + std::to_string(pid) + "/maps");
        EXPECT_NE(maps.find("[anon:lesson]"), std::string::npos) << maps;
    } else {
        EXPECT_EQ(r.err, EINVAL); // kernel without CONFIG_ANON_VMA_NAME
    }
}

TEST_F(LabSubject, PopulateAndLockedFlagsReachTheKernel) {
    uint64_t a = map_anon(4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(page_info(pid, a + i * page()).present) << i;
    mml::Reply r = run(mmap_req(0, 2 * page(), PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_NORESERVE));
    ASSERT_GT(r.ret, 0) << "errno " << r.err;
    std::string smaps = read_text("/proc/" + std::to_string(pid) + "/smaps");
    char head[64];
    std::snprintf(head, sizeof head, "%llx-", static_cast<unsigned long long>(r.ret));
    size_t at = smaps.find(head);
    ASSERT_NE(at, std::string::npos);
    size_t flags = smaps.find("VmFlags:", at);
    ASSERT_NE(flags, std::string::npos);
    std::string line = smaps.substr(flags, smaps.find('\n', flags) - flags);
    EXPECT_NE(line.find(" lo"), std::string::npos) << line;
    EXPECT_NE(line.find(" nr"), std::string::npos) << line;
}

TEST_F(LabSubject, OversizedRequestsAreLabErrors) {
    mml::Outcome o = lab.call(pid, load_req(0, mml::kMaxMessage));
    EXPECT_FALSE(o.delivered);
    EXPECT_NE(o.error.find("at most"), std::string::npos) << o.error;
    mml::Outcome unknown = lab.call(pid + 100000, req(Op::Ping));
    EXPECT_FALSE(unknown.delivered);
    EXPECT_FALSE(unknown.error.empty());
    EXPECT_EQ(run(req(Op::Ping)).ret, pid);
}

TEST_F(LabSubject, CrashModeLetsTheProcessDie) {
    EXPECT_EQ(run(req(Op::SetCrash, {1})).ret, 0);
    EXPECT_TRUE(lab.processes().at(0).crash_mode);
    mml::Outcome o = lab.call(pid, load_req(0, 1));
    EXPECT_FALSE(o.delivered);
    ASSERT_TRUE(o.died) << o.error;
    EXPECT_TRUE(WIFSIGNALED(o.wait_status));
    EXPECT_EQ(WTERMSIG(o.wait_status), SIGSEGV);
    EXPECT_FALSE(lab.alive(pid));
    EXPECT_TRUE(is_dead(pid));
    mml::Outcome after = lab.call(pid, req(Op::Ping));
    EXPECT_FALSE(after.delivered);
    EXPECT_FALSE(after.error.empty());
    EXPECT_FALSE(exists(lab.dir() + "/core"));
}

TEST_F(LabSubject, ExitReportsStatus) {
    mml::Outcome o = lab.call(pid, req(Op::Exit, {7}));
    ASSERT_TRUE(o.died);
    EXPECT_TRUE(WIFEXITED(o.wait_status));
    EXPECT_EQ(WEXITSTATUS(o.wait_status), 7);
    EXPECT_TRUE(lab.live_pids().empty());
}

TEST_F(LabSubject, KillThenReap) {
    EXPECT_TRUE(lab.kill(pid, SIGTERM));
    EXPECT_FALSE(lab.alive(pid));
    auto ps = lab.processes();
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_TRUE(WIFSIGNALED(ps[0].wait_status));
    EXPECT_EQ(WTERMSIG(ps[0].wait_status), SIGTERM);
    EXPECT_FALSE(lab.kill(pid, SIGKILL));
}

TEST_F(LabSubject, SubjectMapsAreSmallAndClean) {
    std::string maps = read_text("/proc/" + std::to_string(pid) + "/maps");
    int lines = 0;
    for (char c : maps) lines += c == '\n';
    EXPECT_LT(lines, 40) << maps;
    EXPECT_EQ(maps.find("rwxp"), std::string::npos) << maps;
    // Only fds 0-3 are open in a lab process.
    int fds = 0;
    for (int fd = 0; fd < 64; ++fd)
        fds += exists("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd)) ? 1 : 0;
    EXPECT_EQ(fds, 4);
}

} // namespace
