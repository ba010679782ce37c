// The constant table of the action language. Every value comes from the system headers;
// a name the headers on this build machine do not define is left out (an 'unknown name').
#include "constants.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <linux/mman.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>

namespace mml::script {

namespace {

// clang-format off
#define MML_K(name) Constant{#name, static_cast<int64_t>(name), false},

const Constant kConstants[] = {
    Constant{"NULL", 0, true},
    Constant{"MAP_FAILED", -1, true},
#ifdef PROT_NONE
    MML_K(PROT_NONE)
#endif
#ifdef PROT_READ
    MML_K(PROT_READ)
#endif
#ifdef PROT_WRITE
    MML_K(PROT_WRITE)
#endif
#ifdef PROT_EXEC
    MML_K(PROT_EXEC)
#endif
#ifdef PROT_GROWSDOWN
    MML_K(PROT_GROWSDOWN)
#endif
#ifdef PROT_GROWSUP
    MML_K(PROT_GROWSUP)
#endif
#ifdef MAP_SHARED
    MML_K(MAP_SHARED)
#endif
#ifdef MAP_PRIVATE
    MML_K(MAP_PRIVATE)
#endif
#ifdef MAP_SHARED_VALIDATE
    MML_K(MAP_SHARED_VALIDATE)
#endif
#ifdef MAP_ANONYMOUS
    MML_K(MAP_ANONYMOUS)
#endif
#ifdef MAP_ANON
    MML_K(MAP_ANON)
#endif
#ifdef MAP_FIXED
    MML_K(MAP_FIXED)
#endif
#ifdef MAP_FIXED_NOREPLACE
    MML_K(MAP_FIXED_NOREPLACE)
#endif
#ifdef MAP_POPULATE
    MML_K(MAP_POPULATE)
#endif
#ifdef MAP_LOCKED
    MML_K(MAP_LOCKED)
#endif
#ifdef MAP_NORESERVE
    MML_K(MAP_NORESERVE)
#endif
#ifdef MAP_GROWSDOWN
    MML_K(MAP_GROWSDOWN)
#endif
#ifdef MAP_STACK
    MML_K(MAP_STACK)
#endif
#ifdef MAP_HUGETLB
    MML_K(MAP_HUGETLB)
#endif
#ifdef MAP_NONBLOCK
    MML_K(MAP_NONBLOCK)
#endif
#ifdef MAP_SYNC
    MML_K(MAP_SYNC)
#endif
#ifdef MAP_DROPPABLE
    MML_K(MAP_DROPPABLE)
#endif
#ifdef MAP_32BIT
    MML_K(MAP_32BIT)
#endif
#ifdef O_RDONLY
    MML_K(O_RDONLY)
#endif
#ifdef O_WRONLY
    MML_K(O_WRONLY)
#endif
#ifdef O_RDWR
    MML_K(O_RDWR)
#endif
#ifdef O_CREAT
    MML_K(O_CREAT)
#endif
#ifdef O_EXCL
    MML_K(O_EXCL)
#endif
#ifdef O_TRUNC
    MML_K(O_TRUNC)
#endif
#ifdef O_APPEND
    MML_K(O_APPEND)
#endif
#ifdef O_SYNC
    MML_K(O_SYNC)
#endif
#ifdef O_DSYNC
    MML_K(O_DSYNC)
#endif
#ifdef O_NONBLOCK
    MML_K(O_NONBLOCK)
#endif
#ifdef O_CLOEXEC
    MML_K(O_CLOEXEC)
#endif
#ifdef O_NOFOLLOW
    MML_K(O_NOFOLLOW)
#endif
#ifdef O_DIRECT
    MML_K(O_DIRECT)
#endif
#ifdef O_TMPFILE
    MML_K(O_TMPFILE)
#endif
#ifdef MS_ASYNC
    MML_K(MS_ASYNC)
#endif
#ifdef MS_SYNC
    MML_K(MS_SYNC)
#endif
#ifdef MS_INVALIDATE
    MML_K(MS_INVALIDATE)
#endif
#ifdef MADV_NORMAL
    MML_K(MADV_NORMAL)
#endif
#ifdef MADV_RANDOM
    MML_K(MADV_RANDOM)
#endif
#ifdef MADV_SEQUENTIAL
    MML_K(MADV_SEQUENTIAL)
#endif
#ifdef MADV_WILLNEED
    MML_K(MADV_WILLNEED)
#endif
#ifdef MADV_DONTNEED
    MML_K(MADV_DONTNEED)
#endif
#ifdef MADV_FREE
    MML_K(MADV_FREE)
#endif
#ifdef MADV_REMOVE
    MML_K(MADV_REMOVE)
#endif
#ifdef MADV_DONTFORK
    MML_K(MADV_DONTFORK)
#endif
#ifdef MADV_DOFORK
    MML_K(MADV_DOFORK)
#endif
#ifdef MADV_MERGEABLE
    MML_K(MADV_MERGEABLE)
#endif
#ifdef MADV_UNMERGEABLE
    MML_K(MADV_UNMERGEABLE)
#endif
#ifdef MADV_HUGEPAGE
    MML_K(MADV_HUGEPAGE)
#endif
#ifdef MADV_NOHUGEPAGE
    MML_K(MADV_NOHUGEPAGE)
#endif
#ifdef MADV_DONTDUMP
    MML_K(MADV_DONTDUMP)
#endif
#ifdef MADV_DODUMP
    MML_K(MADV_DODUMP)
#endif
#ifdef MADV_WIPEONFORK
    MML_K(MADV_WIPEONFORK)
#endif
#ifdef MADV_KEEPONFORK
    MML_K(MADV_KEEPONFORK)
#endif
#ifdef MADV_COLD
    MML_K(MADV_COLD)
#endif
#ifdef MADV_PAGEOUT
    MML_K(MADV_PAGEOUT)
#endif
#ifdef MADV_POPULATE_READ
    MML_K(MADV_POPULATE_READ)
#endif
#ifdef MADV_POPULATE_WRITE
    MML_K(MADV_POPULATE_WRITE)
#endif
#ifdef MADV_COLLAPSE
    MML_K(MADV_COLLAPSE)
#endif
#ifdef MADV_HWPOISON
    MML_K(MADV_HWPOISON)
#endif
#ifdef MADV_GUARD_INSTALL
    MML_K(MADV_GUARD_INSTALL)
#endif
#ifdef MADV_GUARD_REMOVE
    MML_K(MADV_GUARD_REMOVE)
#endif
#ifdef MREMAP_MAYMOVE
    MML_K(MREMAP_MAYMOVE)
#endif
#ifdef MREMAP_FIXED
    MML_K(MREMAP_FIXED)
#endif
#ifdef MREMAP_DONTUNMAP
    MML_K(MREMAP_DONTUNMAP)
#endif
#ifdef MLOCK_ONFAULT
    MML_K(MLOCK_ONFAULT)
#endif
#ifdef SIGHUP
    MML_K(SIGHUP)
#endif
#ifdef SIGINT
    MML_K(SIGINT)
#endif
#ifdef SIGQUIT
    MML_K(SIGQUIT)
#endif
#ifdef SIGILL
    MML_K(SIGILL)
#endif
#ifdef SIGTRAP
    MML_K(SIGTRAP)
#endif
#ifdef SIGABRT
    MML_K(SIGABRT)
#endif
#ifdef SIGBUS
    MML_K(SIGBUS)
#endif
#ifdef SIGFPE
    MML_K(SIGFPE)
#endif
#ifdef SIGKILL
    MML_K(SIGKILL)
#endif
#ifdef SIGUSR1
    MML_K(SIGUSR1)
#endif
#ifdef SIGSEGV
    MML_K(SIGSEGV)
#endif
#ifdef SIGUSR2
    MML_K(SIGUSR2)
#endif
#ifdef SIGPIPE
    MML_K(SIGPIPE)
#endif
#ifdef SIGALRM
    MML_K(SIGALRM)
#endif
#ifdef SIGTERM
    MML_K(SIGTERM)
#endif
#ifdef SIGCHLD
    MML_K(SIGCHLD)
#endif
#ifdef SIGCONT
    MML_K(SIGCONT)
#endif
#ifdef SIGSTOP
    MML_K(SIGSTOP)
#endif
#ifdef SIGTSTP
    MML_K(SIGTSTP)
#endif
#ifdef PR_SET_VMA
    MML_K(PR_SET_VMA)
#endif
#ifdef PR_SET_VMA_ANON_NAME
    MML_K(PR_SET_VMA_ANON_NAME)
#endif
#ifdef _SC_PAGESIZE
    MML_K(_SC_PAGESIZE)
#endif
#ifdef EXIT_SUCCESS
    MML_K(EXIT_SUCCESS)
#endif
#ifdef EXIT_FAILURE
    MML_K(EXIT_FAILURE)
#endif
};
#undef MML_K
// clang-format on

} // namespace

std::span<const Constant> constant_table() {
    return kConstants;
}

bool constant_value(std::string_view name, int64_t& value, std::string* type) {
    if (name == "PAGE_SIZE") {
        value = sysconf(_SC_PAGESIZE);
        if (type) *type = "long";
        return true;
    }
    auto it = std::find_if(std::begin(kConstants), std::end(kConstants),
                           [&](const Constant& c) { return c.name == name; });
    if (it == std::end(kConstants)) return false;
    value = it->value;
    if (type) *type = it->pointer ? "void *" : "int";
    return true;
}

bool is_constant(std::string_view name) {
    int64_t v = 0;
    return constant_value(name, v);
}

} // namespace mml::script
