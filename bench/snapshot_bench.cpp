// Benchmark: a full Snapshot of the reference subject against the kernel's own floor (reading
// its smaps and the pagemap of its mapped ranges), before and after a fork, as root and without
// kpage reads; the Sampler's path over the forked pair, cold and warm; `mmaplab inspect --json`
// against `pmap -X` as whole processes; the Sampler's steady CPU cost. Prints; never fails.
#include "bench_util.hpp"
#include "procfs.hpp"
#include "report.hpp"
#include "subject.hpp"

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bench {
void report_sampler(const std::string& subject_path); // sampler_bench.cpp
}

namespace {

using namespace bench;
constexpr int kRounds = 7;

// The floor: read() smaps whole, then pread the pagemap entries of every mapped range (the
// ranges taken from smaps' own header lines; adjacent ranges in one pread).
void floor_read(pid_t pid, std::string& smaps, std::vector<uint64_t>& pm) {
    const std::string base = "/proc/" + std::to_string(pid) + "/";
    mml::procfs::read_file(base + "smaps", smaps);
    const int fd = open((base + "pagemap").c_str(), O_RDONLY | O_CLOEXEC);
    const uint64_t ps = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    uint64_t run_start = 0, run_end = 0;
    auto flush = [&] {
        const uint64_t n = (run_end - run_start) / ps;
        if (pm.size() < n) pm.resize(n);
        if (n == 0) return;
        const ssize_t got = pread(fd, pm.data(), n * 8, static_cast<off_t>(run_start / ps * 8));
        (void)got;
    };
    for (size_t pos = 0; pos < smaps.size();) {
        size_t nl = smaps.find('\n', pos);
        if (nl == std::string::npos) nl = smaps.size();
        uint64_t s = 0, e = 0;
        char* end = nullptr;
        const char* line = smaps.c_str() + pos;
        s = std::strtoull(line, &end, 16);
        if (end != line && *end == '-') {
            e = std::strtoull(end + 1, &end, 16);
            if (*end == ' ' && s != 0xffffffffff600000ull) { // not [vsyscall]
                if (s != run_end) {
                    flush();
                    run_start = s;
                }
                run_end = e;
            }
        }
        pos = nl + 1;
    }
    flush();
    close(fd);
}

// The CPU time of each column (this thread: user + system, medians), as a ratio to the first.
void print_cpu(const std::vector<const char*>& names, const std::vector<Cpu>& c) {
    std::printf("%-20s", "  CPU user+sys");
    for (size_t j = 0; j < c.size(); ++j)
        std::printf("%s %s %.1f+%.1f ms %.2fx", j ? " |" : "", names[j], c[j].user, c[j].sys,
                    c[j].total() / c[0].total());
    std::printf("\n");
}

mml::procfs::ReadOptions opts(bool kpage, bool all) {
    mml::procfs::ReadOptions o;
    o.kpage = kpage;
    o.kpage_all = all;
    return o;
}

void report_snapshot(const char* label, pid_t pid) {
    std::string buf;
    std::vector<uint64_t> pm;
    mml::Process p;
    std::vector<Cpu> c;
    const auto t = interleaved(kRounds,
                               {[&] { floor_read(pid, buf, pm); },
                                [&] { mml::procfs::read_process(pid, opts(true, false), p); },
                                [&] { mml::procfs::read_process(pid, opts(false, false), p); },
                                [&] { mml::procfs::read_process(pid, opts(true, true), p); }},
                               &c);
    std::printf("%-20s floor %7.2f ms | snapshot %7.2f ms %5.2fx | kpage off (non-root) %7.2f "
                "ms %5.2fx | every frame read (old way) %7.2f ms %5.2fx\n",
                label, t[0], t[1], t[1] / t[0], t[2], t[2] / t[0], t[3], t[3] / t[0]);
    print_cpu({"floor", "snapshot", "kpage off", "every frame read"}, c);
}

// The Sampler's path over parent + child: both read, then kpage for the two together (each
// frame once, mapcount 2 proven by Pss where it can be, other shared mapcounts counted from PTEs
// and checked on a slice); warm = the next snapshot with nothing changed. "counted" = the same
// without the Pss proof; "read" = with every shared frame read (no proof, no counting).
void report_pair(pid_t parent, pid_t child) {
    std::string buf;
    std::vector<uint64_t> pm;
    std::vector<mml::Process> prev(2), cur(2);
    mml::procfs::KpageStats cold_st, warm_st, count_st, read_st;
    uint64_t slice = 0;
    auto snap = [&](bool warm, bool count, mml::procfs::KpageStats& st, bool pss = true) {
        for (int i = 0; i < 2; ++i) // warm: what did not change is shared with the last read
            mml::procfs::read_process(i ? child : parent, opts(false, false), cur[i],
                                      warm ? &prev[i] : nullptr);
        mml::Process* both[2] = {&cur[0], &cur[1]};
        mml::procfs::KpageReuse reuse{&prev, ++slice};
        mml::procfs::ReadOptions o = opts(true, false);
        o.count_shared = count;
        o.pss_proof = pss && count;
        mml::procfs::read_kpage(both, o, warm ? &reuse : nullptr, &st);
        std::swap(prev, cur);
    };
    snap(false, true, cold_st);
    std::vector<Cpu> c;
    const auto t = interleaved(
        kRounds,
        {[&] {
             floor_read(parent, buf, pm);
             floor_read(child, buf, pm);
         },
         [&] { snap(false, true, cold_st); }, [&] { snap(true, true, warm_st); },
         [&] { snap(false, true, count_st, false); }, [&] { snap(false, false, read_st); }},
        &c);
    std::printf("%-20s floor %7.2f ms | cold %7.2f ms %5.2fx (%zu pages proven by Pss, %zu "
                "counted, %zu frames checked, %zu read) | warm %7.2f ms %5.2fx | cold, counted "
                "(no Pss proof) %7.2f ms %5.2fx (%zu pages counted) | cold, every shared frame "
                "read %7.2f ms %5.2fx (%zu frames read)\n",
                "parent+child", t[0], t[1], t[1] / t[0], cold_st.proven, cold_st.counted,
                cold_st.checked, cold_st.frames_read, t[2], t[2] / t[0], t[3], t[3] / t[0],
                count_st.counted, t[4], t[4] / t[0], read_st.frames_read);
    print_cpu({"floor", "cold", "warm", "counted", "every shared frame read"}, c);
}

void report_commands(pid_t pid, const std::string& app, const std::string& self) {
    const std::string ps = std::to_string(pid);
    std::string buf;
    const auto t = interleaved(11, {[&] { mml::procfs::read_file("/proc/" + ps + "/smaps", buf); },
                                    [&] {
                                        run_command_ms({"pmap", "-X", ps});
                                    },
                                    [&] {
                                        run_command_ms({app, "inspect", ps, "--json"});
                                    },
                                    [&] {
                                        run_command_ms({self, "--inspect-json", ps});
                                    },
                                    [&] {
                                        run_command_ms({app, "--help"});
                                    },
                                    [&] {
                                        run_command_ms({self, "--noop"});
                                    }});
    std::printf("whole processes: read smaps %.2f ms | pmap -X %.2f ms (%.2fx smaps) | mmaplab "
                "inspect --json %.2f ms (%.2fx smaps, %.2fx pmap)\n",
                t[0], t[1], t[1] / t[0], t[2], t[2] / t[0], t[2] / t[1]);
    std::printf("core-only binary doing the same inspect --json %.2f ms | start-up: mmaplab "
                "--help %.2f ms, core-only binary doing nothing %.2f ms\n",
                t[3], t[4], t[5]);
}

void print_machine() {
    std::string cpu, load;
    mml::procfs::read_file("/proc/cpuinfo", cpu);
    const size_t at = cpu.find("model name");
    const size_t colon = cpu.find(':', at), nl = cpu.find('\n', at);
    mml::procfs::read_file("/proc/loadavg", load);
    utsname u{};
    uname(&u);
    std::printf("machine: %u CPUs, %s, kernel %s, load average %s",
                std::thread::hardware_concurrency(),
                at == std::string::npos ? "?" : cpu.substr(colon + 2, nl - colon - 2).c_str(),
                u.release, load.c_str());
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--noop") == 0) return 0;
    if (argc == 3 && std::strcmp(argv[1], "--inspect-json") == 0) {
        // What `mmaplab inspect PID --json` does, in a binary with no GUI library.
        mml::Process p;
        mml::procfs::ReadOptions o;
        o.pages = o.kpage = false;
        if (!mml::procfs::read_process(std::atoi(argv[2]), o, p)) return 1;
        std::cout << mml::report::process_json_text(p, false) << '\n';
        return 0;
    }
    // --snapshots: only the snapshot rows (for profiling and quick A/B runs).
    const bool only_snapshots = argc == 2 && std::strcmp(argv[1], "--snapshots") == 0;
    const std::string app = argc > 1 && !only_snapshots ? argv[1] : "";
    mml::procfs::keep_freed_memory(); // as read_process does in the app: before the floor too
    print_machine();
    std::printf("reference subject: 2000 small VMAs + 1 GiB private anonymous, every other page "
                "written; medians of interleaved runs\n");
    Subject s = start_subject(false);
    report_snapshot("before fork", s.pid);
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof self - 1) < 0) return 0;
    if (!app.empty()) report_commands(s.pid, app, self);
    stop_subject(s);
    Subject f = start_subject(true);
    report_snapshot("after fork (child)", f.child);
    report_snapshot("after fork (parent)", f.pid);
    report_pair(f.pid, f.child);
    stop_subject(f);
#ifdef MMAPLAB_SUBJECT
    if (!only_snapshots) report_sampler(MMAPLAB_SUBJECT);
#endif
    print_machine();
    return 0;
}
