// Real-kernel tests that the mapcount the readers derive from the pagemap exclusive bit, and
// the one the Sampler reuses between snapshots, equal /proc/kpagecount on real lab processes:
// exclusive, shared after fork, after copy-on-write, after a second fork and after an exit.
#include "abi.hpp"
#include "lab_util.hpp"
#include "procfs.hpp"
#include "sampler.hpp"

#include <gtest/gtest.h>

using namespace labtest;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kPages = 16;

// Compares every present page of [addr, addr + kPages pages) in `p` with a fresh read of the
// kernel's pagemap and kpagecount; returns how many pages were present.
int expect_truth(const mml::Process& p, uint64_t addr, const char* when) {
    int present = 0;
    for (uint64_t i = 0; i < kPages; ++i) {
        const uint64_t a = addr + i * page();
        const mml::Mapping* m = p.mapping_at(a);
        if (!m) {
            ADD_FAILURE() << when << ": no mapping at " << std::hex << a;
            return present;
        }
        const mml::Page& pg = m->pages.at((a - m->start) / page());
        const PageInfo k = page_info(p.pid, a);
        EXPECT_EQ(mml::abi::pm_present(pg.entry), k.present) << when << " page " << i;
        if (!k.present) continue;
        ++present;
        EXPECT_EQ(mml::abi::pm_pfn(pg.entry), k.pfn) << when << " page " << i;
        EXPECT_EQ(mml::abi::pm_exclusive(pg.entry), k.exclusive) << when << " page " << i;
        EXPECT_EQ(static_cast<int64_t>(pg.mapcount), k.count)
            << when << " pid " << p.pid << " page " << i << (k.exclusive ? " (exclusive)" : "");
    }
    return present;
}

class LabKpage : public ::testing::Test {
protected:
    void SetUp() override {
        if (!root()) GTEST_SKIP() << "mapcounts need CAP_SYS_ADMIN";
        std::string err;
        pid = lab.spawn("main", &err);
        ASSERT_GT(pid, 0) << err;
        mml::Outcome o = lab.call(
            pid, mmap_req(0, kPages * page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS));
        ASSERT_TRUE(o.delivered) << o.error;
        addr = static_cast<uint64_t>(o.reply.ret);
        // Pages 0-9 written, 10-11 read (the zero page), 12-15 untouched.
        for (uint64_t i = 0; i < 10; ++i)
            ASSERT_TRUE(lab.call(pid, store_req(addr + i * page(), "x")).delivered);
        ASSERT_TRUE(
            lab.call(pid, req(mml::Op::TouchRead, {addr + 10 * page(), 2 * page()})).delivered);
    }
    int fork_child(int from) {
        mml::Outcome o = lab.fork(from, "child");
        EXPECT_TRUE(o.delivered) << o.error;
        return static_cast<int>(o.reply.ret);
    }
    mml::Process read(int p) {
        mml::Process out;
        EXPECT_TRUE(mml::procfs::read_process(p, {}, out)) << out.error;
        return out;
    }
    mml::Lab lab{options()};
    int pid = 0;
    uint64_t addr = 0;
};

} // namespace

TEST_F(LabKpage, DerivedMapcountIsKpagecountBeforeAndAfterForkAndCow) {
    EXPECT_EQ(expect_truth(read(pid), addr, "before fork"), 12);
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    expect_truth(read(pid), addr, "after fork, parent");
    expect_truth(read(child), addr, "after fork, child");
    // Copy-on-write of page 3 in the child: both sides exclusive again for that page.
    ASSERT_TRUE(lab.call(child, store_req(addr + 3 * page(), "y")).delivered);
    const mml::Process pp = read(pid), cp = read(child);
    expect_truth(pp, addr, "after COW, parent");
    expect_truth(cp, addr, "after COW, child");
    EXPECT_EQ(
        pp.mapping_at(addr)->pages.at((addr - pp.mapping_at(addr)->start) / page() + 3).mapcount,
        1u);
}

TEST_F(LabKpage, SamplerReuseStaysTrueAcrossForksCowAndExit) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    so.idle_refresh = 0ms; // every snapshot reads /proc: this test is about kpage reuse
    mml::Sampler s(lab, so);
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    auto check_all = [&](const char* when) {
        mml::SnapshotPtr snap = s.sample_now();
        for (const mml::Process& p : snap->processes)
            if (p.state == mml::ProcState::Alive) expect_truth(p, addr, when);
        return s.stats().last_kpage;
    };
    check_all("after fork (cold)");
    const auto warm = check_all("after fork (warm)");
    EXPECT_GT(warm.reused, 0u) << "an idle lab reuses the mapcounts of shared pages";
    // A second fork: three mappers; the reuse must not keep the old count of 2.
    const int grandchild = fork_child(child);
    ASSERT_GT(grandchild, 0);
    check_all("after second fork");
    check_all("after second fork (warm)");
    // Copy-on-write in the grandchild, then its exit: counts drop without the parent's
    // pagemap entries changing.
    ASSERT_TRUE(lab.call(grandchild, store_req(addr + 5 * page(), "z")).delivered);
    check_all("after COW in grandchild");
    check_all("after COW in grandchild (warm)");
    ASSERT_TRUE(lab.kill(grandchild, SIGKILL));
    for (int i = 0; i < 200 && !is_dead(grandchild); ++i) std::this_thread::sleep_for(5ms);
    check_all("after the grandchild died");
    check_all("after the grandchild died (warm)");
}

TEST_F(LabKpage, IdleLabIsCopiedNotReread) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    so.idle_refresh = 60s;
    mml::Sampler s(lab, so);
    mml::SnapshotPtr a = s.sample_now();
    mml::SnapshotPtr b = s.sample_now();
    EXPECT_EQ(s.stats().idle_copies, 1u);
    expect_truth(*b->process(pid), addr, "idle copy");
    // An action ends the idle stretch: the next snapshot reads /proc again and shows it.
    ASSERT_TRUE(lab.call(pid, store_req(addr + 12 * page(), "w")).delivered);
    mml::SnapshotPtr c = s.sample_now();
    EXPECT_EQ(s.stats().full_reads, 2u);
    EXPECT_EQ(expect_truth(*c->process(pid), addr, "after an action"), 13);
}
