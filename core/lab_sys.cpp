// Low-level helpers of the Lab: posix_spawn of the subject/janitor on fd 3, SEQPACKET
// channels with SCM_RIGHTS, lab-dir and shm paths. No Lab state lives here.
#include "lab_sys.hpp"

#include "protocol.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace mml::labsys {

namespace {

// Signals a lab process must not inherit as ignored or blocked from the app.
constexpr int kResetSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,  SIGPIPE, SIGCHLD,
                                 SIGSEGV, SIGBUS,  SIGUSR1, SIGUSR2,  SIGALRM, SIGTSTP,
                                 SIGTTIN, SIGTTOU, SIGCONT, SIGWINCH, SIGXFSZ, SIGXCPU};

// posix_spawn attributes and file actions, released on every path.
struct SpawnSetup {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnSetup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

} // namespace

int start(const std::vector<std::string>& argv, int channel, const std::string& cwd,
          bool own_group) {
    SpawnSetup s;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : kResetSignals) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&s.attr, 0);
    }
    posix_spawnattr_setflags(&s.attr, flags);
    if (channel == kChannelFd) {
        // dup2 onto itself would keep close-on-exec set; go through a spare number.
        posix_spawn_file_actions_adddup2(&s.actions, channel, kChannelFd + 1);
        posix_spawn_file_actions_adddup2(&s.actions, kChannelFd + 1, kChannelFd);
    } else {
        posix_spawn_file_actions_adddup2(&s.actions, channel, kChannelFd);
    }
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&s.actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&s.actions, 2, "/dev/null", O_WRONLY, 0);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, cwd.c_str());
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
    return rc == 0 ? pid : -rc;
}

bool channel_pair(int fds[2]) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return false;
    // A datagram-style message must fit the sender's buffer (kernel doubles the value).
    int want = static_cast<int>(kMaxMessage + 64 * 1024);
    for (int i = 0; i < 2; ++i) {
        if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) != 0)
            setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    }
    return true;
}

size_t max_message(int fd) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len) != 0 || v < 4096) return 4096 - 64;
    // unix_dgram_sendmsg refuses len > sk_sndbuf - 32; keep a margin.
    return std::min(kMaxMessage, static_cast<size_t>(v) - 256);
}

int send_message(int fd, const std::vector<uint8_t>& msg, int pass_fd) {
    iovec iov{const_cast<uint8_t*>(msg.data()), msg.size()};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (pass_fd >= 0) {
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
    }
    for (;;) {
        if (sendmsg(fd, &m, MSG_NOSIGNAL) >= 0) return 0;
        if (errno != EINTR) return errno;
    }
}

int wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, ms) > 0 ? 1 : 0;
}

long receive_message(int fd, uint8_t* buf, size_t cap) {
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n >= 0) return n;
        if (errno != EINTR) return -errno;
    }
}

std::string shm_file(const std::string& name) {
    size_t start = (!name.empty() && name[0] == '/') ? 1 : 0;
    if (name.size() <= start || name.find('/', start) != std::string::npos) return {};
    return "/dev/shm/" + name.substr(start);
}

bool exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

std::string exe_dir() {
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return ".";
    return exe.parent_path().string();
}

std::string make_temp_dir(std::string* error) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = (base != nullptr && base[0] == '/') ? base : "/tmp";
    while (tmpl.size() > 1 && tmpl.back() == '/') tmpl.pop_back();
    tmpl += "/mmaplab-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
        if (error != nullptr)
            *error = "cannot create the lab directory " + tmpl + ": " + std::strerror(errno);
        return {};
    }
    return std::string(buf.data());
}

void remove_tree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec); // never follows symbolic links
}

} // namespace mml::labsys
