// Benchmark: the Sampler's steady CPU cost at 10 Hz over real lab processes holding a 1 GiB
// mapping with every other page written, idle, with and without the idle-lab shortcut.
#include "bench_util.hpp"
#include "lab.hpp"
#include "sampler.hpp"

#include <cstdio>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

namespace bench {

namespace {

constexpr uint64_t kBig = uint64_t{1} << 30;

// mmap 1 GiB in lab process pid and write one byte to every other page; its address or 0.
uint64_t map_half_written(mml::Lab& lab, int pid) {
    mml::Request r;
    r.op = mml::Op::Mmap;
    r.a[0] = 0;
    r.a[1] = kBig;
    r.a[2] = PROT_READ | PROT_WRITE;
    r.a[3] = MAP_PRIVATE | MAP_ANONYMOUS;
    r.a[4] = static_cast<uint64_t>(-1);
    mml::Outcome o = lab.call(pid, r);
    if (!o.delivered || o.reply.ret == -1) return 0;
    const uint64_t base = static_cast<uint64_t>(o.reply.ret);
    const uint64_t ps = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    mml::Request w; // one byte at every other page, in one request
    w.op = mml::Op::TouchWrite;
    w.a[0] = base;
    w.a[1] = kBig;
    w.a[2] = 1;
    w.a[3] = 2 * ps;
    o = lab.call(pid, w);
    return o.delivered && o.reply.ret == static_cast<int64_t>(kBig / (2 * ps)) ? base : 0;
}

// CPU ms per second of this process while a Sampler runs at 10 Hz for `secs` seconds.
void steady(mml::Lab& lab, const char* label, std::chrono::milliseconds idle_refresh) {
    mml::SamplerOptions so;
    so.interval = std::chrono::milliseconds(100);
    so.idle_refresh = idle_refresh;
    mml::Sampler s(lab, so);
    s.sample_now(); // the first one is cold
    const double cpu0 = cpu_ms();
    const auto t0 = Clock::now();
    s.start();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    s.stop();
    const double cpu = cpu_ms() - cpu0, wall = ms_since(t0);
    const mml::SamplerStats st = s.stats();
    std::printf("  %-44s %6.1f ms CPU per second (%4.1f%% of a core), %llu snapshots: %llu "
                "processes read, %llu copied while idle\n",
                label, cpu / wall * 1000, cpu / wall * 100,
                static_cast<unsigned long long>(st.snapshots),
                static_cast<unsigned long long>(st.full_reads),
                static_cast<unsigned long long>(st.idle_copies));
}

} // namespace

void report_sampler(const std::string& subject_path) {
    mml::LabOptions lo;
    lo.subject_path = subject_path;
    mml::Lab lab(lo);
    std::string err;
    const int pid = lab.spawn("main", &err);
    const auto t0 = Clock::now();
    if (pid <= 0 || map_half_written(lab, pid) == 0) {
        std::printf("sampler: cannot set up the lab process: %s\n", err.c_str());
        return;
    }
    std::printf("Sampler at 10 Hz, idle lab (set-up: 131072 pages written in %.0f ms):\n",
                ms_since(t0));
    steady(lab, "1 process, 1 GiB half written", std::chrono::milliseconds(1000));
    steady(lab, "same, idle shortcut off (read every time)", std::chrono::milliseconds(0));
    if (!lab.fork(pid, "child").delivered) return;
    steady(lab, "+ fork: 2 processes, every page shared", std::chrono::milliseconds(1000));
    steady(lab, "same, idle shortcut off (read every time)", std::chrono::milliseconds(0));
}

} // namespace bench
