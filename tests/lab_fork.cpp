// Lab-process tests of fork and sharing on the real kernel: copy-on-write of private
// anonymous pages, MAP_SHARED anonymous memory, POSIX shm across two lab processes.
#include "lab_util.hpp"

#include <gtest/gtest.h>

using mml::Op;
using namespace labtest;

namespace {

mml::Reply must(mml::Lab& lab, int pid, const mml::Request& r) {
    mml::Outcome o = lab.call(pid, r);
    EXPECT_TRUE(o.delivered) << mml::op_name(r.op) << " in " << pid << ": " << o.error;
    return o.reply;
}

uint64_t map(mml::Lab& lab, int pid, uint64_t len, int flags, int fd = -1) {
    mml::Reply r = must(lab, pid, mmap_req(0, len, PROT_READ | PROT_WRITE, flags, fd));
    EXPECT_GT(r.ret, 0) << "errno " << r.err;
    return static_cast<uint64_t>(r.ret);
}

int fork_child(mml::Lab& lab, int pid) {
    mml::Outcome o = lab.fork(pid, "child");
    EXPECT_TRUE(o.delivered) << o.error;
    EXPECT_GT(o.reply.ret, 0) << "errno " << o.reply.err;
    return static_cast<int>(o.reply.ret);
}

TEST(LabFork, ChildIsALabProcessOfTheApp) {
    mml::Lab lab(options());
    int parent = lab.spawn("main");
    ASSERT_GT(parent, 0);
    int child = fork_child(lab, parent);
    ASSERT_GT(child, 0);
    EXPECT_EQ(must(lab, child, req(Op::Ping)).ret, child);
    // CLONE_PARENT: the app is the parent of every lab process, however deep.
    EXPECT_EQ(parent_of(child), getpid());
    int grandchild = fork_child(lab, child);
    EXPECT_EQ(parent_of(grandchild), getpid());
    auto ps = lab.processes();
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[1].parent, parent);
    EXPECT_EQ(ps[2].parent, child);
    EXPECT_EQ(ps[2].name, "child");
    // Both still answer on their own channels.
    EXPECT_EQ(must(lab, parent, req(Op::Ping)).ret, parent);
    EXPECT_EQ(lab.live_pids().size(), 3u);
}

TEST(LabFork, PrivateAnonymousIsCopiedOnWrite) {
    mml::Lab lab(options());
    int parent = lab.spawn("main");
    ASSERT_GT(parent, 0);
    uint64_t a = map(lab, parent, page(), MAP_PRIVATE | MAP_ANONYMOUS);
    must(lab, parent, store_req(a, "parent"));
    int child = fork_child(lab, parent);
    ASSERT_GT(child, 0);
    PageInfo p = page_info(parent, a), c = page_info(child, a);
    ASSERT_TRUE(p.present && c.present);
    EXPECT_FALSE(p.exclusive);
    EXPECT_FALSE(c.exclusive);
    if (root()) {
        EXPECT_NE(p.pfn, 0u);
        EXPECT_EQ(p.pfn, c.pfn);
        EXPECT_EQ(p.count, 2);
    } else {
        EXPECT_EQ(p.pfn, 0u); // PFNs need CAP_SYS_ADMIN
        EXPECT_EQ(p.count, -1);
    }
    must(lab, child, store_req(a, "child!"));
    p = page_info(parent, a);
    c = page_info(child, a);
    EXPECT_TRUE(p.exclusive);
    EXPECT_TRUE(c.exclusive);
    if (root()) {
        EXPECT_NE(p.pfn, c.pfn);
        EXPECT_EQ(p.count, 1);
        EXPECT_EQ(c.count, 1);
    }
    EXPECT_EQ(as_string(must(lab, parent, load_req(a, 6)).data), "parent");
    EXPECT_EQ(as_string(must(lab, child, load_req(a, 6)).data), "child!");
}

TEST(LabFork, SharedAnonymousIsSeenByBoth) {
    mml::Lab lab(options());
    int parent = lab.spawn("main");
    ASSERT_GT(parent, 0);
    uint64_t a = map(lab, parent, 2 * page(), MAP_SHARED | MAP_ANONYMOUS);
    must(lab, parent, store_req(a, "before"));
    int child = fork_child(lab, parent);
    ASSERT_GT(child, 0);
    // fork does not copy page tables of shared mappings: the child maps it on first touch.
    EXPECT_FALSE(page_info(child, a).present);
    must(lab, child, store_req(a + 6, " and after"));
    EXPECT_EQ(as_string(must(lab, parent, load_req(a, 16)).data), "before and after");
    PageInfo p = page_info(parent, a), c = page_info(child, a);
    ASSERT_TRUE(p.present && c.present);
    if (root()) {
        EXPECT_NE(p.pfn, 0u);
        EXPECT_EQ(p.pfn, c.pfn);
    }
}

TEST(LabFork, ShmFromTwoLabProcessesIsOneObject) {
    const std::string name = "/mmaplab-test-" + std::to_string(getpid());
    const std::string file = "/dev/shm" + name;
    {
        mml::Lab lab(options());
        int a = lab.spawn("a"), b = lab.spawn("b");
        ASSERT_GT(a, 0);
        ASSERT_GT(b, 0);
        int fa = static_cast<int>(
            must(lab, a, req(Op::ShmOpen, {u(O_RDWR | O_CREAT | O_EXCL), 0600}, name)).ret);
        ASSERT_GE(fa, 0);
        EXPECT_TRUE(exists(file));
        ASSERT_EQ(must(lab, a, req(Op::Ftruncate, {u(fa), page()})).ret, 0);
        uint64_t pa = map(lab, a, page(), MAP_SHARED, fa);
        must(lab, a, store_req(pa, "one object"));
        int fb = static_cast<int>(must(lab, b, req(Op::ShmOpen, {u(O_RDWR), 0}, name)).ret);
        ASSERT_GE(fb, 0);
        uint64_t pb = map(lab, b, page(), MAP_SHARED, fb);
        EXPECT_EQ(as_string(must(lab, b, load_req(pb, 10)).data), "one object");
        if (root()) {
            PageInfo ia = page_info(a, pa), ib = page_info(b, pb);
            EXPECT_NE(ia.pfn, 0u);
            EXPECT_EQ(ia.pfn, ib.pfn);
            EXPECT_EQ(ia.count, 2);
        }
    }
    EXPECT_FALSE(exists(file)) << "the Lab created it, so ~Lab removes it";
}

TEST(LabFork, ShmUnlinkedByTheStudentIsForgotten) {
    const std::string name = "/mmaplab-test-u-" + std::to_string(getpid());
    mml::Lab lab(options());
    int a = lab.spawn("a");
    ASSERT_GT(a, 0);
    ASSERT_GE(must(lab, a, req(Op::ShmOpen, {u(O_RDWR | O_CREAT), 0600}, name)).ret, 0);
    EXPECT_EQ(must(lab, a, req(Op::ShmUnlink, {}, name)).ret, 0);
    EXPECT_FALSE(exists("/dev/shm" + name));
    EXPECT_EQ(must(lab, a, req(Op::ShmUnlink, {}, name)).err, ENOENT);
}

TEST(LabFork, ProcessLimitIsAClearError) {
    mml::LabOptions o = options();
    o.limits.max_processes = 2;
    mml::Lab lab(o);
    int a = lab.spawn("a");
    ASSERT_GT(a, 0);
    ASSERT_GT(fork_child(lab, a), 0);
    mml::Outcome third = lab.fork(a, "c");
    EXPECT_FALSE(third.delivered);
    EXPECT_EQ(third.error, "limit of 2 lab processes reached (fork in a loop?); raise it in "
                           "Preferences");
    std::string err;
    EXPECT_EQ(lab.spawn("d", &err), 0);
    EXPECT_EQ(err, third.error);
    EXPECT_EQ(lab.live_pids().size(), 2u);
}

TEST(LabFork, ForkThroughCallWorksToo) {
    mml::Lab lab(options());
    int a = lab.spawn("a");
    ASSERT_GT(a, 0);
    mml::Outcome o = lab.call(a, req(Op::Fork));
    ASSERT_TRUE(o.delivered) << o.error;
    EXPECT_TRUE(lab.alive(static_cast<int>(o.reply.ret)));
}

} // namespace
