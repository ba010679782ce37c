// The functions the action language knows (mmap, mprotect, fork, read_pages, ...): one table
// with arity, argument kinds and result type, read by the parser, the checker and the runner.
#pragma once

#include <span>
#include <string_view>

namespace mml::script {

enum class Fn {
    Open,
    Write,
    Ftruncate,
    Close,
    ShmOpen,
    ShmUnlink,
    Unlink,
    Mmap,
    Munmap,
    Mprotect,
    Msync,
    Madvise,
    Mremap,
    Mlock,
    Munlock,
    Memset,
    Strcpy,
    ReadPages,
    WritePages,
    Prctl,
    Fork,
    Exit,
    Kill,
    LetCrash,
    Getpid,
    Sysconf,
    Sleep,
};

struct FnInfo {
    std::string_view name;
    Fn fn;
    int min_args, max_args;
    unsigned string_args;     // bit i set: argument i is a string ("notes.txt", "/mml_demo")
    std::string_view result;  // C type of the result ("int", "void *", "pid_t")
    bool c_function;          // false: an mmaplab helper (read_pages, let_crash)
    std::string_view summary; // one line for help texts
};

std::span<const FnInfo> function_table();
const FnInfo* find_function(std::string_view name);

} // namespace mml::script
