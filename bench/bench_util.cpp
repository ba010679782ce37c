// Helpers shared by the benchmarks: interleaved medians, whole-process timing, CPU time.
#include "bench_util.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char** environ;

namespace bench {

namespace {

Cpu thread_cpu() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    auto ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
    return {ms(ru.ru_utime), ms(ru.ru_stime)};
}

} // namespace

std::vector<double> interleaved(int rounds, const std::vector<std::function<void()>>& jobs,
                                std::vector<Cpu>* cpu) {
    std::vector<std::vector<double>> t(jobs.size()), user(jobs.size()), sys(jobs.size());
    for (int r = 0; r < rounds; ++r)
        for (size_t j = 0; j < jobs.size(); ++j) {
            const Cpu c0 = thread_cpu();
            auto a = Clock::now();
            jobs[j]();
            t[j].push_back(ms_since(a));
            const Cpu c1 = thread_cpu();
            user[j].push_back(c1.user - c0.user);
            sys[j].push_back(c1.sys - c0.sys);
        }
    std::vector<double> out;
    for (auto& v : t) out.push_back(median(v));
    if (cpu) {
        cpu->clear();
        for (size_t j = 0; j < jobs.size(); ++j) cpu->push_back({median(user[j]), median(sys[j])});
    }
    return out;
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
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return ms_since(a);
}

double cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
    return ms(ru.ru_utime) + ms(ru.ru_stime);
}

} // namespace bench
