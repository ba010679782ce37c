// Real-kernel tests of the Sampler on lab processes: a snapshot shows what an action did,
// dead processes stay as entries, history is bounded, pausing stops only steady sampling.
#include "abi.hpp"
#include "lab_util.hpp"
#include "sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

using mml::Op;
using namespace labtest;
using namespace std::chrono_literals;

namespace {

// Waits until the sampler has published a snapshot with seq > after (or 5 s passed).
mml::SnapshotPtr wait_newer(const mml::Sampler& s, uint64_t after) {
    auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        mml::SnapshotPtr p = s.latest();
        if (p && p->seq > after) return p;
        std::this_thread::sleep_for(2ms);
    }
    return s.latest();
}

class LabSampler : public ::testing::Test {
protected:
    void SetUp() override {
        std::string err;
        pid = lab.spawn("main", &err);
        ASSERT_GT(pid, 0) << err;
    }
    // A new private anonymous read-write mapping of `n` pages in the lab process: its address
    // (0, and a failure, when the request was not delivered).
    uint64_t map_anon(uint64_t n) {
        mml::Outcome o = lab.call(
            pid, mmap_req(0, n * page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS));
        EXPECT_TRUE(o.delivered) << o.error;
        return o.delivered ? static_cast<uint64_t>(o.reply.ret) : 0;
    }
    mml::Lab lab{options()};
    int pid = 0;
};

} // namespace

TEST_F(LabSampler, SnapshotShowsTheStoredPage) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    mml::Sampler s(lab, so);
    const uint64_t a = map_anon(4);
    ASSERT_NE(a, 0u);
    ASSERT_TRUE(lab.call(pid, store_req(a + 2 * page(), "hi")).delivered);
    mml::SnapshotPtr snap = s.sample_now();
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->action_seq, lab.action_count());
    EXPECT_FALSE(snap->caps.kernel.empty());
    const mml::Process* p = snap->process(pid);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name, "main");
    EXPECT_EQ(p->state, mml::ProcState::Alive);
    EXPECT_TRUE(p->error.empty()) << p->error;
    const mml::Mapping* m = p->mapping_at(a + 2 * page());
    ASSERT_NE(m, nullptr);
    const uint64_t first = (a - m->start) / page();
    ASSERT_GE(m->pages.size(), first + 4);
    for (uint64_t i = 0; i < 4; ++i)
        EXPECT_EQ(mml::abi::pm_present(m->pages[first + i].entry), i == 2) << i;
    EXPECT_EQ(s.latest(), snap);
}

// Content versions: a mapping keeps the previous snapshot's pages_version exactly when its pages
// are equal (other mappings, libc's, may see their mapcounts move: processes outside the lab map
// them); a store gives its mapping, and its process, new ones.
namespace {

bool same_pages(const mml::PageVec& x, const mml::PageVec& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const auto& u, const auto& v) {
        return u.entry == v.entry && u.kflags == v.kflags && u.mapcount == v.mapcount &&
               u.kread == v.kread;
    });
}

void expect_versions_follow_pages(const mml::Process& was, const mml::Process& now) {
    EXPECT_NE(now.version, 0u);
    for (const mml::Mapping& m : now.mappings) {
        EXPECT_NE(m.pages_version, 0u);
        const mml::Mapping* w = was.mapping_at(m.start);
        if (w && w->start == m.start && w->end == m.end) {
            EXPECT_EQ(m.pages_version == w->pages_version, same_pages(m.pages, w->pages))
                << std::hex << m.start;
        }
    }
}

} // namespace

TEST_F(LabSampler, VersionsFollowContent) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    mml::Sampler s(lab, so);
    const uint64_t a = map_anon(4);
    ASSERT_NE(a, 0u);
    ASSERT_TRUE(lab.call(pid, store_req(a, "x")).delivered);
    mml::SnapshotPtr s1 = s.sample_now(), s2 = s.sample_now();
    ASSERT_TRUE(s1 && s2 && s2->seq > s1->seq);
    const mml::Process *p1 = s1->process(pid), *p2 = s2->process(pid);
    ASSERT_TRUE(p1 && p2);
    expect_versions_follow_pages(*p1, *p2);
    const mml::Mapping *m1 = p1->mapping_at(a), *m2 = p2->mapping_at(a);
    ASSERT_TRUE(m1 && m2);
    EXPECT_EQ(m1->pages_version, m2->pages_version); // idle: the written page stays
    ASSERT_TRUE(lab.call(pid, store_req(a + 2 * page(), "y")).delivered);
    mml::SnapshotPtr s3 = s.sample_now();
    const mml::Process* p3 = s3->process(pid);
    ASSERT_TRUE(p3);
    expect_versions_follow_pages(*p2, *p3);
    EXPECT_NE(p3->version, p2->version);
    const mml::Mapping* m3 = p3->mapping_at(a);
    ASSERT_TRUE(m3);
    EXPECT_NE(m3->pages_version, m2->pages_version);
}

TEST_F(LabSampler, WatchedRangeFillsContents) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    mml::Sampler s(lab, so);
    const uint64_t a = map_anon(2);
    ASSERT_NE(a, 0u);
    ASSERT_TRUE(lab.call(pid, store_req(a + 4, "abc")).delivered);
    s.watch(pid, a, 2 * page());
    mml::SnapshotPtr snap = s.sample_now();
    const mml::Process* p = snap->process(pid);
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->contents.has_value());
    ASSERT_EQ(p->contents->mem.size(), 2 * page());
    EXPECT_EQ(p->contents->mem[5], 'b');
    ASSERT_EQ(p->contents->page_present.size(), 2u);
    EXPECT_TRUE(p->contents->page_present[0]);
    EXPECT_FALSE(p->contents->page_present[1]); // read without faulting it in
    s.unwatch();
    snap = s.sample_now();
    EXPECT_FALSE(snap->process(pid)->contents.has_value());
    EXPECT_FALSE(snap->process(pid)->mapping_at(a + page())->pages.empty());
}

TEST_F(LabSampler, DeadProcessesStayAsEntries) {
    mml::Sampler s(lab, {0ms, 8, false});
    ASSERT_TRUE(lab.kill(pid, SIGKILL));
    mml::SnapshotPtr snap = s.sample_now();
    const mml::Process* p = snap->process(pid);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->state, mml::ProcState::Killed);
    EXPECT_EQ(p->term_signal, SIGKILL);
    EXPECT_TRUE(p->mappings.empty());
}

TEST_F(LabSampler, HistoryIsBoundedAndSeqIncreases) {
    mml::Sampler s(lab, {0ms, 3, false});
    uint64_t last = 0;
    for (int i = 0; i < 5; ++i) {
        mml::SnapshotPtr snap = s.sample_now();
        EXPECT_GT(snap->seq, last);
        last = snap->seq;
    }
    auto h = s.history();
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h.back()->seq, last);
    EXPECT_EQ(h.front()->seq, last - 2);
}

TEST_F(LabSampler, BackgroundThreadRequestsAndPause) {
    mml::Sampler s(lab, {10ms, 16, true});
    s.start();
    mml::SnapshotPtr first = wait_newer(s, 0);
    ASSERT_TRUE(first);
    mml::SnapshotPtr steady = wait_newer(s, first->seq); // steady sampling goes on by itself
    EXPECT_GT(steady->seq, first->seq);

    s.set_paused(true);
    std::this_thread::sleep_for(50ms); // let a sample in flight finish
    const uint64_t paused_at = s.latest()->seq;
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(s.latest()->seq, paused_at);

    s.request(); // requests are still served while paused
    mml::SnapshotPtr asked = wait_newer(s, paused_at);
    EXPECT_GT(asked->seq, paused_at);
    s.stop();
    const uint64_t stopped_at = s.latest()->seq;
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(s.latest()->seq, stopped_at);
}

// Resuming steady sampling wakes the sampler at once: it used to wait for the next request
// (an action), so a class that paused and resumed saw the panels freeze.
TEST_F(LabSampler, ResumingAfterPauseSamplesWithoutARequest) {
    mml::Sampler s(lab, {10ms, 16, true});
    s.start();
    ASSERT_TRUE(wait_newer(s, 0));
    s.set_paused(true);
    std::this_thread::sleep_for(50ms); // let a sample in flight finish
    const uint64_t paused_at = s.latest()->seq;
    s.set_paused(false);
    std::this_thread::sleep_for(300ms); // ~30 intervals
    EXPECT_GE(s.latest()->seq, paused_at + 3) << "steady sampling did not resume";
    s.stop();
}

// A full snapshot after an action shares with the one before it what the action did not change
// (read_process with the previous read): an untouched mapping's pages and smaps fields, but not
// those of the mapping written to; and what it shares is what a fresh read shows.
TEST_F(LabSampler, FullReadsShareWhatDidNotChange) {
    mml::SamplerOptions so;
    so.interval = 0ms;
    so.idle_refresh = 0ms; // every snapshot reads every process
    mml::Sampler s(lab, so);
    const uint64_t a = map_anon(4);
    mml::Outcome o =
        lab.call(pid, mmap_req(0, 4 * page(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS));
    ASSERT_TRUE(a && o.delivered) << o.error;
    const auto b = static_cast<uint64_t>(o.reply.ret);
    ASSERT_TRUE(lab.call(pid, store_req(a, "x")).delivered);
    ASSERT_TRUE(lab.call(pid, store_req(b, "y")).delivered);
    mml::SnapshotPtr s1 = s.sample_now();
    ASSERT_TRUE(lab.call(pid, store_req(a + page(), "z")).delivered);
    mml::SnapshotPtr s2 = s.sample_now();
    ASSERT_TRUE(s1 && s2 && !s2->quick);
    const mml::Process *p1 = s1->process(pid), *p2 = s2->process(pid);
    ASSERT_TRUE(p1 && p2);
    const mml::Mapping *a1 = p1->mapping_at(a), *a2 = p2->mapping_at(a);
    const mml::Mapping *b1 = p1->mapping_at(b), *b2 = p2->mapping_at(b);
    ASSERT_TRUE(a1 && a2 && b1 && b2);
    ASSERT_NE(a2, b2);
    EXPECT_FALSE(a2->pages.shares(a1->pages)) << "the written mapping's pages are its own";
    EXPECT_FALSE(a2->smaps.shares(a1->smaps)) << "its Rss moved";
    if (!b2->pages.shares(b1->pages)) {
        // Only a kpage value the kernel moved on its own may take the sharing away: the shared
        // page's kpageflags are read each time, and its LRU bits may change when the kernel
        // drains its per-CPU batch. (This expectation failed once, under ctest -j2 in the
        // sanitizer build, without saying which value moved; not reproduced in 120 reruns.)
        bool moved = false;
        for (size_t i = 0; i < b1->pages.size() && i < b2->pages.size(); ++i)
            moved |= b1->pages[i].kflags != b2->pages[i].kflags ||
                     b1->pages[i].mapcount != b2->pages[i].mapcount;
        EXPECT_TRUE(moved) << "the untouched mapping's pages are shared unless a value moved";
    }
    EXPECT_TRUE(b2->smaps.shares(b1->smaps)) << "and its smaps fields";
    mml::Process fresh;
    ASSERT_TRUE(mml::procfs::read_process(pid, {}, fresh)) << fresh.error;
    const mml::Mapping* bf = fresh.mapping_at(b);
    ASSERT_TRUE(bf);
    ASSERT_EQ(bf->pages.size(), b2->pages.size());
    for (size_t i = 0; i < bf->pages.size(); ++i) {
        EXPECT_EQ(bf->pages[i].entry, b2->pages[i].entry) << i;
        EXPECT_EQ(bf->pages[i].mapcount, b2->pages[i].mapcount) << i;
        EXPECT_EQ(bf->pages[i].kread, b2->pages[i].kread) << i;
    }
    EXPECT_EQ(bf->smaps_text, b2->smaps_text);
}
