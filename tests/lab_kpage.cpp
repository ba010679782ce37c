// Real-kernel tests that what the readers derive, read (count only or count and flags) and
// reuse between snapshots equals a fresh read of /proc/kpagecount and /proc/kpageflags on real
// lab processes, and classifies each page as the full truth would: exclusive, zero page,
// shared after fork, after copy-on-write, a second fork, an exit, file pages clean and dirty.
#include "abi.hpp"
#include "lab_util.hpp"
#include "page_class.hpp"
#include "procfs.hpp"
#include "sampler.hpp"

#include <functional>
#include <gtest/gtest.h>

using namespace labtest;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kPages = 16;
// kpageflags bits that move with no page table change (LRU batching and aging).
constexpr uint64_t kVolatile = (1ull << 2) | (1ull << 5) | (1ull << 6) | (1ull << 25);

struct Seen {
    int present = 0;
    int count_only = 0; // pages whose kpagecount was read but not their kpageflags
};

// The page as a read of both kernel files shows it, classified like the snapshot's one.
void expect_same_class(const mml::Page& pg, const mml::Mapping& m, const PageInfo& k,
                       uint64_t kflags, const std::string& where) {
    mml::Page full = pg;
    full.mapcount = static_cast<uint32_t>(k.count);
    full.kflags = kflags;
    full.kread = mml::Page::kCountRead | mml::Page::kFlagsRead;
    const mml::ClassifyEnv env{true, true, 0};
    const auto traits = mml::MappingTraits::of(m);
    const mml::PageClass got = mml::classify_page(pg, traits, env);
    const mml::PageClass want = mml::classify_page(full, traits, env);
    EXPECT_EQ(mml::to_string(got.base), std::string(mml::to_string(want.base))) << where;
    EXPECT_EQ(got.shared, want.shared) << where;
    EXPECT_EQ(got.dirty, want.dirty) << where;
    EXPECT_EQ(got.dirty_src, want.dirty_src) << where;
}

// Compares every present page of [addr, addr + n pages) in `p` with a fresh read of the
// kernel's pagemap, kpagecount and kpageflags.
Seen expect_truth(const mml::Process& p, uint64_t addr, const char* when, uint64_t n = kPages) {
    Seen seen;
    for (uint64_t i = 0; i < n; ++i) {
        const uint64_t a = addr + i * page();
        const mml::Mapping* m = p.mapping_at(a);
        if (!m) {
            ADD_FAILURE() << when << ": no mapping at " << std::hex << a;
            return seen;
        }
        const mml::Page& pg = m->pages.at((a - m->start) / page());
        const PageInfo k = page_info(p.pid, a);
        const std::string where = std::string(when) + " pid " + std::to_string(p.pid) + " page " +
                                  std::to_string(i) + " of " + m->perms;
        EXPECT_EQ(mml::abi::pm_present(pg.entry), k.present) << where;
        if (!k.present) continue;
        ++seen.present;
        EXPECT_EQ(mml::abi::pm_pfn(pg.entry), k.pfn) << where;
        EXPECT_EQ(mml::abi::pm_exclusive(pg.entry), k.exclusive) << where;
        EXPECT_EQ(static_cast<int64_t>(pg.mapcount), k.count)
            << where << (k.exclusive ? " (exclusive)" : "");
        uint64_t kflags = 0;
        EXPECT_TRUE(pread_u64("/proc/kpageflags", k.pfn, kflags)) << where;
        if (pg.flags_read()) {
            EXPECT_EQ(pg.kflags & ~kVolatile, kflags & ~kVolatile)
                << where << ": " << mml::abi::kpageflags_to_string(pg.kflags) << " vs "
                << mml::abi::kpageflags_to_string(kflags);
        } else {
            // The shortcuts' preconditions, from the kernel's own flags.
            EXPECT_TRUE((kflags >> mml::abi::kKpfAnon) & 1) << where << ": flags not read";
            EXPECT_FALSE((kflags >> mml::abi::kKpfZeroPage) & 1) << where << ": zero page";
            EXPECT_FALSE((kflags >> mml::abi::kKpfThp) & 1) << where << ": THP";
            if (!k.exclusive) ++seen.count_only;
        }
        expect_same_class(pg, *m, k, kflags, where);
    }
    return seen;
}

class LabKpage : public ::testing::Test {
public:
    void SetUp() override {
        if (!root()) GTEST_SKIP() << "mapcounts need CAP_SYS_ADMIN";
        ASSERT_EQ(spawn_with_mapping(lab, kPages * page(), pid, addr), "");
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
    // Pagemap only, for read_kpage over several processes (sharing what did not change with
    // `earlier`, as the Sampler does).
    mml::Process read_light(int p, const mml::Process* earlier = nullptr) {
        mml::Process out;
        mml::procfs::ReadOptions o;
        o.kpage = false;
        EXPECT_TRUE(mml::procfs::read_process(p, o, out, earlier)) << out.error;
        return out;
    }
    mml::Lab lab{options()};
    int pid = 0;
    uint64_t addr = 0;
};

// The GUI's picture of the 16 pages (the classifier with the snapshot's own zero-page PFN):
// 0-9 written (shared after a fork unless copied), 10-11 the zero page, 12-15 not present.
void expect_picture(const mml::Snapshot& snap, const mml::Process& p, uint64_t addr, bool forked,
                    const char* when) {
    const mml::ClassifyEnv env = mml::classify_env(snap, p);
    const mml::Mapping* m = p.mapping_at(addr);
    ASSERT_NE(m, nullptr) << when;
    for (uint64_t i = 0; i < kPages; ++i) {
        const mml::Page& pg = m->pages.at((addr - m->start) / page() + i);
        const mml::PageClass c = mml::classify_page(pg, mml::MappingTraits::of(*m), env);
        const std::string where = std::string(when) + " page " + std::to_string(i);
        if (i >= 12) {
            EXPECT_EQ(c.base, mml::PageBase::NotPresent) << where;
        } else if (i >= 10) {
            EXPECT_EQ(c.base, mml::PageBase::ZeroPage) << where;
        } else {
            EXPECT_EQ(c.base, mml::PageBase::Present) << where;
            EXPECT_EQ(c.dirty, mml::Know::Yes) << where;
            EXPECT_EQ(c.dirty_src, mml::DirtySource::AnonWrite) << where;
            if (!forked) {
                EXPECT_EQ(c.shared, mml::Know::No) << where;
            }
        }
    }
}

// Whether some mapping of `p` shares its pages with the same mapping of `was`.
bool shares_pages(const mml::Process& p, const mml::Process& was) {
    for (const mml::Mapping& m : p.mappings) {
        const mml::Mapping* w = was.mapping_at(m.start);
        if (w && !m.pages.empty() && m.pages.shares(w->pages)) return true;
    }
    return false;
}

mml::Snapshot one(const mml::Process& p) {
    mml::Snapshot s;
    s.caps.pfn = s.caps.kpage = true;
    s.processes.push_back(p);
    return s;
}

} // namespace

TEST_F(LabKpage, DerivedMapcountIsKpagecountBeforeAndAfterForkAndCow) {
    const mml::Process before = read(pid);
    EXPECT_EQ(expect_truth(before, addr, "before fork").present, 12);
    expect_picture(one(before), before, addr, false, "before fork");
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    for (int who : {pid, child}) {
        const mml::Process p = read(who);
        const Seen seen =
            expect_truth(p, addr, who == pid ? "after fork, parent" : "after fork, child");
        EXPECT_EQ(seen.count_only, 10) << "shared anonymous pages: kpagecount only";
        expect_picture(one(p), p, addr, true, "after fork");
    }
    // Copy-on-write of page 3 in the child: both sides exclusive again for that page.
    ASSERT_TRUE(lab.call(child, store_req(addr + 3 * page(), "y")).delivered);
    const mml::Process pp = read(pid), cp = read(child);
    EXPECT_EQ(expect_truth(pp, addr, "after COW, parent").count_only, 9);
    EXPECT_EQ(expect_truth(cp, addr, "after COW, child").count_only, 9);
    expect_picture(one(pp), pp, addr, true, "after COW, parent");
    EXPECT_EQ(
        pp.mapping_at(addr)->pages.at((addr - pp.mapping_at(addr)->start) / page() + 3).mapcount,
        1u);
}

// How the mapcount of each of the 16 pages of `p` at `addr` is known (Page::kread).
std::vector<uint8_t> kreads(const mml::Process& p, uint64_t addr) {
    std::vector<uint8_t> out;
    const mml::Mapping* m = p.mapping_at(addr);
    if (m)
        for (uint64_t i = 0; i < kPages; ++i)
            out.push_back(m->pages.at((addr - m->start) / page() + i).kread);
    return out;
}

// Pss proves mapcount 2 only when every shared page is mapped exactly twice: one page mapped three
// times among nine mapped twice (and the zero page beside them) sends the mapping to kpagecount.
TEST_F(LabKpage, PssProvesMapcountTwoOnlyWhenEveryPageIsAPair) {
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    const uint8_t proven = mml::Page::kCountProven, kc = mml::Page::kCountRead;
    const uint8_t zero = mml::Page::kCountRead | mml::Page::kFlagsRead;
    const std::vector<uint8_t> pairs{proven, proven, proven, proven, proven, proven, proven, proven,
                                     proven, proven, zero,   zero,   0,      0,      0,      0};
    for (int who : {pid, child}) {
        const mml::Process p = read(who);
        expect_truth(p, addr, "one fork");
        EXPECT_EQ(kreads(p, addr), pairs) << "pages 0-9 mapped twice: proven, not read";
    }
    const int grandchild = fork_child(child);
    ASSERT_GT(grandchild, 0);
    for (uint64_t i = 0; i < 9; ++i) // page 9 stays mapped three times
        ASSERT_TRUE(lab.call(grandchild, store_req(addr + i * page(), "g")).delivered);
    const std::vector<uint8_t> some{kc, kc, kc, kc, kc, kc, kc, kc, kc, kc, zero, zero, 0, 0, 0, 0};
    for (int who : {pid, child}) {
        const mml::Process p = read(who);
        expect_truth(p, addr, "page 9 mapped three times");
        EXPECT_EQ(kreads(p, addr), some) << "one page mapped three times: all read";
    }
    ASSERT_TRUE(lab.call(grandchild, store_req(addr + 9 * page(), "g")).delivered);
    for (int who : {pid, child, grandchild}) {
        const mml::Process p = read(who);
        expect_truth(p, addr, "the grandchild's copies");
        if (who != grandchild) {
            EXPECT_EQ(kreads(p, addr), pairs) << "pairs again";
        }
    }
}

// File pages (clean and dirty, shared and private, a private copy) before and after a fork:
// their flags are always read, the private copy's are not once it is shared.
TEST_F(LabKpage, FilePagesCleanDirtyAndCopiesMatchTheKernel) {
    const int fd = static_cast<int>(
        lab.call(pid, req(mml::Op::Open, {u(O_RDWR | O_CREAT), 0600}, "kpage.bin")).reply.ret);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(lab.call(pid, req(mml::Op::Ftruncate, {u(fd), 8 * page()})).reply.ret, 0);
    mml::Request w = req(mml::Op::WriteFd, {u(fd)});
    w.data.assign(8 * page(), 'f');
    ASSERT_EQ(lab.call(pid, w).reply.ret, static_cast<int64_t>(8 * page()));
    uint64_t at[2] = {};
    for (int i = 0; i < 2; ++i) {
        mml::Outcome o = lab.call(
            pid, mmap_req(0, 8 * page(), PROT_READ | PROT_WRITE, i ? MAP_PRIVATE : MAP_SHARED, fd));
        ASSERT_TRUE(o.delivered) << o.error;
        at[i] = static_cast<uint64_t>(o.reply.ret);
        // Page 0 written, page 1 read, in each mapping.
        ASSERT_TRUE(lab.call(pid, store_req(at[i], "w")).delivered);
        ASSERT_TRUE(lab.call(pid, req(mml::Op::TouchRead, {at[i] + page(), 1})).delivered);
    }
    for (uint64_t a : at) expect_truth(read(pid), a, "file, before fork", 8);
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    for (int who : {pid, child})
        for (uint64_t a : at) expect_truth(read(who), a, "file, after fork", 8);
    ASSERT_TRUE(lab.call(child, req(mml::Op::TouchRead, {at[0], 8 * page()})).delivered);
    ASSERT_TRUE(lab.call(child, store_req(at[1] + page(), "c")).delivered);
    for (int who : {pid, child})
        for (uint64_t a : at) expect_truth(read(who), a, "file, child read and wrote", 8);
}

// Fork, a second fork, copy-on-write in the grandchild and its exit, each snapshot taken twice
// (cold after the action, warm with nothing changed): `check` takes one and compares it.
void fork_story(LabKpage& t, const std::function<mml::procfs::KpageStats(const char*)>& check,
                bool expect_counted) {
    const int child = t.fork_child(t.pid);
    ASSERT_GT(child, 0);
    const auto cold = check("after fork (cold)");
    const auto warm = check("after fork (warm)");
    if (expect_counted) {
        EXPECT_GT(cold.proven, 0u) << "the Sampler proves mapcount 2 from Pss";
    } else {
        EXPECT_GT(warm.reused, 0u) << "an idle lab reuses the mapcounts of shared pages";
    }
    // A second fork: three mappers; nothing may keep the old count of 2.
    const int grandchild = t.fork_child(child);
    ASSERT_GT(grandchild, 0);
    const auto three = check("after second fork");
    if (expect_counted) {
        EXPECT_GT(three.counted, 0u) << "the Sampler counts the mapcounts Pss cannot prove";
        EXPECT_GT(three.checked, 0u) << "and checks a slice against kpagecount";
    }
    check("after second fork (warm)");
    // Copy-on-write in the grandchild, then its exit: counts drop without the parent's
    // pagemap entries changing.
    ASSERT_TRUE(t.lab.call(grandchild, store_req(t.addr + 5 * page(), "z")).delivered);
    check("after COW in grandchild");
    check("after COW in grandchild (warm)");
    ASSERT_TRUE(t.lab.kill(grandchild, SIGKILL));
    for (int i = 0; i < 200 && !is_dead(grandchild); ++i) std::this_thread::sleep_for(5ms);
    check("after the grandchild died");
    check("after the grandchild died (warm)");
}

TEST_F(LabKpage, SamplerCountsSharedMapcountsTrulyAcrossForksCowAndExit) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    so.idle_refresh = 0ms; // every snapshot reads /proc: this test is about kpage values
    mml::Sampler s(lab, so);
    fork_story(
        *this,
        [&](const char* when) {
            mml::SnapshotPtr snap = s.sample_now();
            for (const mml::Process& p : snap->processes)
                if (p.state == mml::ProcState::Alive) {
                    expect_truth(p, addr, when);
                    expect_picture(*snap, p, addr, true, when);
                }
            return s.stats().last_kpage;
        },
        true);
}

// Snapshots of every live lab process, read_kpage reusing the previous one's values; with
// `share`, each process read sharing what did not change with its previous read (its pages
// then keep the previous values until read_kpage writes them).
void reuse_story(LabKpage& t, bool share) {
    std::vector<mml::Process> prev;
    uint64_t slice = 0;
    size_t shared = 0;
    fork_story(
        t,
        [&](const char* when) {
            std::vector<mml::Process> now;
            for (const mml::LabProcess& lp : t.lab.processes()) {
                if (!lp.alive) continue;
                const mml::Process* was = nullptr;
                for (const mml::Process& q : prev)
                    if (q.pid == lp.pid) was = &q;
                now.push_back(t.read_light(lp.pid, share ? was : nullptr));
                if (was) shared += shares_pages(now.back(), *was);
            }
            std::vector<mml::Process*> live;
            for (mml::Process& p : now) live.push_back(&p);
            mml::procfs::KpageReuse reuse{&prev, ++slice};
            mml::procfs::KpageStats st;
            mml::procfs::read_kpage(live, {}, prev.empty() ? nullptr : &reuse, &st);
            for (const mml::Process& p : now) expect_truth(p, t.addr, when);
            prev = std::move(now);
            return st;
        },
        false);
    if (share)
        EXPECT_GT(shared, 0u) << "warm reads share the pages of unchanged mappings";
    else
        EXPECT_EQ(shared, 0u);
}

TEST_F(LabKpage, ReuseWithoutCountingStaysTrueAcrossForksCowAndExit) {
    reuse_story(*this, false);
}

TEST_F(LabKpage, SharedPagesOfUnchangedMappingsStayTrueAcrossForksCowAndExit) {
    reuse_story(*this, true);
}

// Counting with a mapper out of sight (the child not observed) must not give the parent's
// shared pages mapcount 1: the check falls back to kpagecount.
TEST_F(LabKpage, CountingWithAnUnseenMapperFallsBackToKpagecount) {
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    mml::Process p = read_light(pid);
    mml::Process* one = &p;
    mml::procfs::ReadOptions opt;
    opt.count_shared = true;
    mml::procfs::KpageStats st;
    ASSERT_TRUE(mml::procfs::read_kpage(std::span(&one, 1), opt, nullptr, &st));
    EXPECT_EQ(st.counted, 0u);
    EXPECT_EQ(expect_truth(p, addr, "parent alone, counting asked").count_only, 10);
}

// Two observed mappers and a third out of sight (a grandchild): every frame is seen twice, so only
// the check against kpagecount (the mapping's first frame, the slice) can tell; it must.
TEST_F(LabKpage, CountingWithTwoSeenAndOneUnseenMapperFallsBackToKpagecount) {
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    ASSERT_GT(fork_child(child), 0);
    std::vector<mml::Process> two{read_light(pid), read_light(child)};
    mml::Process* both[2] = {&two[0], &two[1]};
    mml::procfs::ReadOptions opt;
    opt.count_shared = true;
    for (uint64_t slice = 0; slice < 3; ++slice) {
        mml::procfs::KpageStats st;
        ASSERT_TRUE(mml::procfs::read_kpage(both, opt, nullptr, &st));
        EXPECT_GT(st.checked, 0u);
        for (const mml::Process& p : two)
            EXPECT_EQ(expect_truth(p, addr, "two of three mappers seen").count_only, 10);
    }
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
    EXPECT_EQ(expect_truth(*c->process(pid), addr, "after an action").present, 13);
}

// Three mappers (counted, not provable by Pss), then a full read of the idle lab every time: the
// rotating refresh slice reads each page's kpagecount once in 16 snapshots, and a count read where
// it was counted before is the same page. The mapping keeps its pages_version (panels rebuild
// what a new version shows), and every value stays the kernel's.
TEST_F(LabKpage, RefreshReadsOfCountedPagesKeepTheVersion) {
    const int child = fork_child(pid);
    ASSERT_GT(child, 0);
    ASSERT_GT(fork_child(child), 0);
    mml::SamplerOptions so;
    so.interval = 0ms;
    so.idle_refresh = 0ms;
    mml::Sampler s(lab, so);
    mml::SnapshotPtr first = s.sample_now();
    const auto version = [&](const mml::Snapshot& snap) {
        const mml::Mapping* m = snap.process(pid)->mapping_at(addr);
        return m ? m->pages_version : 0;
    };
    ASSERT_NE(version(*first), 0u);
    EXPECT_GT(s.stats().last_kpage.counted, 0u) << "three mappers: counted";
    for (uint64_t i = 0; i < 2 * mml::procfs::kKpageRefreshEvery; ++i) {
        mml::SnapshotPtr snap = s.sample_now();
        EXPECT_EQ(version(*snap), version(*first)) << "snapshot " << i;
        expect_truth(*snap->process(pid), addr, "idle, refreshed");
    }
    EXPECT_EQ(s.stats().idle_copies, 0u);
}
