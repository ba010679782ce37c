// read_kpage's counting half (procfs_kpage.cpp): the pages whose values are written back only
// where they change, the rotating slice of frames checked against kpagecount, the mapcount 2 that
// smaps' Pss proves, and the mapcounts of shared anonymous pages counted from the page table
// entries of every observed process. Internal to procfs_kpage.cpp (and its unit tests).
#pragma once

#include "abi.hpp"
#include "frame_set.hpp"
#include "procfs.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace mml::procfs::kpage {

using frames::FrameSet;
using frames::kMaxBitmapBits;
using frames::read_set;

// A page whose values are read from the kpage files: where it is, its frame, whether its flags
// are wanted too. (Not a Page*: the pages may still be shared with an earlier snapshot, and
// become the mapping's own only if a value read differs: PageWriter.)
struct Slot {
    Mapping* m;
    size_t i;
    uint64_t pfn;
    bool flags;
};

inline bool frames_of(const std::vector<Slot>& slots, FrameSet& set) {
    return frames_of(slots, set, [](const Slot& s) { return s.pfn; });
}

// Whether kread bits a and b know the same (the count, and the flags or not) by whatever way:
// a mapcount counted or proven before and read now (the refresh slice), or the other way round.
inline bool same_knowledge(uint8_t a, uint8_t b) {
    constexpr uint8_t kCount = Page::kCountRead | Page::kCountCounted | Page::kCountProven;
    const bool both_count = (a & kCount) != 0 && (b & kCount) != 0;
    return a == b || (both_count && (a & Page::kFlagsRead) == (b & Page::kFlagsRead));
}

// Writes the kpage values of a mapping's pages, making the pages the mapping's own (PageVec)
// only at the first value that differs: pages shared with an earlier read (read_process)
// stay shared when nothing changed. A value found again by another way keeps the way it was
// first known (Page::kread): the page is unchanged, so the snapshot's version need not change
// (a page of the rotating refresh slice, read where it was counted, made the whole 1 GiB
// mapping of the bench scene new once a second, and the panels rebuilt it on the frame).
class PageWriter {
public:
    explicit PageWriter(Mapping& m) : m_(m), pg_(std::as_const(m.pages).data()) {}
    const Page* pages() const { return pg_; }
    void set(size_t i, uint32_t mapcount, uint64_t kflags, uint8_t kread) {
        const Page& now = pg_[i];
        if (now.mapcount == mapcount && now.kflags == kflags && same_knowledge(now.kread, kread))
            return;
        Page* w = m_.pages.data(); // its own from here on
        w[i].mapcount = mapcount;
        w[i].kflags = kflags;
        w[i].kread = kread;
        pg_ = w;
    }

private:
    Mapping& m_;
    const Page* pg_;
};

inline void set_values(const Slot& s, uint32_t mapcount, uint64_t kflags, uint8_t kread) {
    PageWriter(*s.m).set(s.i, mapcount, kflags, kread);
}

// Whether n (a PFN, or a virtual page number) is in this call's slice of kKpageRefreshEvery:
// runs of kSliceRun consecutive numbers go to one slice together (a multiplicative hash of the
// run spreads any stride evenly over the slices), so each n is in every kKpageRefreshEvery-th
// slice. Runs, not single numbers, because a slice's frames are read from /proc/kpagecount:
// each pread costs about as much as reading two more frames in it (here: 140 ns per pread,
// 60-100 ns per frame), a shared anonymous mapping's frames are mostly consecutive, and a
// hash of single frames made nearly every checked frame a pread of its own (cold pair
// snapshot, read_kpage CPU 12.6 -> 9.3 ms with the counting changes, warm 12.1 -> 10.3 ms).
inline bool in_slice(uint64_t n, uint64_t slice) {
    constexpr uint64_t kSliceRun = 8;
    return (n / kSliceRun * 0x9E3779B97F4A7C15ull >> 40) % kKpageRefreshEvery ==
           slice % kKpageRefreshEvery;
}

// A present anonymous page whose mapcount counting may give: not exclusive, not the zero page.
// (Pass1 lists them in page order; Counted::assign finds them again by the same test.)
inline bool count_candidate(uint64_t e, uint64_t zero_pfn) {
    const uint64_t pfn = abi::pm_pfn(e);
    return pfn != 0 && !abi::pm_file_shared(e) && !abi::pm_exclusive(e) && pfn != zero_pfn;
}

// A field of m's smaps block, looked for first where the kernel prints it (index `at`).
inline const SmapsField* smaps_field(const Mapping& m, size_t at, std::string_view name) {
    return m.smaps.size() > at && m.smaps[at].name == name ? &m.smaps[at] : m.field(name);
}

inline uint64_t smaps_kb(const Mapping& m, size_t at, std::string_view name) {
    const SmapsField* f = smaps_field(m, at, name);
    return f && f->kb ? *f->kb : 0;
}

// Whether smaps' Pss proves mapcount 2 for every count_candidate page of `m` (procfs_kpage.cpp,
// "Proven by Pss"; the caller has checked countable and not huge-capable). Nothing to prove when
// smaps counts no page mapped more than once (Shared_Clean and Shared_Dirty both 0), and no
// walk when smaps' sums already rule pairs out (three or more mappers).
inline bool pss_proves_pairs(const Mapping& m, uint64_t zero_pfn, uint64_t page_size) {
    if (page_size % 2048 != 0 || m.pages.size() != m.page_count(page_size)) return false;
    const uint64_t shared_kb = smaps_kb(m, 6, "Shared_Clean") + smaps_kb(m, 7, "Shared_Dirty");
    const uint64_t private_kb = smaps_kb(m, 8, "Private_Clean") + smaps_kb(m, 9, "Private_Dirty");
    const SmapsField* pss = smaps_field(m, 4, "Pss");
    // smaps' own sums first (no walk): pairs only would make Pss = Private + Shared / 2.
    if (shared_kb == 0 || !pss || !pss->kb || *pss->kb * 2 != private_kb * 2 + shared_kb)
        return false;
    uint64_t once = 0, shared = 0;
    for (const Page& pg : m.pages) {
        const uint64_t e = pg.entry;
        if (abi::pm_swapped(e)) return false; // a migration entry counts in Pss, unseen here
        if (abi::pm_pfn(e) == 0) continue;
        if (abi::pm_exclusive(e))
            ++once;
        else if (abi::pm_file_shared(e))
            return false; // a file page mapped by others: its share is unknown
        else
            shared += count_candidate(e, zero_pfn);
    }
    return shared > 0 && *pss->kb * 1024 == once * page_size + shared * (page_size / 2);
}

// One byte per PFN of [lo, hi], in blocks of kBlock frames made as their first PFN is counted: a
// process's frames cluster, so the blocks that hold a candidate are few and small. (The forked
// reference subject's 131,072 shared pages: one byte per PFN of their span was a 6 MB calloc,
// its counting and lookups mostly cache misses on freshly faulted pages.)
class FrameCounts {
public:
    static constexpr uint64_t kBlock = 512;
    bool init(uint64_t lo, uint64_t hi) {
        if (hi < lo || hi - lo + 1 > kMaxBitmapBits) return false;
        lo_ = lo;
        dir_.assign((hi - lo) / kBlock + 1, 0);
        blocks_.clear();
        return true;
    }
    uint8_t& at(uint64_t pfn) { // made on first use
        uint32_t& d = dir_[(pfn - lo_) / kBlock];
        if (d == 0) {
            blocks_.resize(blocks_.size() + kBlock);
            d = static_cast<uint32_t>(blocks_.size() / kBlock);
        }
        return blocks_[(d - 1) * kBlock + (pfn - lo_) % kBlock];
    }
    uint8_t get(uint64_t pfn) const { // 0 for a PFN never counted
        const uint32_t d = dir_[(pfn - lo_) / kBlock];
        return d == 0 ? 0 : blocks_[(d - 1) * kBlock + (pfn - lo_) % kBlock];
    }

private:
    uint64_t lo_ = 0;
    std::vector<uint32_t> dir_;   // block number + 1 of each kBlock PFNs, 0: none
    std::vector<uint8_t> blocks_; // the counts
};

// Counting shared anonymous mapcounts from PTEs: every candidate's PFN in page order, grouped by
// mapping, counted in one byte per PFN (FrameCounts).
class Counted {
public:
    struct Group {
        Mapping* m;
        size_t first, end; // range of pfn_
        bool ok = true;    // no sampled frame disagreed with kpagecount
    };
    void add(uint64_t pfn) {
        pfn_.push_back(pfn);
        lo_ = std::min(lo_, pfn);
        hi_ = std::max(hi_, pfn);
    }
    size_t size() const { return pfn_.size(); }
    void reserve(size_t n) { pfn_.reserve(n); }
    void close_group(Mapping& m, size_t first) {
        if (pfn_.size() > first) groups_.push_back({&m, first, pfn_.size()});
    }
    // Counts (noting each group's sampled frames: its first and those of the slice), reads their
    // kpagecount and checks them, then gives every candidate of a passing group its mapcount in
    // one walk of its pages; a group that fails sends its candidates to `todo`.
    void run(int counts_fd, uint64_t slice, uint64_t zero_pfn, std::vector<Slot>& todo,
             KpageStats& st) {
        if (pfn_.empty()) return;
        const bool checked = count(slice) && check(counts_fd, st);
        for (Group& g : groups_) assign(g, checked, zero_pfn, todo, st);
    }

private:
    static constexpr uint8_t kMax = 255; // saturated: more mappers than one byte counts
    struct Sampled {
        uint32_t group;
        uint64_t pfn;
    };
    // One walk of the PFNs: counts them and lists each group's sampled frames.
    bool count(uint64_t slice) {
        if (!n_.init(lo_, hi_)) return false;
        sample_.reserve(pfn_.size() / kKpageRefreshEvery + 2 * groups_.size());
        for (size_t g = 0; g < groups_.size(); ++g) {
            for (size_t i = groups_[g].first; i < groups_[g].end; ++i) {
                const uint64_t pfn = pfn_[i];
                uint8_t& c = n_.at(pfn);
                c += c != kMax;
                if (i == groups_[g].first || in_slice(pfn, slice))
                    sample_.push_back({static_cast<uint32_t>(g), pfn});
            }
        }
        return true;
    }
    // kpagecount of the sampled frames; a group fails where one disagrees with the count.
    bool check(int counts_fd, KpageStats& st) {
        if (!frames_of(sample_, set_, [](const Sampled& s) { return s.pfn; }) ||
            !read_set(counts_fd, set_, kernel_))
            return false;
        for (const Sampled& s : sample_)
            if (kernel_[set_.rank(s.pfn)] != n_.get(s.pfn)) groups_[s.group].ok = false;
        st.checked = set_.count();
        return true;
    }
    // A checked group passes when each of its frames was also seen more than once (once without
    // the exclusive bit: a mapper we do not see); its candidates are given their counts in the same
    // walk, and a failure takes them back.
    void assign(Group& g, bool checked, uint64_t zero_pfn, std::vector<Slot>& todo,
                KpageStats& st) const {
        g.ok = g.ok && checked;
        const size_t pages = g.m->pages.size();
        if (g.ok) {
            PageWriter w(*g.m);
            for (size_t i = 0; i < pages; ++i) {
                const uint64_t e = w.pages()[i].entry;
                if (!count_candidate(e, zero_pfn)) continue;
                const uint8_t c = n_.get(abi::pm_pfn(e));
                if (c <= 1 || c >= kMax) {
                    g.ok = false;
                    break;
                }
                w.set(i, c, 0, Page::kCountCounted);
            }
        }
        if (g.ok) {
            st.counted += g.end - g.first;
            return;
        }
        const Page* pg = std::as_const(g.m->pages).data();
        for (size_t i = 0; i < pages; ++i)
            if (count_candidate(pg[i].entry, zero_pfn))
                todo.push_back({g.m, i, abi::pm_pfn(pg[i].entry), false});
    }

    std::vector<uint64_t> pfn_;
    std::vector<Group> groups_;
    uint64_t lo_ = ~uint64_t{0}, hi_ = 0;
    FrameCounts n_;
    std::vector<Sampled> sample_;  // each group's sampled frames (a frame may repeat)
    FrameSet set_;                 // the sampled frames
    std::vector<uint64_t> kernel_; // their kpagecount, by rank in set_
};

} // namespace mml::procfs::kpage
