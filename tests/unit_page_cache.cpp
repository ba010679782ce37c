// The Pages grid's classification kept across snapshots (app/page_state): after every step of
// a copy-on-write story it equals a classification from scratch (no stale state, no stale
// "changed" mark); and the zero page's PFN is looked for only when a page may need it. Pages
// the Sampler found unchanged (Mapping::pages_version, Process::version) are not looked at.
#include "abi.hpp"
#include "page_state.hpp"
#include "panels/frames_model.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace {

using mml::Mapping;
using mml::Page;
using mml::Process;
using mml::Snapshot;
using mml::SnapshotPtr;
using mml::app::ClassifiedMapping;

constexpr uint64_t bit(int b) {
    return uint64_t{1} << b;
}
constexpr uint64_t kPresent = bit(mml::abi::kPmPresentBit);
constexpr uint64_t kExcl = bit(mml::abi::kPmExclusiveBit);
constexpr uint64_t kStart = 0x7f0000000000, kPages = 16;
constexpr int kPid = 42;

// A written page mapped by parent and child after fork (counted, not exclusive).
Page shared_page(uint64_t pfn) {
    Page p;
    p.entry = kPresent | pfn;
    p.mapcount = 2;
    p.kread = Page::kCountCounted;
    return p;
}

// The child's own copy after its write (mapcount derived from the exclusive bit).
Page own_page(uint64_t pfn) {
    Page p;
    p.entry = kPresent | kExcl | pfn;
    p.mapcount = 1;
    return p;
}

std::shared_ptr<Snapshot> snapshot(uint64_t seq, const std::vector<Page>& pages,
                                   const char* perms = "rw-p") {
    auto s = std::make_shared<Snapshot>();
    s->seq = seq;
    s->caps.pfn = s->caps.kpage = true;
    Process p;
    p.pid = kPid;
    p.pfn_known = p.kpage_known = true;
    Mapping m;
    m.start = kStart;
    m.end = kStart + kPages * 4096;
    m.perms = perms;
    m.pages = pages;
    p.mappings.push_back(m);
    s->processes.push_back(std::move(p));
    return s;
}

// Classifies with the kept state `kept` and from scratch; both must agree on everything drawn.
void expect_fresh(const SnapshotPtr& s, const Snapshot* before, ClassifiedMapping& kept) {
    const Process& p = s->processes[0];
    const Mapping& m = p.mappings[0];
    mml::app::classify_mapping(s, p, m, before, 0, kept);
    ClassifiedMapping fresh;
    mml::app::classify_mapping(s, p, m, before, 0, fresh);
    ASSERT_EQ(kept.pages.size(), fresh.pages.size());
    for (size_t i = 0; i < fresh.pages.size(); ++i) {
        EXPECT_EQ(mml::app::page_state(kept.pages[i]), mml::app::page_state(fresh.pages[i]))
            << "page " << i;
        EXPECT_EQ(kept.pages[i].pfn, fresh.pages[i].pfn) << "page " << i;
    }
    EXPECT_EQ(kept.texels, fresh.texels);
    EXPECT_EQ(kept.changed, fresh.changed);
    EXPECT_EQ(kept.changed_count, fresh.changed_count);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(kept.counts[i], fresh.counts[i]) << "state " << i;
}

TEST(PageCache, CowStoryEqualsClassificationFromScratch) {
    std::vector<Page> pages;
    for (uint64_t i = 0; i < kPages; ++i) pages.push_back(shared_page(0x1000 + i));
    const auto s1 = snapshot(1, pages);
    ClassifiedMapping kept;
    expect_fresh(s1, nullptr, kept);
    EXPECT_EQ(kept.changed_count, 0u);

    // The child writes page 3: a copy. Before = s1, the snapshot kept.
    pages[3] = own_page(0x9003);
    const auto s2 = snapshot(2, pages);
    expect_fresh(s2, s1.get(), kept);
    EXPECT_EQ(kept.changed[3], 1);
    EXPECT_EQ(kept.changed_count, 1u);
    EXPECT_EQ(kept.texels[2 * 3], static_cast<uint8_t>(mml::app::PageState::Dirty));
    EXPECT_TRUE(kept.texels[2 * 3 + 1] & mml::app::kMarkChanged);

    // An idle copy: same pages, same before; the mark stays.
    const auto s3 = snapshot(3, pages);
    expect_fresh(s3, s1.get(), kept);
    EXPECT_EQ(kept.changed[3], 1);

    // The next action (before = s3): page 5 is copied, page 3's mark goes.
    pages[5] = own_page(0x9005);
    const auto s4 = snapshot(4, pages);
    expect_fresh(s4, s3.get(), kept);
    EXPECT_EQ(kept.changed[3], 0);
    EXPECT_EQ(kept.changed[5], 1);
    EXPECT_FALSE(kept.texels[2 * 3 + 1] & mml::app::kMarkChanged);

    // The full snapshot after the quick one (before still s3) shows one more change.
    pages[6] = own_page(0x9006);
    const auto s5 = snapshot(5, pages);
    expect_fresh(s5, s3.get(), kept);
    EXPECT_EQ(kept.changed_count, 2u);

    // A page dropped (madvise) and the mapping made read-only: other traits, all again.
    pages[7] = Page{};
    const auto s6 = snapshot(6, pages, "r--p");
    expect_fresh(s6, s5.get(), kept);
    EXPECT_EQ(kept.texels[2 * 7], static_cast<uint8_t>(mml::app::PageState::NotPresent));

    // Back to a before-snapshot that is neither the kept one nor the last one compared with.
    const auto s7 = snapshot(7, pages);
    expect_fresh(s7, s2.get(), kept);
}

TEST(PageCache, ZeroPfnLookedForOnlyWhenAPageMayNeedIt) {
    std::vector<Page> pages;
    for (uint64_t i = 0; i < kPages; ++i) pages.push_back(own_page(0x2000 + i));
    const auto s1 = snapshot(1, pages);
    const Process& p1 = s1->processes[0];
    EXPECT_FALSE(mml::app::zero_pfn_matters(p1, p1.mappings[0], nullptr));
    mml::app::ZeroPfn zero;
    EXPECT_EQ(zero.of(*s1, [&] { return mml::app::zero_pfn_matters(p1, p1.mappings[0], nullptr); }),
              0u);
    EXPECT_EQ(zero.searches, 0u);

    // A page read but whose kpage data were not read: it may be the zero page.
    pages[2].entry = kPresent | 0x55;
    pages[2].mapcount = 0;
    pages[2].kread = 0;
    const auto s2 = snapshot(2, pages);
    const Process& p2 = s2->processes[0];
    EXPECT_TRUE(mml::app::zero_pfn_matters(p2, p2.mappings[0], nullptr));
    const auto need2 = [&] { return mml::app::zero_pfn_matters(p2, p2.mappings[0], nullptr); };
    EXPECT_EQ(zero.of(*s2, need2), 0u); // nowhere flagged: not known
    EXPECT_EQ(zero.of(*s2, need2), 0u); // the same snapshot is not walked twice
    EXPECT_EQ(zero.searches, 1u);

    // The zero page with its flag: found, then kept without walking again.
    pages[4].entry = kPresent | 0x55;
    pages[4].kflags = bit(mml::abi::kKpfZeroPage);
    pages[4].kread = Page::kCountRead | Page::kFlagsRead;
    const auto s3 = snapshot(3, pages);
    EXPECT_EQ(zero.of(*s3, [] { return true; }), 0x55u);
    const auto s4 = snapshot(4, pages);
    EXPECT_EQ(zero.of(*s4, [] { return true; }), 0x55u);
    EXPECT_EQ(zero.searches, 2u);
}

TEST(PageCache, ZeroNeedScansEachSnapshotsMappingOnce) {
    std::vector<Page> pages;
    for (uint64_t i = 0; i < kPages; ++i) pages.push_back(own_page(0x2000 + i));
    const auto s1 = snapshot(1, pages);
    pages[9].entry = kPresent | 0x55; // kpage data not read: may be the zero page
    pages[9].mapcount = 0;
    const auto s2 = snapshot(2, pages);
    const Process& p1 = s1->processes[0];
    const Process& p2 = s2->processes[0];
    mml::app::ZeroNeed need;
    EXPECT_FALSE(need.of(*s1, p1, p1.mappings[0], nullptr));
    EXPECT_EQ(need.scans, 1u);
    EXPECT_TRUE(need.of(*s2, p2, p2.mappings[0], s1.get()));
    EXPECT_TRUE(need.of(*s2, p2, p2.mappings[0], s1.get()));
    EXPECT_EQ(need.scans, 2u); // s1's mapping remembered, s2's scanned once
    const auto s3 = snapshot(3, std::vector<Page>(kPages, own_page(0x3000)));
    const Process& p3 = s3->processes[0];
    EXPECT_TRUE(need.of(*s3, p3, p3.mappings[0], s2.get())); // from s2, remembered
    EXPECT_EQ(need.scans, 3u);
}

// The Sampler's word that pages did not change (equal nonzero pages_version) is taken: the
// pages are not looked at again, and the result is the classification of the source.
TEST(PageCache, SamePagesVersionIsNotClassifiedAgain) {
    std::vector<Page> pages(kPages, own_page(0x2000));
    for (uint64_t i = 0; i < kPages; ++i) pages[i] = own_page(0x2000 + i);
    const auto s1 = snapshot(1, pages);
    s1->processes[0].mappings[0].pages_version = 7;
    ClassifiedMapping kept;
    expect_fresh(s1, nullptr, kept);
    // Different pages under the same version: only a skip keeps the old classes.
    std::vector<Page> other(kPages, shared_page(0x9000));
    const auto s2 = snapshot(2, other);
    s2->processes[0].mappings[0].pages_version = 7;
    const Process& p2 = s2->processes[0];
    EXPECT_FALSE(mml::app::classify_mapping(s2, p2, p2.mappings[0], nullptr, 0, kept));
    EXPECT_EQ(kept.pages[3].pfn, 0x2003u);
    EXPECT_EQ(kept.src, s2); // the new snapshot is the source now
}

// A write (s1, compared with s0) then an idle snapshot s2 with s1's pages_version, and the
// write's snapshot s1 as the before-snapshot of the next action: no page is marked changed.
TEST(PageCache, SamePagesVersionAfterAnActionClearsTheMarks) {
    std::vector<Page> pages;
    for (uint64_t i = 0; i < kPages; ++i) pages.push_back(shared_page(0x2000 + i));
    const auto s0 = snapshot(1, pages);
    pages[5] = own_page(0x7000);
    const auto s1 = snapshot(2, pages);
    s1->processes[0].mappings[0].pages_version = 11;
    ClassifiedMapping kept;
    expect_fresh(s1, s0.get(), kept);
    EXPECT_EQ(kept.changed_count, 1u);
    const auto s2 = snapshot(3, pages);
    s2->processes[0].mappings[0].pages_version = 11;
    expect_fresh(s2, s0.get(), kept); // the same before: the mark stays
    EXPECT_EQ(kept.changed_count, 1u);
    expect_fresh(s2, s1.get(), kept); // before = the source: no mark
    EXPECT_EQ(kept.changed_count, 0u);
}

TEST(PageCache, ZeroNeedRemembersAPagesVersion) {
    std::vector<Page> pages;
    for (uint64_t i = 0; i < kPages; ++i) pages.push_back(own_page(0x2000 + i));
    const auto s1 = snapshot(1, pages);
    const auto s2 = snapshot(2, pages);
    const auto s3 = snapshot(3, pages);
    s1->processes[0].mappings[0].pages_version = 5;
    s2->processes[0].mappings[0].pages_version = 5;
    mml::app::ZeroNeed need;
    for (const auto& s : {s1, s2})
        EXPECT_FALSE(need.of(*s, s->processes[0], s->processes[0].mappings[0]));
    EXPECT_EQ(need.scans, 1u); // s2's mapping has s1's pages
    EXPECT_FALSE(need.of(*s3, s3->processes[0], s3->processes[0].mappings[0]));
    EXPECT_EQ(need.scans, 2u); // version 0: scanned
    s3->processes[0].pfn_known = false;
    s3->processes[0].mappings[0].pages_version = 5;
    EXPECT_FALSE(need.of(*s3, s3->processes[0], s3->processes[0].mappings[0]));
    EXPECT_EQ(need.scans, 3u); // other privileges: scanned
}

// The Frames model's key: equal for processes of the same versions, new for a new version or
// an unknown one.
TEST(PageCache, FramesSourceVersions) {
    const auto s1 = snapshot(1, std::vector<Page>(kPages, own_page(0x2000)));
    const auto s2 = snapshot(2, std::vector<Page>(kPages, own_page(0x2000)));
    const std::vector<int> pids{kPid, 99};
    EXPECT_NE(mml::app::source_versions(*s1, pids, kPid),
              mml::app::source_versions(*s2, pids, kPid)); // unknown: the snapshot decides
    s1->processes[0].version = s2->processes[0].version = 3;
    EXPECT_EQ(mml::app::source_versions(*s1, pids, kPid),
              mml::app::source_versions(*s2, pids, kPid));
    s2->processes[0].version = 4;
    EXPECT_NE(mml::app::source_versions(*s1, pids, kPid),
              mml::app::source_versions(*s2, pids, kPid));
}

} // namespace
