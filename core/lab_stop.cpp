// An orderly stop on SIGHUP, SIGINT and SIGTERM: a one-shot handler records the signal in a
// lock-free atomic; everything else happens on the normal return path.
#include "lab_stop.hpp"

#include <atomic>
#include <csignal>

namespace mml::stop {

namespace {

// The only process-wide state of core/: a signal handler has nowhere else to write.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
    int none = 0;
    g_signal.compare_exchange_strong(none, sig);
}

} // namespace

void install() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; // no SA_RESTART: a blocking wait returns EINTR at once
    for (int sig : {SIGHUP, SIGINT, SIGTERM}) sigaction(sig, &sa, nullptr);
}

int signal_received() {
    return g_signal.load();
}

void request(int sig) {
    g_signal.store(sig);
}

void reraise() {
    int sig = g_signal.load();
    if (sig == 0) return;
    std::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
}

} // namespace mml::stop
