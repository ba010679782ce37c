// The Lab: starts lab processes (mmaplab-subject), sends them one request at a time, forks
// them, keeps the process table (thread-safe under mu_), and leaves nothing behind.
#include "lab.hpp"

#include "abi.hpp"
#include "lab_guard.hpp"
#include "lab_proc.hpp"
#include "lab_stop.hpp"
#include "lab_sys.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mml {

namespace {

constexpr size_t kJournalKept = 256;

std::string limit_error(int n) {
    return "limit of " + std::to_string(n) +
           " lab processes reached (fork in a loop?); raise it in Preferences";
}

std::string errno_text(int e) {
    return std::strerror(e);
}

std::string stopping_error() {
    return "mmaplab is stopping (" + abi::signal_name(stop::signal_received()) +
           " received); no more requests";
}

// A directory of ours that nobody else may enter: not a link, our uid, mode 0700 or stricter.
std::string private_dir_problem(const std::string& dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0) return "cannot stat it: " + errno_text(errno);
    if (!S_ISDIR(st.st_mode)) return "it is not a directory";
    if (st.st_uid != geteuid()) return "it belongs to another user";
    if ((st.st_mode & 077) != 0) return "others may enter it (it must be mode 0700)";
    return {};
}

} // namespace

Lab::Lab(LabOptions opts) : opts_(std::move(opts)) {
    subject_ =
        opts_.subject_path.empty() ? labsys::exe_dir() + "/mmaplab-subject" : opts_.subject_path;
    make_dir();
    check_dir();
    max_map_count_ = guard::max_map_count();
    if (init_error_.empty()) start_janitor();
}

Lab::~Lab() {
    cleanup();
}

void Lab::make_dir() {
    if (opts_.lab_dir.empty()) {
        dir_ = labsys::make_temp_dir(&init_error_);
        owns_dir_ = !dir_.empty();
        return;
    }
    dir_ = opts_.lab_dir;
    if (mkdir(dir_.c_str(), 0700) == 0) {
        owns_dir_ = true;
    } else if (errno != EEXIST) {
        init_error_ = "cannot create the lab directory " + dir_ + ": " + errno_text(errno);
    }
}

void Lab::check_dir() {
    if (dir_.empty()) return;
    std::string why = private_dir_problem(dir_);
    if (!why.empty() && init_error_.empty())
        init_error_ = "the lab directory " + dir_ + " is not private: " + why;
    real_dir_ = guard::canonical(dir_);
}

// The janitor is the subject binary in "janitor" mode, holding the read end of a stream
// socket. It learns the lab dir, shm names, files and pids as lines; at EOF (the app died
// without ~Lab) it kills, unlinks and removes them. ~Lab sends "Q" so it just exits.
void Lab::start_janitor() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        init_error_ = "cannot create the janitor channel: " + errno_text(errno);
        return;
    }
    int pid = labsys::start({subject_, "janitor", std::to_string(getpid())}, sv[1], "/", false);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        init_error_ = "cannot start " + subject_ + " (janitor): " + errno_text(-pid);
        return;
    }
    std::lock_guard lk(mu_);
    janitor_pid_ = pid;
    janitor_fd_ = sv[0];
    if (owns_dir_) tell_janitor('D', dir_);
}

void Lab::tell_janitor(char what, const std::string& arg) {
    if (janitor_fd_ < 0 || arg.find('\n') != std::string::npos) return;
    std::string line = std::string(1, what) + ' ' + arg + '\n';
    size_t off = 0;
    while (off < line.size()) {
        ssize_t n = send(janitor_fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; // the janitor is gone; nothing more to tell it
        off += static_cast<size_t>(n);
    }
}

std::string Lab::init_error() const {
    std::lock_guard lk(mu_);
    return init_error_;
}

Lab::Proc* Lab::find(int pid) {
    // Newest first: a pid reused by a later lab process means that process.
    for (auto it = procs_.rbegin(); it != procs_.rend(); ++it)
        if ((*it)->info.pid == pid) return *it;
    return nullptr;
}

const Lab::Proc* Lab::find(int pid) const {
    for (auto it = procs_.rbegin(); it != procs_.rend(); ++it)
        if ((*it)->info.pid == pid) return *it;
    return nullptr;
}

Lab::Proc* Lab::add_process(int pid, int parent, const std::string& name, int fd, bool crash) {
    auto* p = new Proc;
    p->info.pid = pid;
    p->info.parent = parent;
    p->info.name = name;
    p->info.crash_mode = crash;
    p->fd = fd;
    p->max_message = labsys::max_message(fd);
    std::lock_guard lk(mu_);
    procs_.push_back(p);
    tell_janitor('P', std::to_string(pid));
    return p;
}

void Lab::on_death(Proc& p, int status) {
    p.info.alive = false;
    p.info.wait_status = status;
    tell_janitor('X', std::to_string(p.info.pid));
}

int Lab::spawn(const std::string& name, std::string* error) {
    auto fail = [&](const std::string& msg) {
        if (error != nullptr) *error = msg;
        return 0;
    };
    {
        std::lock_guard lk(mu_);
        if (!init_error_.empty()) return fail(init_error_);
        if (stop::signal_received() != 0) return fail(stopping_error());
        int live = 0;
        for (const Proc* p : procs_) live += p->info.alive ? 1 : 0;
        if (live >= opts_.limits.max_processes)
            return fail(limit_error(opts_.limits.max_processes));
    }
    int sv[2];
    if (!labsys::channel_pair(sv)) return fail("socketpair: " + errno_text(errno));
    int pid = labsys::start({subject_, "serve", std::to_string(getpid())}, sv[1], dir_, true);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return fail("cannot start " + subject_ + ": " + errno_text(-pid));
    }
    Proc* p = add_process(pid, 0, name, sv[0], false);
    Outcome o = transact(*p, Request{}, -1); // Ping: the process is up and serving
    if (!o.delivered) {
        ::kill(pid, SIGKILL);
        wait_exit(pid, 2000);
        std::lock_guard lk(mu_);
        if (p->fd >= 0) close(p->fd);
        std::erase(procs_, p);
        delete p;
        return fail("lab process " + std::to_string(pid) + " did not start (" + subject_ + ")" +
                    (o.error.empty() ? "" : ": " + o.error));
    }
    {
        std::lock_guard lk(mu_);
        journal({LabDeed::Kind::Spawn, 0, pid, Op::Ping, {}, 0, pid, true, false});
    }
    after_request();
    return pid;
}

Outcome Lab::transact(Proc& p, const Request& req, int pass_fd) {
    Outcome o;
    std::vector<uint8_t> msg = encode(req);
    std::lock_guard io(p.io);
    if (p.fd < 0) {
        o.error = "lab process " + std::to_string(p.info.pid) + " has exited";
        return o;
    }
    if (msg.size() > p.max_message) {
        o.error = "request too large: " + std::to_string(msg.size()) + " bytes, the channel " +
                  "carries at most " + std::to_string(p.max_message);
        return o;
    }
    if (!p.buf) p.buf = std::make_unique_for_overwrite<uint8_t[]>(kMaxMessage);
    int e = labsys::send_message(p.fd, msg, pass_fd);
    if (e == 0) await_reply(p);
    long n = e == 0 ? labsys::receive_message(p.fd, p.buf.get(), kMaxMessage) : -e;
    if (n > 0) {
        o.delivered = decode(p.buf.get(), static_cast<size_t>(n), o.reply);
        if (!o.delivered) o.error = "malformed reply from lab process";
    } else if (n == 0 || n == -EPIPE || n == -ECONNRESET) {
        collect_death(p, o);
    } else {
        o.error = "command channel: " + errno_text(static_cast<int>(-n));
    }
    return o;
}

// Waits until the reply (or the channel's end) is there. When mmaplab is asked to stop
// meanwhile, the lab process is killed: its channel then ends and the caller collects it.
void Lab::await_reply(Proc& p) {
    while (labsys::wait_readable(p.fd, 100) == 0) {
        if (stop::signal_received() == 0) continue;
        std::lock_guard lk(mu_);
        if (p.info.alive) ::kill(p.info.pid, SIGKILL);
    }
}

// The channel closed: the process is dying. Wait for it (held: p.io, not mu_).
void Lab::collect_death(Proc& p, Outcome& out) {
    const int pid = p.info.pid;
    wait_exit(pid, 3000);
    {
        std::lock_guard lk(mu_);
        if (p.info.alive) ::kill(pid, SIGKILL);
    }
    wait_exit(pid, 10000);
    std::lock_guard lk(mu_);
    out.died = !p.info.alive;
    out.wait_status = p.info.wait_status;
    if (!out.died) out.error = "lab process " + std::to_string(pid) + " closed its channel";
    close(p.fd);
    p.fd = -1;
}

void Lab::wait_exit(int pid, int max_ms) {
    for (int waited = 0;; ++waited) {
        {
            std::lock_guard lk(mu_);
            Proc* p = find(pid);
            if (p == nullptr || !p->info.alive) return;
            int st = 0;
            pid_t r = waitpid(pid, &st, WNOHANG);
            if (r == pid || (r < 0 && errno == ECHILD)) {
                on_death(*p, r == pid ? st : 0);
                return;
            }
        }
        if (waited >= max_ms) return;
        usleep(1000);
    }
}

Outcome Lab::call(int pid, const Request& req) {
    if (req.op == Op::Fork) return fork(pid, "child");
    Outcome o;
    Proc* p = nullptr;
    {
        std::lock_guard lk(mu_);
        p = find(pid);
        if (p == nullptr || !p->info.alive) {
            o.error = (p == nullptr ? "no lab process " : "lab process ") + std::to_string(pid) +
                      (p == nullptr ? "" : " has exited");
            return o;
        }
        if (stop::signal_received() != 0) {
            o.error = stopping_error();
            return o;
        }
    }
    if (req.op == Op::Close && static_cast<int>(req.a[0]) == kChannelFd) {
        o.error = "fd " + std::to_string(kChannelFd) + " is the command channel of lab process " +
                  std::to_string(pid) + "; closing it would cut the process off";
        return o;
    }
    if (req.op == Op::Load && req.a[1] > p->max_message - kMessageHeader) {
        o.error = "a load reads at most " + std::to_string(p->max_message - kMessageHeader) +
                  " bytes per request";
        return o;
    }
    Request resolved;
    const bool is_path = req.op == Op::Open || req.op == Op::Unlink;
    if (is_path) {
        resolved = req;
        resolved.text = resolve_path(req.text);
    }
    const Request& q = is_path ? resolved : req;
    o.error = refusal(*p, q);
    if (!o.error.empty()) {
        o.refused = true;
        return o;
    }
    const bool creating = (q.op == Op::Open || q.op == Op::ShmOpen) && (q.a[0] & O_CREAT) != 0;
    const std::string target = q.op == Op::ShmOpen ? labsys::shm_file(q.text) : q.text;
    const bool existed = creating && !target.empty() && labsys::exists(target);

    o = transact(*p, q, -1);
    count_mappings(*p, q, o);
    {
        std::lock_guard lk(mu_);
        if (o.delivered || o.died) ++actions_;
        journal_request(pid, q, o);
        if (o.delivered && q.op == Op::SetCrash) p->info.crash_mode = q.a[0] != 0;
        if (creating && q.op == Op::ShmOpen) note_created_shm(q, o, existed);
        if (creating && q.op == Op::Open) note_created_file(q, o, existed);
        if (o.delivered && q.op == Op::ShmUnlink && o.reply.ret == 0) {
            std::erase(shm_created_, q.text);
            tell_janitor('U', q.text);
        }
    }
    after_request();
    return o;
}

void Lab::note_created_shm(const Request& req, const Outcome& out, bool existed_before) {
    if (!out.delivered || out.reply.ret < 0 || existed_before) return;
    for (const std::string& s : shm_created_)
        if (s == req.text) return;
    shm_created_.push_back(req.text);
    tell_janitor('S', req.text);
}

void Lab::note_created_file(const Request& req, const Outcome& out, bool existed_before) {
    if (!out.delivered || out.reply.ret < 0 || existed_before) return;
    if (req.text.rfind(dir_ + "/", 0) != 0) return; // only files in the lab dir are ours
    files_created_.push_back(req.text);
    tell_janitor('F', req.text);
}

Outcome Lab::fork(int pid, const std::string& child_name) {
    Outcome o;
    Proc* p = nullptr;
    bool crash = false;
    {
        std::lock_guard lk(mu_);
        p = find(pid);
        if (p == nullptr || !p->info.alive) {
            o.error = "no live lab process " + std::to_string(pid);
            return o;
        }
        if (stop::signal_received() != 0) {
            o.error = stopping_error();
            return o;
        }
        int live = 0;
        for (const Proc* q : procs_) live += q->info.alive ? 1 : 0;
        if (live >= opts_.limits.max_processes) {
            o.error = limit_error(opts_.limits.max_processes);
            o.refused = true;
            return o;
        }
        crash = p->info.crash_mode;
    }
    int sv[2];
    if (!labsys::channel_pair(sv)) {
        o.error = "socketpair: " + errno_text(errno);
        return o;
    }
    Request q;
    q.op = Op::Fork;
    o = transact(*p, q, sv[1]);
    close(sv[1]); // the child holds its own copy now
    if (o.delivered && o.reply.ret > 0) {
        Proc* c = add_process(static_cast<int>(o.reply.ret), pid, child_name, sv[0], crash);
        std::lock_guard lk(mu_);
        c->maps_known = p->maps_known; // the child has its parent's mappings
        c->maps_growth = p->maps_growth;
    } else
        close(sv[0]);
    {
        std::lock_guard lk(mu_);
        if (o.delivered || o.died) ++actions_;
        journal({LabDeed::Kind::Fork, 0, pid, Op::Fork, {}, 0, o.reply.ret, o.delivered, o.died});
    }
    after_request();
    return o;
}

bool Lab::kill(int pid, int sig) {
    {
        std::lock_guard lk(mu_);
        const Proc* p = find(pid);
        if (p == nullptr || !p->info.alive) return false;
        if (::kill(pid, sig) != 0) return false;
        LabDeed d;
        d.kind = LabDeed::Kind::Kill;
        d.pid = pid;
        d.a[0] = static_cast<uint64_t>(sig);
        d.delivered = true;
        journal(d);
    }
    // SIGKILL always ends it; for other signals give it a moment to die of them.
    wait_exit(pid, sig == SIGKILL ? 2000 : 50);
    reap();
    after_request();
    return true;
}

void Lab::reap() {
    std::lock_guard lk(mu_);
    for (Proc* p : procs_) {
        if (p->info.alive) {
            int st = 0;
            if (waitpid(p->info.pid, &st, WNOHANG) != p->info.pid) continue;
            on_death(*p, st);
        }
        // Close the channel of a dead process unless a call is still using it.
        if (p->fd >= 0 && p->io.try_lock()) {
            close(p->fd);
            p->fd = -1;
            p->io.unlock();
        }
    }
}

std::vector<LabProcess> Lab::processes() const {
    std::lock_guard lk(mu_);
    std::vector<LabProcess> out;
    out.reserve(procs_.size());
    for (const Proc* p : procs_) out.push_back(p->info);
    return out;
}

std::vector<int> Lab::live_pids() const {
    std::lock_guard lk(mu_);
    std::vector<int> out;
    for (const Proc* p : procs_)
        if (p->info.alive) out.push_back(p->info.pid);
    return out;
}

bool Lab::alive(int pid) const {
    std::lock_guard lk(mu_);
    const Proc* p = find(pid);
    return p != nullptr && p->info.alive;
}

std::string Lab::resolve_path(const std::string& path) const {
    if (!path.empty() && path[0] == '/') return path;
    return path.empty() ? dir_ : dir_ + "/" + path;
}

uint64_t Lab::action_count() const {
    std::lock_guard lk(mu_);
    return actions_;
}

uint64_t Lab::journal_seq() const {
    std::lock_guard lk(mu_);
    return journal_seq_;
}

bool Lab::journal_since(uint64_t seq, std::vector<LabDeed>& out) const {
    std::lock_guard lk(mu_);
    out.clear();
    if (seq >= journal_seq_) return true;
    if (journal_.empty() || journal_.front().seq > seq + 1) return false; // dropped
    for (const LabDeed& d : journal_)
        if (d.seq > seq) out.push_back(d);
    return true;
}

void Lab::journal(LabDeed d) {
    d.seq = ++journal_seq_;
    journal_.push_back(d);
    if (journal_.size() > kJournalKept) journal_.pop_front();
}

void Lab::journal_request(int pid, const Request& req, const Outcome& o) {
    LabDeed d;
    d.pid = pid;
    d.op = req.op;
    std::copy(std::begin(req.a), std::end(req.a), std::begin(d.a));
    d.data_len = req.data.size();
    d.ret = o.reply.ret;
    d.delivered = o.delivered;
    d.died = o.died;
    journal(d);
}

LabLimits Lab::limits() const {
    std::lock_guard lk(mu_);
    return opts_.limits;
}

void Lab::set_limits(const LabLimits& l) {
    std::lock_guard lk(mu_);
    opts_.limits = l;
}

bool Lab::allow_outside_writes() const {
    std::lock_guard lk(mu_);
    return opts_.allow_outside_writes;
}

void Lab::set_allow_outside_writes(bool allow) {
    std::lock_guard lk(mu_);
    opts_.allow_outside_writes = allow;
}

void Lab::set_observer(std::function<void()> f) {
    std::lock_guard lk(mu_);
    observer_ = std::move(f);
}

void Lab::after_request() {
    std::function<void()> f;
    {
        std::lock_guard lk(mu_);
        f = observer_;
    }
    if (f) f();
}

void Lab::cleanup() {
    std::vector<int> live = live_pids();
    for (int pid : live) ::kill(pid, SIGKILL);
    for (int pid : live) wait_exit(pid, 5000);
    std::lock_guard lk(mu_);
    for (Proc* p : procs_) {
        if (p->fd >= 0) close(p->fd);
        delete p;
    }
    procs_.clear();
    for (const std::string& name : shm_created_) shm_unlink(name.c_str());
    shm_created_.clear();
    for (const std::string& f : files_created_) unlink(f.c_str());
    files_created_.clear();
    if (owns_dir_) labsys::remove_tree(dir_);
    if (janitor_fd_ >= 0) {
        tell_janitor('Q', "");
        close(janitor_fd_);
        janitor_fd_ = -1;
        int st = 0;
        while (waitpid(janitor_pid_, &st, 0) < 0 && errno == EINTR) {
        }
    }
}

} // namespace mml
