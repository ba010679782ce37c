// The data of the Frames view, built once per snapshot: for a window of virtual pages of one
// mapping in several processes, each page's frame, the unique frames, and what the last
// action changed (lines that moved, frames that are new). No drawing here.
#pragma once

#include "app_state.hpp"
#include "page_state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mml::app {

struct FrameColumn {
    int pid = 0;
    std::string name;
    std::string role;                 // "parent", "child", ""
    bool has_mapping = false;         // the process maps this address
    std::vector<PageClass> rows;      // one per visible row
    std::vector<int> frame;           // index into FramesModel::frames, -1 when none
    std::vector<uint8_t> moved;       // this page's frame differs from before the last action
    std::vector<uint64_t> pfn_before; // 0 when unknown or not present then
    std::vector<int8_t> state_before; // PageState before the last action, -1 when unknown
};

struct PhysFrame {
    uint64_t pfn = 0;
    PageState state = PageState::Clean;
    uint32_t mapcount = 0;                                 // from kpagecount (0 when unknown)
    Page::CountSource count_src = Page::CountSource::Read; // how `mapcount` is known
    int refs = 0;                                          // lines that reach it in the window
    bool is_new = false; // not a frame of these pages before the last action
    bool zero = false;
};

struct FramesModel {
    uint64_t base = 0; // start address of the mapping in the selected process
    uint64_t page_size = 4096;
    uint64_t pages = 0; // pages in that mapping
    uint64_t first = 0; // first row's page index
    int rows = 0;
    bool pfn_known = false;
    std::vector<FrameColumn> cols;
    std::vector<PhysFrame> frames;  // in display order
    std::vector<std::string> story; // plain sentences on what the last action did
};

// Processes to compare: sel.compare if set, else the selected process, its lab parent and its
// children (alive ones), parents first.
std::vector<int> compare_pids(const Snapshot& s, const Selection& sel);

// Whether a page of the window (pages [first, first+rows) from `base`, in each of `pids`, now
// or before) may be the zero page without its own data saying so (zero_pfn_matters).
bool window_needs_zero_pfn(const Snapshot& s, const Snapshot* before, const std::vector<int>& pids,
                           uint64_t base, uint64_t first, int rows);

// What build_frames reads of snapshot s, as a key: the content versions of the processes of
// `pids` and `sel_pid` (Process::version; 0 for a missing one). When one's version is unknown,
// the snapshot itself ({UINT64_MAX, seq}: every new snapshot differs). Equal keys (with the
// same other arguments and `before`) build equal models.
std::vector<uint64_t> source_versions(const Snapshot& s, const std::vector<int>& pids, int sel_pid);

// Builds the model for mapping start `base` of process `sel_pid`, pages [first, first+rows).
void build_frames(const Snapshot& s, const Snapshot* before, const std::vector<int>& pids,
                  int sel_pid, uint64_t base, uint64_t first, int rows, bool order_by_pfn,
                  uint64_t zero_pfn, FramesModel& out);

} // namespace mml::app
