// The frames of /proc/kpagecount and /proc/kpageflags to read, as a bitmap with a rank index,
// and their values read in coalesced preads (procfs_kpage.cpp's reading half).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mml::procfs::frames {

constexpr uint64_t kMaxBitmapBits = uint64_t{1} << 31; // 256 MiB bitmap: beyond, give up

// The set of PFNs to read: a bitmap over [base, base + bits) with a rank index, so each
// page finds its frame's values in O(1) and the frames are walked in PFN order.
class FrameSet {
public:
    bool init(uint64_t lo, uint64_t hi) {
        if (hi < lo || hi - lo + 1 > kMaxBitmapBits) return false;
        base_ = lo;
        words_.assign((hi - lo) / 64 + 1, 0);
        return true;
    }
    void add(uint64_t pfn) {
        const uint64_t b = pfn - base_;
        words_[b / 64] |= uint64_t{1} << (b % 64);
    }
    void index() {
        rank_.resize(words_.size());
        uint64_t r = 0;
        for (size_t w = 0; w < words_.size(); ++w) {
            rank_[w] = r;
            r += static_cast<uint64_t>(std::popcount(words_[w]));
        }
        count_ = r;
    }
    size_t count() const { return count_; }
    size_t rank(uint64_t pfn) const {
        const uint64_t b = pfn - base_;
        const uint64_t below = words_[b / 64] & ((uint64_t{1} << (b % 64)) - 1);
        return rank_[b / 64] + static_cast<size_t>(std::popcount(below));
    }
    size_t words() const { return words_.size(); }
    // Calls f(pfn) for every member in words [w0, w1), in ascending order.
    template <typename F> void each(size_t w0, size_t w1, F&& f) const {
        for (size_t w = w0; w < w1; ++w)
            for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1)
                f(base_ + w * 64 + static_cast<uint64_t>(std::countr_zero(bits)));
    }

private:
    uint64_t base_ = 0;
    size_t count_ = 0;
    std::vector<uint64_t> words_;
    std::vector<uint64_t> rank_;
};

// The values of the members of `set` in words [w0, w1) from a /proc/kpage* file into `out`
// (indexed by rank, sized by the caller): members closer than a few PFNs share one pread.
bool read_values(int fd, const FrameSet& set, std::vector<uint64_t>& out, size_t w0, size_t w1);
// One value per member of `set`, in rank order.
bool read_set(int fd, const FrameSet& set, std::vector<uint64_t>& out);

// The distinct frames of `items` (pfn_of gives each one's PFN), indexed. False when they span
// too many PFNs.
template <typename T, typename PfnOf>
bool frames_of(const std::vector<T>& items, FrameSet& set, PfnOf pfn_of) {
    uint64_t lo = ~uint64_t{0}, hi = 0;
    for (const T& it : items) {
        lo = std::min(lo, pfn_of(it));
        hi = std::max(hi, pfn_of(it));
    }
    if (items.empty()) lo = hi = 0;
    if (!set.init(lo, hi)) return false;
    for (const T& it : items) set.add(pfn_of(it));
    set.index();
    return true;
}

} // namespace mml::procfs::frames
