// The function table of the action language: names, how many arguments each takes, which
// arguments are strings, the result type, and a one-line summary for help.
#include "functions.hpp"

#include <algorithm>

namespace mml::script {

namespace {

constexpr unsigned kArg0 = 1u, kArg1 = 2u, kArg4 = 16u;

// clang-format off
constexpr FnInfo kFunctions[] = {
    {"open", Fn::Open, 2, 3, kArg0, "int", true, "open(path, flags[, mode]) opens a file in the lab directory"},
    {"write", Fn::Write, 3, 3, kArg1, "ssize_t", true, "write(fd, \"text\", n) writes n bytes of a string"},
    {"ftruncate", Fn::Ftruncate, 2, 2, 0, "int", true, "ftruncate(fd, length) sets a file's size"},
    {"close", Fn::Close, 1, 1, 0, "int", true, "close(fd)"},
    {"shm_open", Fn::ShmOpen, 3, 3, kArg0, "int", true, "shm_open(\"/name\", flags, mode) opens a POSIX shared memory object"},
    {"shm_unlink", Fn::ShmUnlink, 1, 1, kArg0, "int", true, "shm_unlink(\"/name\")"},
    {"unlink", Fn::Unlink, 1, 1, kArg0, "int", true, "unlink(path) removes a file"},
    {"mmap", Fn::Mmap, 6, 6, 0, "void *", true, "mmap(addr, length, prot, flags, fd, offset)"},
    {"munmap", Fn::Munmap, 2, 2, 0, "int", true, "munmap(addr, length)"},
    {"mprotect", Fn::Mprotect, 3, 3, 0, "int", true, "mprotect(addr, length, prot)"},
    {"msync", Fn::Msync, 3, 3, 0, "int", true, "msync(addr, length, MS_SYNC | MS_ASYNC | MS_INVALIDATE)"},
    {"madvise", Fn::Madvise, 3, 3, 0, "int", true, "madvise(addr, length, MADV_...)"},
    {"mremap", Fn::Mremap, 4, 5, 0, "void *", true, "mremap(old, old_size, new_size, flags[, new_address])"},
    {"mlock", Fn::Mlock, 2, 2, 0, "int", true, "mlock(addr, length)"},
    {"munlock", Fn::Munlock, 2, 2, 0, "int", true, "munlock(addr, length)"},
    {"memset", Fn::Memset, 3, 3, 0, "void *", true, "memset(p, byte, n) fills n bytes"},
    {"strcpy", Fn::Strcpy, 2, 2, kArg1, "char *", true, "strcpy(p, \"text\") stores the bytes and the final NUL"},
    {"read_pages", Fn::ReadPages, 2, 2, 0, "long", false, "read_pages(p, n): mmaplab helper, reads one byte of every page"},
    {"write_pages", Fn::WritePages, 2, 4, 0, "int", false, "write_pages(p, n[, byte[, stride]]): mmaplab helper, writes one byte at the start of every page (or every stride bytes)"},
    {"prctl", Fn::Prctl, 5, 5, kArg4, "int", true, "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, p, n, \"name\") names anonymous memory"},
    {"fork", Fn::Fork, 0, 0, 0, "pid_t", true, "fork() makes a child lab process named after the variable"},
    {"exit", Fn::Exit, 1, 1, 0, "int", true, "exit(status) ends the lab process"},
    {"kill", Fn::Kill, 2, 2, 0, "int", true, "kill(pid, signal): sent by the lab"},
    {"let_crash", Fn::LetCrash, 1, 1, 0, "int", false, "let_crash(1): mmaplab helper, SIGSEGV/SIGBUS kill the process; let_crash(0) catches them"},
    {"getpid", Fn::Getpid, 0, 0, 0, "pid_t", true, "getpid() the pid of the process running the statement"},
    {"sysconf", Fn::Sysconf, 1, 1, 0, "long", true, "sysconf(_SC_PAGESIZE)"},
    {"sleep", Fn::Sleep, 1, 1, 0, "unsigned int", true, "sleep(seconds) waits; the lab processes stay idle meanwhile"},
};
// clang-format on

} // namespace

std::span<const FnInfo> function_table() {
    return kFunctions;
}

const FnInfo* find_function(std::string_view name) {
    auto it = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                           [&](const FnInfo& f) { return f.name == name; });
    return it == std::end(kFunctions) ? nullptr : &*it;
}

} // namespace mml::script
