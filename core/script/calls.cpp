// The interpreter's function calls: each known function becomes one Lab request (Open, Mmap,
// Fill, TouchRead, ...) in the statement's lab process; fork and kill go through the Lab.
#include "../lab_stop.hpp"
#include "constants.hpp"
#include "eval.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fmt/core.h>
#include <thread>
#include <unistd.h>

namespace mml::script {

namespace {

uint64_t u(const Val& v) {
    return static_cast<uint64_t>(v.v);
}

Request request(Op op, const std::vector<Val>& a, size_t n) {
    Request req;
    req.op = op;
    for (size_t i = 0; i < n && i < a.size() && i < kMaxArgs; ++i) req.a[i] = u(a[i]);
    return req;
}

bool is_fatal_by_default(int sig) {
    return sig != SIGSTOP && sig != SIGCONT && sig != SIGCHLD && sig != SIGTSTP &&
           sig != SIGWINCH && sig != SIGURG && sig != 0;
}

} // namespace

bool Evaluator::call(const Expr& e, Val& out) {
    const FnInfo* fn = find_function(e.text);
    if (!fn) return fail(fmt::format("unknown function '{}'", e.text));
    std::vector<Val> a;
    if (!args(e, a)) return false;
    out = Val{};
    out.type = std::string(fn->result);
    switch (fn->fn) {
    case Fn::Open:
    case Fn::Write:
    case Fn::Ftruncate:
    case Fn::Close:
    case Fn::ShmOpen:
    case Fn::ShmUnlink:
    case Fn::Unlink:
        return call_files(fn->fn, a, out);
    case Fn::Mmap:
    case Fn::Munmap:
    case Fn::Mprotect:
    case Fn::Msync:
    case Fn::Madvise:
    case Fn::Mremap:
    case Fn::Mlock:
    case Fn::Munlock:
        return call_memory(fn->fn, a, out);
    case Fn::Memset:
    case Fn::Strcpy:
    case Fn::ReadPages:
    case Fn::WritePages:
    case Fn::Prctl:
        return call_bytes(fn->fn, a, out);
    default:
        return call_process(fn->fn, a, out);
    }
}

bool Evaluator::simple(Op op, const std::vector<Val>& a, Val& out) {
    Reply rep;
    if (!lab_call(request(op, a, a.size()), rep)) return false;
    out.v = rep.ret;
    return true;
}

bool Evaluator::call_files(Fn fn, const std::vector<Val>& a, Val& out) {
    switch (fn) {
    case Fn::Open: {
        Request req = request(Op::Open, {a.begin() + 1, a.end()}, 2);
        req.text = lab_.resolve_path(a[0].text);
        Reply rep;
        if (!lab_call(req, rep)) return false;
        out.v = rep.ret;
        return true;
    }
    case Fn::Write: {
        std::string bytes = a[1].text + '\0';
        if (a[2].v < 0 || u(a[2]) > bytes.size())
            return fail(fmt::format("write of {} bytes from a string of {} bytes (with its "
                                    "final NUL)",
                                    a[2].v, bytes.size()));
        Request req = request(Op::WriteFd, a, 1);
        req.data.assign(bytes.begin(), bytes.begin() + a[2].v);
        Reply rep;
        if (!lab_call(req, rep)) return false;
        out.v = rep.ret;
        return true;
    }
    case Fn::Ftruncate:
        return simple(Op::Ftruncate, a, out);
    case Fn::Close:
        return simple(Op::Close, a, out);
    default:
        break;
    }
    Op op = fn == Fn::ShmOpen ? Op::ShmOpen : fn == Fn::ShmUnlink ? Op::ShmUnlink : Op::Unlink;
    Request req = request(op, {a.begin() + 1, a.end()}, 2);
    req.text = fn == Fn::Unlink ? lab_.resolve_path(a[0].text) : a[0].text;
    Reply rep;
    if (!lab_call(req, rep)) return false;
    out.v = rep.ret;
    return true;
}

bool Evaluator::call_memory(Fn fn, const std::vector<Val>& a, Val& out) {
    switch (fn) {
    case Fn::Mmap:
        return simple(Op::Mmap, a, out);
    case Fn::Munmap:
        return simple(Op::Munmap, a, out);
    case Fn::Mprotect:
        return simple(Op::Mprotect, a, out);
    case Fn::Msync:
        return simple(Op::Msync, a, out);
    case Fn::Madvise:
        return simple(Op::Madvise, a, out);
    case Fn::Mremap:
        return simple(Op::Mremap, a, out);
    case Fn::Mlock:
        return simple(Op::Mlock, a, out);
    case Fn::Munlock:
        return simple(Op::Munlock, a, out);
    default:
        break;
    }
    return fail("not a memory call");
}

bool Evaluator::call_bytes(Fn fn, const std::vector<Val>& a, Val& out) {
    Reply rep;
    switch (fn) {
    case Fn::Memset: { // memset(p, byte, n) -> Fill(p, n, byte); returns p
        Request req = request(Op::Fill, {a[0], a[2], a[1]}, 3);
        if (!lab_call(req, rep)) return false;
        out.v = a[0].v;
        return true;
    }
    case Fn::Strcpy: {
        Request req = request(Op::Store, a, 1);
        req.data.assign(a[1].text.begin(), a[1].text.end());
        req.data.push_back(0);
        if (req.data.size() > kMaxPayload) return fail("the string is too long for one store");
        if (!lab_call(req, rep)) return false;
        out.v = a[0].v;
        return true;
    }
    case Fn::ReadPages:
        return simple(Op::TouchRead, a, out);
    case Fn::WritePages: {
        std::vector<Val> b = a;
        if (b.size() == 2) b.push_back(Val{"int", 1, false, {}}); // the byte written
        return simple(Op::TouchWrite, b, out);
    }
    default:
        break;
    }
    int64_t set_vma = 0, anon_name = 0;
    if (!constant_value("PR_SET_VMA", set_vma) ||
        !constant_value("PR_SET_VMA_ANON_NAME", anon_name) || a[0].v != set_vma ||
        a[1].v != anon_name)
        return fail("only prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, \"name\") is "
                    "supported");
    Request req = request(Op::SetVmaName, {a[2], a[3]}, 2);
    req.text = a[4].text;
    if (!lab_call(req, rep)) return false;
    out.v = rep.ret;
    return true;
}

bool Evaluator::call_process(Fn fn, const std::vector<Val>& a, Val& out) {
    switch (fn) {
    case Fn::Fork:
        return do_fork(out);
    case Fn::Kill:
        return do_kill(a, out);
    case Fn::Exit:
        return simple(Op::Exit, a, out);
    case Fn::LetCrash: {
        Reply rep;
        Request req;
        req.op = Op::SetCrash;
        req.a[0] = a[0].v != 0;
        if (!lab_call(req, rep)) return false;
        out.v = rep.ret;
        return true;
    }
    case Fn::Getpid:
        out.v = pid_;
        return true;
    case Fn::Sleep:
        return do_sleep(a[0], out);
    case Fn::Sysconf: {
        int64_t sc = 0;
        if (!constant_value("_SC_PAGESIZE", sc) || a[0].v != sc)
            return fail("only sysconf(_SC_PAGESIZE) is supported");
        out.v = sysconf(_SC_PAGESIZE);
        return true;
    }
    default:
        break;
    }
    return fail("not a process call");
}

bool Evaluator::do_fork(Val& out) {
    if (!lab_.alive(pid_)) return fail(not_running());
    Outcome o = lab_.fork(pid_, fork_name_.empty() ? "child" : fork_name_);
    if (o.died) {
        r_.ran = r_.died = true;
        r_.wait_status = o.wait_status;
        return false;
    }
    if (!o.delivered) return fail(o.error.empty() ? "fork failed" : o.error);
    r_.ran = true;
    r_.err = o.reply.err;
    out.v = o.reply.ret;
    if (!o.error.empty() && o.reply.ret <= 0) return fail(o.error);
    return true;
}

// sleep(seconds) runs in mmaplab, not in the lab process (which is idle between requests
// anyway); it ends early when mmaplab is asked to stop, returning the seconds left, like C.
bool Evaluator::do_sleep(const Val& seconds, Val& out) {
    constexpr int64_t kMaxSleep = 3600;
    if (seconds.v < 0 || seconds.v > kMaxSleep)
        return fail(fmt::format("sleep({}): give 0 to {} seconds", seconds.v, kMaxSleep));
    r_.ran = true;
    using clock = std::chrono::steady_clock;
    const auto end = clock::now() + std::chrono::seconds(seconds.v);
    while (clock::now() < end && stop::signal_received() == 0)
        std::this_thread::sleep_for(
            std::min<clock::duration>(end - clock::now(), std::chrono::milliseconds(20)));
    const auto left = std::chrono::ceil<std::chrono::seconds>(end - clock::now()).count();
    out.v = std::max<int64_t>(0, left);
    return true;
}

bool Evaluator::do_kill(const std::vector<Val>& a, Val& out) {
    int target = static_cast<int>(a[0].v), sig = static_cast<int>(a[1].v);
    r_.ran = true;
    if (!lab_.alive(target) || !lab_.kill(target, sig)) {
        out.v = -1;
        r_.err = ESRCH;
        return true;
    }
    out.v = 0;
    if (!is_fatal_by_default(sig)) return true;
    // Wait (briefly) for the death so the next statement and the snapshot see it.
    for (int i = 0; i < 200 && lab_.alive(target); ++i) {
        lab_.reap();
        if (lab_.alive(target)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace mml::script
