// The reference subject, a plain forked process of the benchmark (not a lab process), so
// its /proc files hold nothing but what the issue describes.
#include "subject.hpp"

#include <csignal>
#include <cstddef>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

constexpr size_t kSmallVmas = 2000;
constexpr size_t kBig = size_t{1} << 30;

[[noreturn]] void subject_main(int ready_fd, bool fork_too) {
    const size_t ps = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    auto* small = static_cast<char*>(
        mmap(nullptr, kSmallVmas * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; i < kSmallVmas; ++i) small[i * ps] = 1;
    for (size_t i = 1; i < kSmallVmas; i += 2) mprotect(small + i * ps, ps, PROT_READ);
    auto* big = static_cast<char*>(
        mmap(nullptr, kBig, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    madvise(big, kBig, MADV_NOHUGEPAGE);
    for (size_t off = 0; off < kBig; off += 2 * ps) big[off] = 1;
    pid_t child = 0;
    if (fork_too) {
        child = fork();
        if (child == 0) {
            for (;;) pause();
        }
    }
    if (write(ready_fd, &child, sizeof child) != sizeof child) _exit(1);
    for (;;) pause();
}

} // namespace

Subject start_subject(bool fork_too) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    Subject s;
    s.pid = fork();
    if (s.pid == 0) {
        close(fds[0]);
        subject_main(fds[1], fork_too);
    }
    close(fds[1]);
    if (read(fds[0], &s.child, sizeof s.child) != sizeof s.child) s.child = 0;
    close(fds[0]);
    return s;
}

void stop_subject(const Subject& s) {
    if (s.child > 0) kill(s.child, SIGKILL);
    if (s.pid > 0) {
        kill(s.pid, SIGKILL);
        waitpid(s.pid, nullptr, 0);
    }
}

} // namespace bench
