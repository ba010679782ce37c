// Actions: forms that build the exact C statement they will run (mmap of anonymous, file or
// POSIX shm memory; munmap, mprotect, msync, madvise; reads and writes of page ranges), and
// the console for typing statements directly.
#pragma once

#include "app_state.hpp"
#include "panels/console.hpp"

#include <string>
#include <vector>

namespace mml::app {

struct MapForm {
    int kind = 0; // 0 anonymous, 1 file, 2 POSIX shm
    bool prot_read = true, prot_write = true, prot_exec = false;
    std::vector<std::pair<std::string, bool>> flags; // every MAP_ constant, checked or not
    int pages = 16;
    int offset = 0; // bytes (an unaligned offset reaches the kernel: EINVAL is a lesson)
    std::string file = "data.bin", shm = "/mmaplab_demo";
    bool read_only = false, set_size = true;
    int file_pages = 16;
};

// One page range of a pointer variable, for munmap/mprotect/msync/madvise/read/write.
struct RangeForm {
    std::string var; // pointer variable
    int first = 0, count = 16;
};

struct ActionsPanel {
    void draw(Context& ctx);

private:
    void map_tab(Context& ctx);
    void change_tab(Context& ctx);
    void touch_tab(Context& ctx);
    bool resolve_var(const Context& ctx); // picks an existing pointer variable for range_
    void range_picker(Context& ctx, RangeForm& r);
    std::string map_statement(const Context& ctx) const;
    std::string change_statement(const Context& ctx) const;
    std::string touch_statement(const Context& ctx) const;
    void run_row(Context& ctx, const std::string& stmt, const char* id);

    MapForm map_;
    RangeForm range_;
    int change_op_ = 1; // 0 munmap, 1 mprotect, 2 msync, 3 madvise
    bool prot_read_ = true, prot_write_ = false, prot_exec_ = false;
    bool ms_sync_ = true, ms_async_ = false, ms_invalidate_ = false;
    int advice_ = 0;
    std::vector<std::string> advice_names_; // every MADV_ constant
    int touch_write_ = 1;                   // 1 write, 0 read
    char byte_[2] = "A";
    int tab_ = 0; // 0 Map, 1 Change, 2 Read / write
    Console console_;
};

} // namespace mml::app
