// Benchmark: a full Snapshot of the reference subject against the kernel's own floor (reading
// its smaps and the pagemap of its mapped ranges), before and after a fork; and
// `mmaplab inspect --json` against `pmap -X` as whole processes. Prints figures; never fails.
#include "procfs.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kSmallVmas = 2000;
constexpr size_t kBig = size_t{1} << 30;

// The reference subject: 2,000 small VMAs with alternating protections and one 1 GiB private
// anonymous mapping with every other page written. With fork_too, it forks once more and the
// child (every page then shared) is the subject reported through the pipe.
[[noreturn]] void subject_main(int ready_fd, bool fork_too) {
    const size_t ps = sysconf(_SC_PAGESIZE);
    auto* small = static_cast<char*>(mmap(nullptr, kSmallVmas * ps, PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; i < kSmallVmas; ++i) small[i * ps] = 1;
    for (size_t i = 1; i < kSmallVmas; i += 2) mprotect(small + i * ps, ps, PROT_READ);
    auto* big = static_cast<char*>(
        mmap(nullptr, kBig, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    madvise(big, kBig, MADV_NOHUGEPAGE);
    for (size_t off = 0; off < kBig; off += 2 * ps) big[off] = 1;
    pid_t report = getpid();
    if (fork_too) {
        report = fork();
        if (report == 0) {
            for (;;) pause();
        }
    }
    if (write(ready_fd, &report, sizeof report) != sizeof report) _exit(1);
    for (;;) pause();
}

struct Subject {
    pid_t pid = 0;    // the process we fork (killed at the end)
    pid_t target = 0; // the process to observe
};

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
    if (read(fds[0], &s.target, sizeof s.target) != sizeof s.target) s.target = 0;
    close(fds[0]);
    return s;
}

void stop_subject(const Subject& s) {
    if (s.target && s.target != s.pid) kill(s.target, SIGKILL);
    kill(s.pid, SIGKILL);
    waitpid(s.pid, nullptr, 0);
}

template <class F> double median_ms(int runs, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        auto a = Clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// The floor: read() smaps whole, then pread the pagemap entries of every mapped range.
void floor_read(pid_t pid, std::string& buf, std::vector<uint64_t>& pm) {
    mml::procfs::read_file("/proc/" + std::to_string(pid) + "/smaps", buf);
    std::string maps;
    mml::procfs::read_file("/proc/" + std::to_string(pid) + "/maps", maps);
    int fd = open(("/proc/" + std::to_string(pid) + "/pagemap").c_str(), O_RDONLY);
    const size_t ps = sysconf(_SC_PAGESIZE);
    for (const auto& m : mml::procfs::parse_maps(maps)) {
        if (m.path == "[vsyscall]") continue;
        size_t n = m.size() / ps;
        if (pm.size() < n) pm.resize(n);
        if (pread(fd, pm.data(), n * 8, (m.start / ps) * 8) < 0) break;
    }
    close(fd);
}

double run_command_ms(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    auto a = Clock::now();
    pid_t pid = 0;
    if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return -1;
    waitpid(pid, nullptr, 0);
    posix_spawn_file_actions_destroy(&fa);
    return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
}

void report_snapshot(const char* label, pid_t pid) {
    std::string buf;
    std::vector<uint64_t> pm;
    double floor = median_ms(7, [&] { floor_read(pid, buf, pm); });
    mml::procfs::ReadOptions opt;
    mml::Process p;
    double snap = median_ms(7, [&] { mml::procfs::read_process(pid, opt, p); });
    std::printf("%-28s floor %8.2f ms   snapshot %8.2f ms   ratio %.2fx  (%zu mappings)\n",
                label, floor, snap, snap / floor, p.mappings.size());
}

void report_commands(pid_t pid, const std::string& app) {
    std::string ps = std::to_string(pid);
    std::string buf;
    double smaps = median_ms(7, [&] {
        mml::procfs::read_file("/proc/" + ps + "/smaps", buf);
    });
    std::vector<double> a, b;
    for (int i = 0; i < 7; ++i) {
        a.push_back(run_command_ms({"pmap", "-X", ps}));
        b.push_back(run_command_ms({app, "inspect", ps, "--json"}));
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::printf("read smaps %.2f ms   pmap -X %.2f ms (%.2fx)   mmaplab inspect --json %.2f ms "
                "(%.2fx)\n",
                smaps, a[3], a[3] / smaps, b[3], b[3] / smaps);
}

} // namespace

int main(int argc, char** argv) {
    std::string app = argc > 1 ? argv[1] : "";
    std::printf("mmaplab snapshot benchmark: %zu small VMAs + 1 GiB private anonymous, every "
                "other page written (median of 7)\n",
                kSmallVmas);
    Subject s = start_subject(false);
    report_snapshot("before fork", s.target);
    if (!app.empty()) report_commands(s.target, app);
    stop_subject(s);
    Subject f = start_subject(true);
    report_snapshot("after fork (child)", f.target);
    stop_subject(f);
    return 0;
}
