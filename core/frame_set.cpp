// Reading the members of a FrameSet from a /proc/kpage* file (frame_set.hpp).
#include "frame_set.hpp"

#include "fd.hpp"

#include <cerrno>
#include <unistd.h>

namespace mml::procfs::frames {

namespace {

constexpr uint64_t kGap = 8; // PFN gap read through in one pread (measured: flat from 1 to 16)
constexpr uint64_t kSpan = 64 * 1024; // PFNs per pread at most (512 KiB)

} // namespace

// The values of the members of `set` in words [w0, w1) from a /proc/kpage* file into `out`
// (indexed by rank, sized by the caller): members closer than kGap share one pread.
bool read_values(int fd, const FrameSet& set, std::vector<uint64_t>& out, size_t w0, size_t w1) {
    std::vector<uint64_t> scratch;
    std::vector<uint64_t> run; // members of the current pread
    bool ok = true;
    auto flush = [&] {
        if (run.empty() || !ok) return;
        const uint64_t first = run.front(), span = run.back() - first + 1;
        scratch.resize(span);
        if (!pread_exact(fd, scratch.data(), span * sizeof(uint64_t), first * sizeof(uint64_t))) {
            ok = false;
            return;
        }
        size_t r = set.rank(first);
        for (uint64_t pfn : run) out[r++] = scratch[pfn - first];
        run.clear();
    };
    set.each(w0, w1, [&](uint64_t pfn) {
        if (!run.empty() && (pfn - run.back() > kGap || pfn - run.front() >= kSpan)) flush();
        run.push_back(pfn);
    });
    flush();
    return ok;
}

// One value per member of `set`, in rank order. (Splitting a large set between two threads was
// measured and dropped: 133 k frames, 12 alternations on 2 busy cores, median 27.4 ms split vs
// 25.6 ms one thread; one thread also leaves the other core to the GUI.)
bool read_set(int fd, const FrameSet& set, std::vector<uint64_t>& out) {
    out.resize(set.count());
    return read_values(fd, set, out, 0, set.words());
}

} // namespace mml::procfs::frames
