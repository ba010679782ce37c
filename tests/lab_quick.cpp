// Real-kernel tests of the Sampler's quick snapshot (Sampler::sample_quick): after each action
// of a set, on a lab process and its fork child sharing their pages, the quick snapshot shows
// every process exactly as the full snapshot taken right after it (mappings, smaps, pagemap
// entries, mapcounts, flags where read); wide actions are left to a full snapshot.
#include "abi.hpp"
#include "action_scope.hpp"
#include "lab_util.hpp"
#include "sampler.hpp"

#include <gtest/gtest.h>

using mml::Op;
using namespace labtest;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kPages = 64;
// kpageflags bits that move with no page table change (LRU batching and aging).
constexpr uint64_t kVolatile = (1ull << 2) | (1ull << 5) | (1ull << 6) | (1ull << 25);
constexpr uint64_t kExclusive = uint64_t{1} << mml::abi::kPmExclusiveBit;

// A file mapping (libc, the subject binary) and the vDSO are also mapped by processes outside
// the lab (other tests' lab processes): their Pss, mapcounts and exclusive bits move with them.
bool outside_shared(const mml::Mapping& m) {
    return m.inode != 0 || m.path.rfind("[v", 0) == 0;
}

void expect_same_smaps(const mml::Mapping& q, const mml::Mapping& f, const std::string& where) {
    ASSERT_EQ(q.smaps.size(), f.smaps.size()) << where;
    for (size_t i = 0; i < q.smaps.size(); ++i) {
        const std::string& n = q.smaps[i].name;
        if (outside_shared(q) && n != "Rss" && n != "Size") continue;
        // Accessed bits: set by the CPU on any access, cleared by the kernel's LRU aging.
        if (n == "Referenced") continue;
        EXPECT_EQ(n, f.smaps[i].name) << where;
        EXPECT_EQ(q.smaps[i].value, f.smaps[i].value) << where << " " << n;
    }
}

void expect_same_pages(const mml::Mapping& q, const mml::Mapping& f, const std::string& where) {
    ASSERT_EQ(q.pages.size(), f.pages.size()) << where;
    const uint64_t mask = outside_shared(q) ? ~kExclusive : ~uint64_t{0};
    for (size_t i = 0; i < q.pages.size(); ++i) {
        const mml::Page &a = q.pages[i], &b = f.pages[i];
        const std::string at = where + " page " + std::to_string(i);
        ASSERT_EQ(a.entry & mask, b.entry & mask) << at;
        if (outside_shared(q) || !mml::abi::pm_present(a.entry)) continue;
        EXPECT_EQ(a.count_read(), b.count_read()) << at;
        if (a.count_read() && b.count_read()) {
            EXPECT_EQ(a.mapcount, b.mapcount) << at;
        }
        if (a.flags_read() && b.flags_read()) {
            EXPECT_EQ(a.kflags & ~kVolatile, b.kflags & ~kVolatile) << at;
        }
    }
}

// Every process of the quick snapshot as the full one shows it.
void expect_same(const mml::Snapshot& q, const mml::Snapshot& f, const char* when) {
    ASSERT_EQ(q.processes.size(), f.processes.size()) << when;
    for (size_t i = 0; i < q.processes.size(); ++i) {
        const mml::Process &a = q.processes[i], &b = f.processes[i];
        const std::string who = std::string(when) + ", pid " + std::to_string(a.pid);
        ASSERT_EQ(a.pid, b.pid) << who;
        EXPECT_EQ(a.state, b.state) << who;
        EXPECT_EQ(a.error, b.error) << who;
        EXPECT_EQ(a.kpage_known, b.kpage_known) << who;
        EXPECT_EQ(a.minflt, b.minflt) << who;
        ASSERT_EQ(a.mappings.size(), b.mappings.size()) << who;
        for (size_t k = 0; k < a.mappings.size(); ++k) {
            const mml::Mapping &m = a.mappings[k], &n = b.mappings[k];
            const std::string where = who + " mapping " + m.perms + " " + m.path;
            ASSERT_EQ(m.start, n.start) << where;
            ASSERT_EQ(m.end, n.end) << where;
            EXPECT_EQ(m.perms, n.perms) << where;
            EXPECT_EQ(m.vmflags, n.vmflags) << where;
            expect_same_smaps(m, n, where);
            expect_same_pages(m, n, where);
        }
    }
}

class LabQuick : public ::testing::Test {
public:
    void SetUp() override {
        ASSERT_EQ(spawn_with_mapping(lab, kPages * page(), pid, addr), "");
        // Even pages written, then shared with a child; odd pages never touched.
        ASSERT_TRUE(
            lab.call(pid, req(Op::TouchWrite, {addr, kPages * page(), 'a', 2 * page()})).delivered);
        mml::Outcome f = lab.fork(pid, "child");
        ASSERT_TRUE(f.delivered) << f.error;
        child = static_cast<int>(f.reply.ret);
        before = sampler.sample_now();
    }
    // Runs `r` in `who`, then checks the quick snapshot against the full one right after it.
    // Returns the quick one (nullptr when it declined).
    mml::SnapshotPtr act(int who, const mml::Request& r, const char* when) {
        EXPECT_TRUE(lab.call(who, r).delivered) << when;
        mml::SnapshotPtr q = sampler.sample_quick(before);
        sampler.request_full(); // no idle copies: every process read again
        mml::SnapshotPtr f = sampler.sample_now();
        if (q) expect_same(*q, *f, when);
        before = q ? q : f;
        return q;
    }
    bool carried(const mml::SnapshotPtr& s, int who) { return s->process(who)->carried; }
    uint64_t at(uint64_t i) const { return addr + i * page(); }

    mml::Lab lab{options()};
    mml::Sampler sampler{lab, {0ms, 8, true}};
    mml::SnapshotPtr before;
    int pid = 0, child = 0;
    uint64_t addr = 0;
};

} // namespace

TEST_F(LabQuick, WriteToAFreshPageReadsOnlyTheWriter) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    // The first requests after the fork also copy the subject's own stack and heap pages, which
    // the child maps too: it is read again then. Once they are the parent's own, a write to a
    // fresh page changes no frame the child maps.
    int child_carried = 0;
    for (uint64_t i = 1; i < 12; i += 2) {
        mml::SnapshotPtr q = act(pid, store_req(at(i), "x"), "fresh page in the parent");
        ASSERT_NE(q, nullptr);
        EXPECT_TRUE(q->quick);
        EXPECT_FALSE(carried(q, pid));
        child_carried += carried(q, child);
    }
    EXPECT_GE(child_carried, 3);
}

TEST_F(LabQuick, CopyOnWriteInTheChildReadsTheParentToo) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    mml::SnapshotPtr q = act(child, store_req(at(4), "y"), "copy-on-write in the child");
    ASSERT_NE(q, nullptr);
    EXPECT_FALSE(carried(q, pid)); // its page 4 is mapped once now: exclusive, Private_Dirty
    q = act(child, store_req(at(6), "y"), "a second copy-on-write");
    ASSERT_NE(q, nullptr);
    EXPECT_FALSE(carried(q, pid));
}

TEST_F(LabQuick, UnmapProtectAdviseFillAndMapMatchTheFullSnapshot) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    EXPECT_NE(act(pid, req(Op::Munmap, {at(60), 4 * page()}), "munmap of 4 shared pages"), nullptr);
    EXPECT_NE(act(pid, req(Op::Mprotect, {at(8), 8 * page(), PROT_READ}), "mprotect (a split)"),
              nullptr);
    EXPECT_NE(act(child, req(Op::Madvise, {at(16), 8 * page(), MADV_DONTNEED}),
                  "madvise(MADV_DONTNEED) in the child"),
              nullptr);
    EXPECT_NE(act(pid, req(Op::Fill, {at(30), 10 * page(), 'm'}), "memset over shared and new"),
              nullptr);
    EXPECT_NE(act(pid, req(Op::TouchRead, {at(41), 3 * page()}), "read: the zero page"), nullptr);
    EXPECT_NE(act(child,
                  mmap_req(0, 8 * page(), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE),
                  "mmap of a new populated region"),
              nullptr);
}

TEST_F(LabQuick, WideActionsTakeTheFullPath) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    mml::Outcome o =
        lab.call(pid, mmap_req(0, 4 * page(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS));
    ASSERT_TRUE(o.delivered);
    before = sampler.sample_now();
    const uint64_t shared = static_cast<uint64_t>(o.reply.ret);
    EXPECT_EQ(act(pid, store_req(shared, "s"), "a write to MAP_SHARED memory"), nullptr);
    EXPECT_EQ(act(pid, req(Op::Msync, {shared, page(), MS_SYNC}), "msync"), nullptr);
    EXPECT_EQ(act(pid, req(Op::Mlock, {at(0), page()}), "mlock"), nullptr);
    ASSERT_TRUE(lab.fork(child, "grandchild").delivered);
    EXPECT_EQ(sampler.sample_quick(before), nullptr) << "fork";
    EXPECT_GE(sampler.stats().quick_declined, 4u);
}

TEST_F(LabQuick, DeclinesWithoutPfns) {
    if (root()) GTEST_SKIP() << "as an unprivileged user only";
    ASSERT_TRUE(lab.call(pid, store_req(at(3), "x")).delivered);
    EXPECT_EQ(sampler.sample_quick(before), nullptr);
}

TEST(ActionScope, TheRuleByOp) {
    mml::Process p;
    mml::Mapping priv, shared;
    priv.start = 0x1000;
    priv.end = 0x3000;
    priv.perms = "rw-p";
    shared.start = 0x3000;
    shared.end = 0x4000;
    shared.perms = "rw-s";
    p.mappings = {priv, shared};
    auto scope = [&](Op op, std::initializer_list<uint64_t> a, size_t data = 0) {
        mml::LabDeed d;
        d.op = op;
        std::copy(a.begin(), a.end(), d.a);
        d.data_len = data;
        d.delivered = true;
        return mml::action_scope(d, &p).wide;
    };
    EXPECT_FALSE(scope(Op::Store, {0x1000}, 8));
    EXPECT_TRUE(scope(Op::Store, {0x2ff8}, 16)) << "runs into the shared mapping";
    EXPECT_FALSE(scope(Op::Fill, {0x1000, 0x2000}));
    EXPECT_TRUE(scope(Op::TouchWrite, {0x3000, 0x1000}));
    EXPECT_FALSE(scope(Op::Load, {0x3000, 0x1000})) << "reads show as page table changes";
    EXPECT_FALSE(scope(Op::Madvise, {0x3000, 0x1000, MADV_DONTNEED}));
    EXPECT_TRUE(scope(Op::Madvise, {0x1000, 0x1000, MADV_PAGEOUT}));
    EXPECT_TRUE(scope(Op::Msync, {0x3000, 0x1000, MS_SYNC}));
    EXPECT_TRUE(scope(Op::Mlock, {0x1000, 0x1000}));
    EXPECT_TRUE(scope(Op::WriteFd, {3}));
    EXPECT_TRUE(scope(Op::Exit, {0}));
    mml::LabDeed fork;
    fork.kind = mml::LabDeed::Kind::Fork;
    EXPECT_TRUE(mml::action_scope(fork, &p).wide);
    mml::LabDeed died;
    died.op = Op::Store;
    died.died = true;
    EXPECT_TRUE(mml::action_scope(died, &p).wide);
}
