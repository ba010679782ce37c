// Mappings: a sortable table of every mapping of the selected process with its smaps fields
// and VmFlags in words; headers explain their field on hover; values the last action changed
// are highlighted.
#pragma once

#include "app_state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mml::app {

struct MappingsPanel {
    void draw(Context& ctx);

private:
    void setup_columns(const Process& p);
    void header_row();
    void sort_rows(const Process& p);
    void row(Context& ctx, const Mapping& m, const Process* before);

    std::vector<std::string> fields_; // smaps field names, as the kernel printed them
    std::vector<size_t> order_;       // row order after sorting
    int sort_col_ = 0;
    bool sort_desc_ = false;
    uint64_t cols_seq_ = ~uint64_t{0}; // Process::version (or ~seq) the columns were made from
    int cols_pid_ = 0;
    uint64_t scrolled_to_ = 0; // the selected mapping the table last scrolled to
};

} // namespace mml::app
