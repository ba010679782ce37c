// Small helpers shared by the benchmarks: medians of interleaved runs, child processes timed
// as whole processes, CPU time of this process.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point a) {
    return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// CPU time of the calling thread spent in one job: user and system, ms (medians when returned
// by interleaved). Less noisy than wall time on a shared machine: waiting for a core is not in it.
struct Cpu {
    double user = 0, sys = 0;
    double total() const { return user + sys; }
};

// Runs every job once per round, `rounds` times, interleaved (A B C A B C ...), so a burst of
// load from elsewhere hits all of them alike. Returns the median wall time of each, in ms;
// with `cpu`, also the median CPU time of each (user and system apart).
std::vector<double> interleaved(int rounds, const std::vector<std::function<void()>>& jobs,
                                std::vector<Cpu>* cpu = nullptr);

// Wall time of a whole child process (spawn to exit), stdout and stderr to /dev/null; -1 when
// it cannot start.
double run_command_ms(const std::vector<std::string>& argv);

// User + system CPU time of this process so far, in ms.
double cpu_ms();

} // namespace bench
