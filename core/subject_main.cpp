// mmaplab-subject: the small lab process students look at. "serve APP_PID" runs the command
// loop on fd 3 (one request, one reply); "janitor APP_PID" cleans up after a killed app.
#include "protocol.hpp"
#include "subject_fence.hpp"
#include "subject_janitor.hpp"

#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/prctl.h>
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

namespace {

using mml::Op;
using mml::Reply;
using mml::Request;

// State shared with the SIGSEGV/SIGBUS handler (one thread, one access at a time).
struct FaultCatch {
    sigjmp_buf env;
    volatile sig_atomic_t armed = 0;
    volatile int sig = 0;
    volatile int code = 0;
    volatile uintptr_t addr = 0;
    volatile uint64_t progress = 0; // bytes (or pages) done before a fault
    volatile uint64_t sum = 0;      // TouchRead: sum of the bytes read
};
FaultCatch g_catch;

struct Config {
    pid_t app = 0;           // the app's pid: every lab process must be its child
    bool thp_always = false; // THP "always": new anonymous mappings get MADV_NOHUGEPAGE
};
Config g_config;

void on_fault(int sig, siginfo_t* si, void*) {
    if (!g_catch.armed) {
        // Not during a lab access (or sent by kill): die of it for real.
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    g_catch.armed = 0;
    g_catch.sig = sig;
    g_catch.code = si->si_code;
    g_catch.addr = reinterpret_cast<uintptr_t>(si->si_addr);
    siglongjmp(g_catch.env, 1);
}

void set_crash_mode(bool crash) {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    if (crash) {
        sa.sa_handler = SIG_DFL;
    } else {
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    }
    sigaction(SIGSEGV, &sa, nullptr);
    sigaction(SIGBUS, &sa, nullptr);
}

bool thp_is_always() {
    int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[128] = {};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && std::strstr(buf, "[always]") != nullptr;
}

Reply result(long r) {
    Reply out;
    out.ret = r;
    out.err = r == -1 ? errno : 0;
    return out;
}

// --- memory accesses (volatile, one at a time, so the fault address is exact) -----------

uint64_t page_size() {
    return static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void access_load(const Request& q, uint8_t* dst) {
    auto* src = reinterpret_cast<const volatile uint8_t*>(q.a[0]);
    for (uint64_t i = 0; i < q.a[1]; ++i) {
        dst[i] = src[i];
        g_catch.progress = i + 1;
    }
}

void access_store(const Request& q) {
    auto* dst = reinterpret_cast<volatile uint8_t*>(q.a[0]);
    for (size_t i = 0; i < q.data.size(); ++i) {
        dst[i] = q.data[i];
        g_catch.progress = i + 1;
    }
}

void access_fill(const Request& q) {
    uintptr_t p = q.a[0];
    const uintptr_t end = q.a[0] + q.a[1];
    const auto byte = static_cast<uint8_t>(q.a[2]);
    const uint64_t word = 0x0101010101010101ull * byte;
    for (; p < end && (p & 7) != 0; ++p) {
        *reinterpret_cast<volatile uint8_t*>(p) = byte;
        g_catch.progress = p + 1 - q.a[0];
    }
    for (; p + 8 <= end; p += 8) {
        *reinterpret_cast<volatile uint64_t*>(p) = word;
        g_catch.progress = p + 8 - q.a[0];
    }
    for (; p < end; ++p) {
        *reinterpret_cast<volatile uint8_t*>(p) = byte;
        g_catch.progress = p + 1 - q.a[0];
    }
}

void access_touch(const Request& q, bool write) {
    const uint64_t ps = page_size();
    const uintptr_t end = q.a[0] + q.a[1];
    // TouchWrite a[3]: a stride in bytes, rounded up to whole pages (0: every page).
    const uint64_t step = write && q.a[3] > ps ? (q.a[3] + ps - 1) & ~(ps - 1) : ps;
    for (uintptr_t p = q.a[0]; p < end; p = (p & ~(ps - 1)) + step) {
        if (write) {
            *reinterpret_cast<volatile uint8_t*>(p) = static_cast<uint8_t>(q.a[2]);
        } else {
            g_catch.sum = g_catch.sum + *reinterpret_cast<const volatile uint8_t*>(p);
        }
        g_catch.progress = g_catch.progress + 1;
    }
}

void run_access(const Request& q, uint8_t* load_buf) {
    switch (q.op) {
    case Op::Load:
        access_load(q, load_buf);
        break;
    case Op::Store:
        access_store(q);
        break;
    case Op::Fill:
        access_fill(q);
        break;
    case Op::TouchRead:
        access_touch(q, false);
        break;
    case Op::TouchWrite:
        access_touch(q, true);
        break;
    default:
        break;
    }
}

Reply memory_access(const Request& q) {
    Reply r;
    if (q.op == Op::Load) {
        if (q.a[1] > mml::kMaxPayload) {
            r.ret = -1;
            r.err = EMSGSIZE;
            return r;
        }
        r.data.resize(q.a[1]);
    }
    g_catch.progress = 0;
    g_catch.sum = 0;
    g_catch.sig = 0;
    if (sigsetjmp(g_catch.env, 1) == 0) {
        g_catch.armed = 1;
        run_access(q, r.data.data());
        g_catch.armed = 0;
    } else {
        r.fault.sig = g_catch.sig;
        r.fault.code = g_catch.code;
        r.fault.addr = g_catch.addr;
        r.fault.write = q.op == Op::Store || q.op == Op::Fill || q.op == Op::TouchWrite;
    }
    if (q.op == Op::Load) r.data.resize(g_catch.progress);
    r.ret = static_cast<int64_t>(q.op == Op::TouchRead ? g_catch.sum : g_catch.progress);
    return r;
}

// --- system calls, exactly as given ----------------------------------------------------

void* ptr(uint64_t v) {
    return reinterpret_cast<void*>(v);
}
int as_int(uint64_t v) {
    return static_cast<int>(static_cast<int64_t>(v));
}

Reply do_mmap(const Request& q) {
    const int flags = as_int(q.a[3]);
    void* p = mmap(ptr(q.a[0]), q.a[1], as_int(q.a[2]), flags, as_int(q.a[4]),
                   static_cast<off_t>(q.a[5]));
    if (p == MAP_FAILED) return result(-1);
    if (g_config.thp_always && (flags & MAP_ANONYMOUS) != 0) madvise(p, q.a[1], MADV_NOHUGEPAGE);
    return result(static_cast<long>(reinterpret_cast<uintptr_t>(p)));
}

Reply do_mremap(const Request& q) {
    void* p = mremap(ptr(q.a[0]), q.a[1], q.a[2], as_int(q.a[3]), ptr(q.a[4]));
    if (p == MAP_FAILED) return result(-1);
    return result(static_cast<long>(reinterpret_cast<uintptr_t>(p)));
}

Reply do_pread(const Request& q) {
    Reply r;
    if (q.a[2] > mml::kMaxPayload) {
        r.ret = -1;
        r.err = EMSGSIZE;
        return r;
    }
    r.data.resize(q.a[2]);
    ssize_t n = pread(as_int(q.a[0]), r.data.data(), r.data.size(), static_cast<off_t>(q.a[1]));
    r.ret = n;
    r.err = n < 0 ? errno : 0;
    r.data.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return r;
}

Reply do_set_vma_name(const Request& q) {
    const char* name = q.text.empty() ? nullptr : q.text.c_str();
    return result(prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, q.a[0], q.a[1], name));
}

Reply file_op(const Request& q) {
    const char* text = q.text.c_str();
    switch (q.op) {
    case Op::Open:
        return result(open(text, as_int(q.a[0]), static_cast<mode_t>(q.a[1])));
    case Op::WriteFd:
        return result(write(as_int(q.a[0]), q.data.data(), q.data.size()));
    case Op::PreadFd:
        return do_pread(q);
    case Op::Ftruncate:
        return result(ftruncate(as_int(q.a[0]), static_cast<off_t>(q.a[1])));
    case Op::Close:
        return result(close(as_int(q.a[0])));
    case Op::ShmOpen:
        return result(shm_open(text, as_int(q.a[0]), static_cast<mode_t>(q.a[1])));
    case Op::ShmUnlink:
        return result(shm_unlink(text));
    case Op::Unlink:
        return result(unlink(text));
    default:
        return result(0);
    }
}

Reply memory_op(const Request& q) {
    switch (q.op) {
    case Op::Mmap:
        return do_mmap(q);
    case Op::Munmap:
        return result(munmap(ptr(q.a[0]), q.a[1]));
    case Op::Mprotect:
        return result(mprotect(ptr(q.a[0]), q.a[1], as_int(q.a[2])));
    case Op::Msync:
        return result(msync(ptr(q.a[0]), q.a[1], as_int(q.a[2])));
    case Op::Madvise:
        return result(madvise(ptr(q.a[0]), q.a[1], as_int(q.a[2])));
    case Op::Mremap:
        return do_mremap(q);
    case Op::Mlock:
        return result(mlock(ptr(q.a[0]), q.a[1]));
    case Op::Munlock:
        return result(munlock(ptr(q.a[0]), q.a[1]));
    case Op::SetVmaName:
        return do_set_vma_name(q);
    default:
        return memory_access(q);
    }
}

// --- fork ----------------------------------------------------------------------------------

// Called in a new child: serve the passed channel, bound to the app like every lab process.
void become_child(int channel) {
    close(mml::kChannelFd);
    if (channel != mml::kChannelFd) {
        dup2(channel, mml::kChannelFd);
        close(channel);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != g_config.app) _exit(1);
}

// fork(2) semantics for memory (a raw clone without CLONE_VM copies the address space
// exactly as fork does), but with CLONE_PARENT: the child's parent is the APP, not this
// process. So the app can waitpid every lab process, and PR_SET_PDEATHSIG ties every lab
// process, however deeply forked, directly to the app. Returns true in the child.
bool do_fork(int channel, Reply& out) {
    if (channel < 0) {
        out.ret = -1;
        out.err = EBADF;
        return false;
    }
    long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        become_child(channel);
        return true;
    }
    out = result(pid);
    close(channel);
    return false;
}

// --- the command loop ------------------------------------------------------------------------

// Receives one message into buf; `passed` gets the first fd sent with it (else -1).
// False when the app closed the channel.
bool receive(std::vector<uint8_t>& buf, int& passed) {
    passed = -1;
    ssize_t n;
    do n = recv(mml::kChannelFd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buf.resize(static_cast<size_t>(n));
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    do n = recvmsg(mml::kChannelFd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (passed < 0)
                passed = fd;
            else
                close(fd);
        }
    }
    buf.resize(static_cast<size_t>(n));
    return true;
}

void send_reply(const std::vector<uint8_t>& msg) {
    ssize_t n;
    do n = send(mml::kChannelFd, msg.data(), msg.size(), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) _exit(0); // the app is gone
}

// Performs one request. False when no reply must be sent (a new fork child).
bool dispatch(const Request& q, int passed, Reply& r) {
    switch (q.op) {
    case Op::Ping:
        r = result(getpid());
        return true;
    case Op::Fork:
        return !do_fork(passed, r);
    case Op::Exit:
        _exit(as_int(q.a[0]));
    case Op::SetCrash:
        set_crash_mode(q.a[0] != 0);
        r = result(0);
        return true;
    case Op::Open:
    case Op::WriteFd:
    case Op::PreadFd:
    case Op::Ftruncate:
    case Op::Close:
    case Op::ShmOpen:
    case Op::ShmUnlink:
    case Op::Unlink:
        r = file_op(q);
        return true;
    default:
        r = memory_op(q);
        return true;
    }
}

// Everything of a request is freed before its reply goes out, the encoded reply when the next
// one is encoded: once the app has the reply, the process writes no memory until the next
// request, so a snapshot taken right after the reply sees all the request did. Only a big reply
// (a Load of more than 64 KiB, mmapped by malloc) is unmapped after it is sent.
void serve_loop() {
    std::vector<uint8_t> buf, msg;
    Request q;
    Reply r;
    for (;;) {
        int passed = -1;
        if (!receive(buf, passed)) _exit(0);
        r = Reply{};
        bool reply = true;
        if (!mml::decode(buf.data(), buf.size(), q)) {
            r.ret = -1;
            r.err = EPROTO;
        } else {
            if (q.op != Op::Fork && passed >= 0) close(passed);
            reply = dispatch(q, q.op == Op::Fork ? passed : -1, r);
        }
        // Leave nothing big allocated while idle.
        if (buf.capacity() > 64 * 1024) std::vector<uint8_t>().swap(buf);
        q = Request{};
        if (!reply) continue;
        msg = mml::encode(r);
        r = Reply{};
        send_reply(msg);
        if (msg.capacity() > 64 * 1024) std::vector<uint8_t>().swap(msg);
    }
}

int serve(pid_t app) {
    g_config.app = app;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != app) return 1;
    // A crash is a lesson, not a core file in the lab dir.
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    close_range(mml::kChannelFd + 1, ~0u, 0);
    if (fcntl(mml::kChannelFd, F_GETFD) < 0) return 1;
    // Fixed threshold: big request buffers are mmapped and unmapped, never grow the heap.
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    // The alternate signal stack lives inside [stack] (serve never returns), so it adds no
    // anonymous mapping of its own to the maps students read.
    alignas(64) unsigned char altstack[32 * 1024];
    stack_t ss{};
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    sigaltstack(&ss, nullptr);
    set_crash_mode(false);
    g_config.thp_always = thp_is_always();
    mml::fence::fence_own_mappings();
    mml::fence::populate_own_code();
    serve_loop();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "serve") == 0) return serve(std::atoi(argv[2]));
    if (argc >= 3 && std::strcmp(argv[1], "janitor") == 0)
        return mml::janitor::run(std::atoi(argv[2]));
    std::fprintf(stderr,
                 "usage: %s serve APP_PID | janitor APP_PID\n"
                 "  (started by mmaplab; the command channel is fd %d)\n",
                 argv[0], mml::kChannelFd);
    return 2;
}
