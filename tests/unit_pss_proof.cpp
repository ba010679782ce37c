// Unit tests of the Pss proof of mapcount 2 (procfs_count.hpp, pss_proves_pairs) on hand-made
// mappings: smaps sums as the kernel prints them beside pagemap entries. The lab tests check it
// against the real kpagecount; these check the cases a lab cannot make on demand.
#include "abi.hpp"
#include "procfs_count.hpp"

#include <gtest/gtest.h>

using namespace mml;

namespace {

constexpr uint64_t kPs = 4096;
constexpr uint64_t kZeroPfn = 0x1000;

uint64_t present(uint64_t pfn, bool exclusive = false, bool file = false) {
    return uint64_t{1} << mml::abi::kPmPresentBit |
           (exclusive ? uint64_t{1} << mml::abi::kPmExclusiveBit : 0) |
           (file ? uint64_t{1} << mml::abi::kPmFileSharedBit : 0) | pfn;
}

// A private anonymous mapping of entries.size() pages with the smaps sums given in kB.
Mapping mapping(const std::vector<uint64_t>& entries, uint64_t pss, uint64_t shared,
                uint64_t priv) {
    Mapping m;
    m.start = 0x10000000;
    m.end = m.start + entries.size() * kPs;
    m.perms = "rw-p";
    std::vector<SmapsField> f;
    for (const char* name : {"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
                             "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty"})
        f.push_back({name, "", 0});
    f[4].kb = pss;
    f[7].kb = shared;
    f[9].kb = priv;
    m.smaps = f;
    std::vector<Page> pages(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) pages[i].entry = entries[i];
    m.pages = pages;
    return m;
}

} // namespace

// Two exclusive pages, three shared by two processes, one not present: Pss 8 + 3 x 2 = 14 kB.
TEST(PssProof, PairsAreProven) {
    const Mapping m = mapping(
        {present(1, true), present(2, true), present(3), present(4), present(5), 0}, 14, 12, 8);
    EXPECT_TRUE(procfs::kpage::pss_proves_pairs(m, kZeroPfn, kPs));
}

// One of the three mapped three times: Pss 8 + 2 + 2 + 1.33 = 13.33, printed 13.
TEST(PssProof, OnePageMappedThreeTimesIsNot) {
    const Mapping m = mapping(
        {present(1, true), present(2, true), present(3), present(4), present(5), 0}, 13, 12, 8);
    EXPECT_FALSE(procfs::kpage::pss_proves_pairs(m, kZeroPfn, kPs));
}

// The zero page adds nothing to smaps (so its sums agree with pairs), but when its PFN is not
// known it counts as a shared page here: only the walk against Pss can refuse.
TEST(PssProof, AnUnknownZeroPageIsNotTakenForAPair) {
    const Mapping m = mapping({present(1, true), present(3), present(kZeroPfn)}, 6, 4, 4);
    EXPECT_TRUE(procfs::kpage::pss_proves_pairs(m, kZeroPfn, kPs)) << "zero page known: left out";
    EXPECT_FALSE(procfs::kpage::pss_proves_pairs(m, 0, kPs)) << "zero page unknown";
}

// What the proof cannot see into: a swap or migration entry, a shared file page; and nothing
// to prove without a shared page.
TEST(PssProof, SwapEntriesFilePagesAndNothingSharedAreNotProven) {
    const uint64_t swapped = uint64_t{1} << mml::abi::kPmSwappedBit | 7;
    EXPECT_FALSE(procfs::kpage::pss_proves_pairs(mapping({present(3), swapped}, 2, 4, 0), 0, kPs));
    EXPECT_FALSE(procfs::kpage::pss_proves_pairs(
        mapping({present(3), present(4, false, true)}, 4, 8, 0), 0, kPs));
    EXPECT_FALSE(procfs::kpage::pss_proves_pairs(mapping({present(1, true)}, 4, 0, 4), 0, kPs));
}
