// Real-kernel tests of the Sampler's quick snapshot (Sampler::sample_quick): after each action
// of a set, on a lab process and its fork child sharing their pages, the quick snapshot shows
// every process exactly as the full snapshot taken right after it (mappings, smaps, pagemap
// entries, mapcounts, flags where read); wide actions are left to a full snapshot.
#include "abi.hpp"
#include "action_scope.hpp"
#include "lab_util.hpp"
#include "quick_pages.hpp"
#include "sampler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
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

// The pages-first snapshot (Sampler::sample_pages) against the full one: every page as the
// full snapshot shows it, fault counters too; the processes it read again are marked as
// showing the smaps counters of the snapshot before.
void expect_same_pages_first(const mml::Snapshot& a, const mml::Snapshot& f, const char* when) {
    ASSERT_EQ(a.processes.size(), f.processes.size()) << when;
    for (size_t i = 0; i < a.processes.size(); ++i) {
        const mml::Process &p = a.processes[i], &q = f.processes[i];
        const std::string who = std::string(when) + " (pages first), pid " + std::to_string(p.pid);
        ASSERT_EQ(p.pid, q.pid) << who;
        EXPECT_EQ(p.counters_pending, !p.carried) << who;
        EXPECT_EQ(p.minflt, q.minflt) << who;
        EXPECT_EQ(p.status_kb("VmRSS"), q.status_kb("VmRSS")) << who;
        ASSERT_EQ(p.mappings.size(), q.mappings.size()) << who;
        for (size_t k = 0; k < p.mappings.size(); ++k)
            expect_same_pages(p.mappings[k], q.mappings[k], who + " " + p.mappings[k].path);
    }
    EXPECT_TRUE(a.counters_pending()) << when;
    EXPECT_FALSE(f.counters_pending()) << when;
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
        settle_child();
        before = sampler.sample_now();
    }
    // Runs `r` in `who`, then checks the quick snapshot against the full one right after it.
    // Returns the quick one (nullptr when it declined).
    mml::SnapshotPtr act(int who, const mml::Request& r, const char* when) {
        EXPECT_TRUE(lab.call(who, r).delivered) << when;
        pages = sampler.sample_pages(before);
        mml::SnapshotPtr q = sampler.sample_quick(before);
        sampler.request_full(); // no idle copies: every process read again
        mml::SnapshotPtr f = sampler.sample_now();
        if (q) expect_same(*q, *f, when);
        if (pages) expect_same_pages_first(*pages, *f, when);
        for (const mml::SnapshotPtr& h : sampler.history())
            EXPECT_FALSE(h->counters_pending()) << when << ": pages first in the history";
        before = q ? q : f;
        return q;
    }
    bool carried(const mml::SnapshotPtr& s, int who) { return s->process(who)->carried; }
    // The fork child runs on its own until it waits for its first request: one round trip, then
    // its fault counter stays still (else quick snapshots decline: it changed pages by itself).
    void settle_child() {
        ASSERT_TRUE(lab.call(child, req(Op::Ping)).delivered);
        for (int i = 0; i < 100; ++i) {
            const std::string stat = read_text("/proc/" + std::to_string(child) + "/stat");
            const size_t close = stat.rfind(") ");
            if (close != std::string::npos && stat.compare(close + 2, 1, "R") != 0) return;
            usleep(1000);
        }
    }
    uint64_t at(uint64_t i) const { return addr + i * page(); }

    mml::Lab lab{options()};
    mml::Sampler sampler{lab, {0ms, 8, true}};
    mml::SnapshotPtr before;
    mml::SnapshotPtr pages; // act()'s pages-first snapshot, or nullptr when it declined
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
        EXPECT_NE(pages, nullptr) << "a store changes no VMA: its pages can come first";
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

// The same on a mapping large enough that a quick snapshot reads its pagemap only in 2 MiB
// windows around each action (quick_pages.hpp) and carries the rest.
class LabQuickWindow : public LabQuick {
public:
    static constexpr uint64_t kBigPages = 4096; // 16 MiB
    void SetUp() override {
        ASSERT_EQ(spawn_with_mapping(lab, kBigPages * page(), pid, addr), "");
        ASSERT_TRUE(lab.call(pid, req(Op::TouchWrite, {addr, kBigPages * page(), 'a', 2 * page()}))
                        .delivered);
        mml::Outcome f = lab.fork(pid, "child");
        ASSERT_TRUE(f.delivered) << f.error;
        child = static_cast<int>(f.reply.ret);
        settle_child();
        before = sampler.sample_now();
    }
    // The first 2 MiB boundary inside the mapping.
    uint64_t boundary() const { return (addr + mml::quick::kWindow) & ~(mml::quick::kWindow - 1); }
};

TEST_F(LabQuickWindow, ActionsInsideWindowsMatchTheFullSnapshot) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    for (uint64_t i : {1, 2047, 4095})
        ASSERT_NE(act(pid, store_req(at(i), "x"), "a fresh page of the big mapping"), nullptr);
    ASSERT_NE(act(pid, store_req(boundary() - 1, "yz"), "a store across a 2 MiB boundary"),
              nullptr);
    ASSERT_NE(act(pid, req(Op::TouchRead, {at(101), 3 * page()}), "read: the zero page"), nullptr);
    mml::SnapshotPtr q = act(child, store_req(at(200), "c"), "copy-on-write in the child");
    ASSERT_NE(q, nullptr);
    ASSERT_NE(pages, nullptr);
    EXPECT_TRUE(pages->process(pid)->counters_pending) << "the parent's page 200 is exclusive";
    EXPECT_FALSE(carried(q, pid)) << "the parent's page 200 is exclusive now";
    ASSERT_NE(act(child, req(Op::Madvise, {at(600), 8 * page(), MADV_DONTNEED}),
                  "madvise(MADV_DONTNEED) in the child"),
              nullptr);
    ASSERT_NE(act(pid, req(Op::Fill, {boundary() - 64 * page(), 128 * page(), 'f'}),
                  "memset across a 2 MiB boundary"),
              nullptr);
    ASSERT_NE(act(pid, req(Op::Madvise, {at(3000), 4 * page(), 23 /* POPULATE_WRITE */}),
                  "madvise(MADV_POPULATE_WRITE)"),
              nullptr);
}

TEST_F(LabQuickWindow, ChangedMappingsAreReadInFull) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    // The same VMA again (start, end, perms, offset, no file): only the request's range says
    // that its pages are gone.
    ASSERT_NE(act(pid,
                  mmap_req(addr, kBigPages * page(), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
                  "mmap(MAP_FIXED) over the whole mapping"),
              nullptr);
    ASSERT_NE(act(pid, req(Op::TouchWrite, {addr, kBigPages * page(), 'b', 4 * page()}),
                  "every 4th page written"),
              nullptr);
    ASSERT_NE(act(pid, req(Op::Mprotect, {at(1000), 8 * page(), PROT_READ}), "mprotect (a split)"),
              nullptr);
    ASSERT_NE(act(child, req(Op::Munmap, {at(2000), 100 * page()}), "munmap in the child"),
              nullptr);
    ASSERT_NE(act(pid,
                  mmap_req(0, 1024 * page(), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE),
                  "mmap of a new populated region"),
              nullptr);
}

// The partial read itself: after a store, only the store's window of the big mapping is read
// again, and every entry equals a full read's.
TEST_F(LabQuickWindow, OnlyTheWindowIsReadAgain) {
    if (!root()) GTEST_SKIP() << "PFNs and kpage values (CAP_SYS_ADMIN)";
    ASSERT_TRUE(lab.call(pid, store_req(at(1001), "w")).delivered);
    const std::vector<mml::quick::Range> win = mml::quick::windows({{at(1001), at(1001) + 1}});
    ASSERT_EQ(win.size(), 1u);
    EXPECT_EQ(win[0].second - win[0].first, mml::quick::kWindow);
    mml::Process out, full;
    mml::quick::Fresh fresh;
    ASSERT_TRUE(mml::quick::reread(pid, *before->process(pid), &win, page(), out, fresh));
    mml::procfs::ReadOptions opt;
    opt.kpage = false;
    ASSERT_TRUE(mml::procfs::read_process(pid, opt, full));
    ASSERT_EQ(out.mappings.size(), full.mappings.size());
    size_t big = 0, read = 0;
    for (size_t k = 0; k < out.mappings.size(); ++k) {
        const mml::Mapping &m = out.mappings[k], &f = full.mappings[k];
        ASSERT_EQ(m.pages.size(), f.pages.size()) << m.path;
        const uint64_t mask = outside_shared(m) ? ~kExclusive : ~uint64_t{0};
        for (size_t i = 0; i < m.pages.size(); ++i)
            ASSERT_EQ(m.pages[i].entry & mask, f.pages[i].entry & mask) << m.path << " page " << i;
        if (m.start != addr) continue;
        ++big;
        for (const auto& [first, last] : fresh[k]) read += last - first;
    }
    EXPECT_EQ(big, 1u);
    EXPECT_GT(read, 0u);
    EXPECT_LE(read, mml::quick::kWindow / page()) << "read again beyond the store's window";
}

// Not a test: times the quick snapshot after one-byte writes into fresh pages of a 1 GiB
// half-written mapping of the first of 4 lab processes (3 forks), as the bench's action latency
// does, and checks every 4th one against a full snapshot. Run by hand:
//   mml_lab_tests --gtest_also_run_disabled_tests --gtest_filter='*QuickTiming*'
TEST(LabQuickTiming, DISABLED_OneByteWritesIntoA1GiBMapping) {
    if (!root()) GTEST_SKIP() << "quick snapshots need PFNs (CAP_SYS_ADMIN)";
    constexpr uint64_t kBig = uint64_t{1} << 30;
    mml::Lab lab{options()};
    mml::Sampler sampler{lab, {0ms, 8, true}};
    int pid = 0;
    uint64_t big = 0;
    ASSERT_EQ(spawn_with_mapping(lab, kBig, pid, big), "");
    ASSERT_TRUE(lab.call(pid, req(Op::TouchWrite, {big, kBig, 'a', 2 * page()})).delivered);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(lab.fork(pid, "child").delivered);
    mml::SnapshotPtr before = sampler.sample_now();
    std::vector<double> ms;
    for (uint64_t n = 0; n < 40; ++n) {
        const uint64_t at = big + (2 * n * 97 + 3) * page();
        ASSERT_TRUE(lab.call(pid, store_req(at, "x")).delivered);
        const auto t0 = std::chrono::steady_clock::now();
        mml::SnapshotPtr q = sampler.sample_quick(before);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        ASSERT_NE(q, nullptr);
        if (n % 4 == 3) {
            sampler.request_full();
            mml::SnapshotPtr f = sampler.sample_now();
            expect_same(*q, *f, "a one-byte write into the 1 GiB mapping");
            before = f;
        } else {
            before = q;
        }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("quick snapshot: min %.2f p50 %.2f p90 %.2f max %.2f ms (%zu)\n", ms.front(),
                ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back(), ms.size());
}

TEST(ActionScope, TheReachByOp) {
    auto reach = [](Op op, std::initializer_list<uint64_t> a, size_t data = 0, int64_t ret = 0) {
        mml::LabDeed d;
        d.op = op;
        std::copy(a.begin(), a.end(), d.a);
        d.data_len = data;
        d.ret = ret;
        d.delivered = true;
        return mml::action_reach(d);
    };
    using R = std::vector<std::pair<uint64_t, uint64_t>>;
    EXPECT_EQ(reach(Op::Store, {0x1000}, 8).ranges, (R{{0x1000, 0x1008}}));
    EXPECT_FALSE(reach(Op::Store, {0x1000}, 8).anywhere);
    EXPECT_EQ(reach(Op::Fill, {0x1000, 0x3000}).ranges, (R{{0x1000, 0x4000}}));
    EXPECT_EQ(reach(Op::Mmap, {0, 0x2000}, 0, 0x7000).ranges, (R{{0x7000, 0x9000}}));
    EXPECT_EQ(reach(Op::Mmap, {0x5000, 0x2000, 3, MAP_PRIVATE | MAP_FIXED}, 0, 0x5000).ranges,
              (R{{0x5000, 0x7000}, {0x5000, 0x7000}}));
    EXPECT_TRUE(reach(Op::Ping, {}).ranges.empty());
    EXPECT_FALSE(reach(Op::Ping, {}).anywhere);
    EXPECT_TRUE(reach(Op::Mremap, {0x1000, 0x1000, 0x2000}).anywhere);
    EXPECT_TRUE(reach(Op::Store, {~uint64_t{0} - 2}, 8).anywhere) << "wraps";
    mml::LabDeed fork;
    fork.kind = mml::LabDeed::Kind::Fork;
    EXPECT_TRUE(mml::action_reach(fork).anywhere);
    // Windows: 2 MiB-aligned, merged.
    const uint64_t w = mml::quick::kWindow;
    EXPECT_EQ(mml::quick::windows({{w + 5, w + 6}, {3 * w - 1, 3 * w + 1}, {9 * w, 9 * w}}),
              (R{{w, 4 * w}}));
}
