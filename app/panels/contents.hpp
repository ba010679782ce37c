// Contents: the bytes of the selected pages as hex and ASCII beside the same range of the
// backing file, differences highlighted, so MAP_SHARED and MAP_PRIVATE writes can be told
// apart. Bytes come from Process::contents (the Sampler's watched range); nothing is faulted in.
#pragma once

#include "app_state.hpp"

#include <cstdint>
#include <vector>

namespace mml::app {

struct ContentsPanel {
    void draw(Context& ctx);

    struct Row {
        enum class Kind : uint8_t { PageHead, Data, Absent } kind = Kind::Data;
        uint32_t page = 0; // page of the range
        uint64_t off = 0;  // byte offset in the range
    };
    std::vector<Row> rows;
    std::vector<uint32_t> page_diffs; // bytes differing from the file, per page
    uint64_t built_seq = UINT64_MAX;
    int built_bpr = 0;
    int bytes_per_row = 16;

private:
    void build(const Contents& c, uint64_t seq, int bpr);
    void draw_row(const Contents& c, const Row& r, ImFont* mono, bool light) const;
};

} // namespace mml::app
