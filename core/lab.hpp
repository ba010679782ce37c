// The Lab: starts lab processes (mmaplab-subject), sends them one request at a time, forks
// them, knows the process tree, and leaves nothing behind (processes, lab files, shm objects).
#pragma once

#include "protocol.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace mml {

// Limits that keep a lab from harming the machine, checked by the Lab BEFORE a request reaches
// a lab process; a refusal is Outcome::refused with a sentence saying why and what would work.
// Shown and adjustable in the preferences (Lab::set_limits).
struct LabLimits {
    int max_processes = 64; // live lab processes (a fork in a loop)
    // RAM one request may take at once (MAP_POPULATE, MAP_LOCKED, mlock, MADV_POPULATE_*,
    // memset, write_pages, read_pages): at most this share of MemAvailable, read at that moment
    // (so the memory already taken counts). A lazy mmap without them is never refused.
    double ram_share = 0.5;
    // Mappings per lab process; never more than half of vm.max_map_count either.
    int64_t max_mappings = 10000;
    uint64_t max_file_bytes = uint64_t{4} << 30; // a lab file may grow to this (ftruncate, write)
    double disk_share = 0.5; // one growth of a file: at most this share of the free disk space
    bool operator==(const LabLimits&) const = default;
};

struct LabOptions {
    std::string subject_path; // the mmaplab-subject executable; empty: next to /proc/self/exe
    std::string lab_dir;      // empty: a new private directory (0700) under $TMPDIR or /tmp
    LabLimits limits;
    // Lab processes may open files outside the lab directory only with O_RDONLY, and unlink or
    // shm_open/shm_unlink only what is theirs, unless this is set (`mmaplab run
    // --allow-writes-outside-lab`, or the window after an explicit confirmation). /proc, /sys
    // and /dev are never written, whatever this says.
    bool allow_outside_writes = false;
};

struct LabProcess {
    int pid = 0;
    int parent = 0; // lab parent (forked from), 0 for a root
    std::string name;
    bool alive = true;
    int wait_status = 0; // valid when !alive (raw waitpid status)
    bool crash_mode = false;
};

// What happened to one request.
struct Outcome {
    bool delivered = false; // the process answered
    Reply reply;
    bool died = false; // the process died while serving it (wait_status then valid)
    int wait_status = 0;
    std::string error;    // transport or lab error in plain words (unknown pid, limit, ...)
    bool refused = false; // a limit or the file policy stopped it before the process saw it
};

// One entry of the Lab's journal: what was done to which lab process (a request that reached
// it, a fork, a kill, a spawn), for the Sampler's quick snapshots (action_scope.hpp).
struct LabDeed {
    enum class Kind : uint8_t { Request, Fork, Kill, Spawn } kind = Kind::Request;
    uint64_t seq = 0; // Lab::journal_seq() right after it
    int pid = 0;      // the process acted on (Fork: the parent)
    Op op = Op::Ping; // Request: the request's op and arguments (its data only by size)
    uint64_t a[kMaxArgs] = {};
    uint64_t data_len = 0;
    int64_t ret = 0; // the reply's result (Mmap, Mremap: the address)
    bool delivered = false, died = false;
};

class Lab {
public:
    explicit Lab(LabOptions opts = {});
    ~Lab(); // kills and reaps every lab process; removes lab files and shm objects it created
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    // Starts a root lab process. Call from a thread that lives as long as the Lab: the lab
    // processes are bound to it with PR_SET_PDEATHSIG. Returns the pid, or 0 with `error`.
    int spawn(const std::string& name, std::string* error = nullptr);
    // Sends one request and waits for its reply.
    Outcome call(int pid, const Request& req);
    // fork() inside lab process `pid`; the child gets its own channel. Reply.ret = child pid.
    Outcome fork(int pid, const std::string& child_name);
    bool kill(int pid, int sig);
    void reap(); // collect exited lab processes (non-blocking)

    std::vector<LabProcess> processes() const; // the tree, in creation order, dead ones too
    std::vector<int> live_pids() const;
    bool alive(int pid) const;
    const std::string& dir() const { return dir_; }
    std::string resolve_path(const std::string& path) const; // relative paths live in dir()
    uint64_t action_count() const;
    // Everything done to lab processes (requests that reached one, forks, kills, spawns) is
    // journaled; journal_seq() counts the entries. journal_since(seq) gives those after `seq`,
    // oldest first, or false when some of them are no longer kept.
    uint64_t journal_seq() const;
    bool journal_since(uint64_t seq, std::vector<LabDeed>& out) const;
    void set_observer(std::function<void()> f); // called after every request (sampler wake-up)

    // Why the Lab could not start (no lab dir, no janitor); empty when it is ready.
    std::string init_error() const;

    // The limits and the outside-writes permission can change at any time (preferences, a
    // confirmation dialog); they apply from the next request on.
    LabLimits limits() const;
    void set_limits(const LabLimits& l);
    bool allow_outside_writes() const;
    void set_allow_outside_writes(bool allow);

private:
    struct Proc;
    Proc* find(int pid);
    const Proc* find(int pid) const;
    void note_created_shm(const Request& req, const Outcome& out, bool existed_before);
    void note_created_file(const Request& req, const Outcome& out, bool existed_before);
    void on_death(Proc& p, int status);
    void cleanup();
    void make_dir();
    void check_dir();
    void await_reply(Proc& p);
    void start_janitor();
    void tell_janitor(char what, const std::string& arg); // with mu_ held
    Outcome transact(Proc& p, const Request& req, int pass_fd);
    void collect_death(Proc& p, Outcome& out);
    void wait_exit(int pid, int max_ms);
    Proc* add_process(int pid, int parent, const std::string& name, int fd, bool crash);
    void after_request();
    std::string refusal(Proc& p, const Request& req);
    std::string file_refusal(Proc& p, const Request& req, const LabOptions& o);
    void count_mappings(Proc& p, const Request& req, const Outcome& out);
    void journal(LabDeed d);                                             // with mu_ held
    void journal_request(int pid, const Request& req, const Outcome& o); // with mu_ held

    LabOptions opts_;
    std::string dir_;
    std::string real_dir_; // dir_ with symbolic links resolved: what "inside the lab" means
    std::string subject_;
    mutable std::mutex mu_;
    std::vector<Proc*> procs_;
    std::vector<std::string> shm_created_;
    uint64_t actions_ = 0;
    std::deque<LabDeed> journal_; // the newest kJournalKept entries
    uint64_t journal_seq_ = 0;
    std::function<void()> observer_;
    int janitor_fd_ = -1; // write end of the janitor pipe (cleans up if the app is killed)
    int janitor_pid_ = 0;
    bool owns_dir_ = false;                  // the Lab created dir_ and removes it
    std::vector<std::string> files_created_; // only when dir_ was given and already existed
    std::string init_error_;
    int64_t max_map_count_ = 65530; // vm.max_map_count when the Lab started
};

} // namespace mml
