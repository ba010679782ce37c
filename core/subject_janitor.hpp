// The janitor mode of mmaplab-subject (included only by subject_main.cpp): learns what a Lab
// created, as lines on fd 3, and when the app vanishes without cleaning up (EOF), kills its
// lab processes and removes its files and shm objects.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace mml::janitor {

struct Watched {
    int pid;
    int pidfd; // pins the process identity: a reused pid is never signalled
};

struct State {
    int app = 0;
    std::string dir;
    std::vector<std::string> files;
    std::vector<std::string> shm;
    std::vector<Watched> pids;
    bool done = false; // the Lab cleaned up itself ("Q")
};

// The parent pid of `pid` from /proc/PID/stat (comm may hold spaces and parentheses).
inline int parent_of(int pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    const char* close_paren = std::strrchr(buf, ')');
    char state = 0;
    int ppid = -1;
    if (close_paren == nullptr || std::sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return ppid;
}

inline void watch(State& s, int pid) {
    int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return;
    // Only a child of the app is a lab process; anything else is a reused pid.
    if (parent_of(pid) != s.app) {
        close(fd);
        return;
    }
    s.pids.push_back({pid, fd});
}

inline void forget(State& s, int pid) {
    for (size_t i = 0; i < s.pids.size(); ++i) {
        if (s.pids[i].pid != pid) continue;
        close(s.pids[i].pidfd);
        s.pids.erase(s.pids.begin() + static_cast<long>(i));
        return;
    }
}

// Lines: "D dir", "F file", "S shm", "U shm" (unlinked), "P pid", "X pid" (reaped),
// "Q" (the Lab cleaned up itself; exit without touching anything).
inline void on_line(State& s, const std::string& line) {
    if (line.size() < 1) return;
    const std::string arg = line.size() > 2 ? line.substr(2) : std::string();
    switch (line[0]) {
    case 'D':
        s.dir = arg;
        break;
    case 'F':
        s.files.push_back(arg);
        break;
    case 'S':
        s.shm.push_back(arg);
        break;
    case 'U':
        for (size_t i = 0; i < s.shm.size(); ++i) {
            if (s.shm[i] != arg) continue;
            s.shm.erase(s.shm.begin() + static_cast<long>(i));
            break;
        }
        break;
    case 'P':
        watch(s, std::atoi(arg.c_str()));
        break;
    case 'X':
        forget(s, std::atoi(arg.c_str()));
        break;
    case 'Q':
        s.done = true;
        break;
    default:
        break;
    }
}

// Removes `name` under directory fd `at`, recursing into directories, never following links.
inline void remove_tree(int at, const char* name) {
    if (unlinkat(at, name, 0) == 0 || errno == ENOENT) return;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    DIR* d = fdopendir(fd);
    if (d == nullptr) {
        close(fd);
        return;
    }
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            names.emplace_back(e->d_name);
    }
    for (const std::string& n : names) remove_tree(dirfd(d), n.c_str());
    closedir(d);
    unlinkat(at, name, AT_REMOVEDIR);
}

inline void clean(State& s) {
    for (const Watched& w : s.pids) syscall(SYS_pidfd_send_signal, w.pidfd, SIGKILL, nullptr, 0);
    for (const std::string& name : s.shm) shm_unlink(name.c_str());
    for (const std::string& file : s.files) unlink(file.c_str());
    if (!s.dir.empty() && s.dir[0] == '/') remove_tree(AT_FDCWD, s.dir.c_str());
}

// Janitor main: fd 3 is the read end of the Lab's pipe. Not a lab process: no PDEATHSIG,
// its own session, deaf to the terminal's SIGHUP/SIGINT.
inline int run(int app) {
    setsid();
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (chdir("/") != 0) return 1;
    close_range(4, ~0u, 0);
    State s;
    s.app = app;
    std::string pending;
    char buf[4096];
    for (;;) {
        ssize_t n = read(3, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            on_line(s, pending.substr(0, nl));
            pending.erase(0, nl + 1);
        }
        if (s.done) return 0;
    }
    clean(s);
    return 0;
}

} // namespace mml::janitor
