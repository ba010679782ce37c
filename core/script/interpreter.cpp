// The interpreter: runs checked statements on lab processes through the Lab (picking the
// process from "@target:"), binds declared variables, and words each result for people.
#include "eval.hpp"
#include "types.hpp"

#include "../abi.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fmt/core.h>
#include <sys/wait.h>

namespace mml::script {

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string describe_value(const std::string& type, int64_t v) {
    if (is_pointer_type(type)) {
        if (v == -1) return "MAP_FAILED";
        if (v == 0) return "NULL";
        return fmt::format("0x{:x}", static_cast<uint64_t>(v));
    }
    if (is_char_type(type)) {
        Expr c;
        c.kind = ExprKind::Char;
        c.value = v & 0xff;
        return fmt::format("{} (0x{:02x})", print(c), static_cast<uint8_t>(v));
    }
    return std::to_string(v);
}

std::string describe_death(int pid, int status) {
    if (WIFEXITED(status))
        return fmt::format("process {} exited with status {}", pid, WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return fmt::format("process {} was killed by {}{}", pid, abi::signal_name(WTERMSIG(status)),
                           WCOREDUMP(status) ? " (core dumped)" : "");
    return fmt::format("process {} ended (wait status 0x{:x})", pid, status);
}

} // namespace

std::string StepResult::result_text() const {
    if (!error.empty()) return "error: " + error;
    if (died) return describe_death(pid, wait_status);
    if (fault.sig != 0)
        return fmt::format("{} {} at 0x{:x} ({}) \u2014 the process carries on",
                           abi::signal_name(fault.sig), abi::si_code_name(fault.sig, fault.code),
                           fault.addr, fault.write ? "write" : "read");
    if (is_string) {
        Expr e;
        e.kind = ExprKind::String;
        e.text = text;
        return "= " + print(e);
    }
    std::string out = "= " + describe_value(type, value);
    if (err != 0) {
        const char* desc = strerrordesc_np(err);
        out += fmt::format(" {} ({})", abi::errno_name(err), desc ? desc : "unknown error");
    }
    return out;
}

Interpreter::Interpreter(Lab& lab) : lab_(lab) {
}

int Interpreter::start(std::string* error) {
    int pid = lab_.spawn("main", error);
    if (pid > 0) default_pid_ = pid;
    return pid;
}

bool Interpreter::lookup(const std::string& name, Value& out) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return false;
    out = it->second;
    return true;
}

Scope Interpreter::scope() const {
    Scope s;
    s.vars = vars_;
    for (const LabProcess& p : lab_.processes())
        if (std::find(s.processes.begin(), s.processes.end(), p.name) == s.processes.end())
            s.processes.push_back(p.name);
    return s;
}

int Interpreter::resolve_target(const std::string& target, std::string& error) const {
    if (target.empty()) return default_pid_;
    if (all_digits(target)) {
        int pid = 0;
        auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), pid);
        if (ec != std::errc() || end != target.data() + target.size() || pid <= 0)
            error = fmt::format("no lab process {}", target);
        return pid;
    }
    if (auto it = vars_.find(target);
        it != vars_.end() && !it->second.is_string && !is_pointer_type(it->second.type))
        return static_cast<int>(it->second.v);
    int found = 0;
    for (const LabProcess& p : lab_.processes())
        if (p.name == target && (found == 0 || p.alive)) found = p.pid;
    if (found == 0) error = fmt::format("no lab process named '{}'", target);
    return found;
}

StepResult Interpreter::run(const Stmt& s) {
    StepResult r;
    r.statement = print(s);
    Scope sc = scope();
    Diagnostic d;
    if (!check(s, sc, d)) {
        r.error = d.message;
        return r;
    }
    r.pid = resolve_target(s.target, r.error);
    if (!r.error.empty()) return r;
    if (r.pid <= 0) {
        r.error = "no lab process to run in (start one first)";
        return r;
    }
    for (const LabProcess& p : lab_.processes())
        if (p.pid == r.pid) r.process = p.name;
    std::vector<int> before = lab_.live_pids();
    execute(s, r);
    lab_.reap();
    std::vector<int> after = lab_.live_pids();
    for (int pid : before)
        if (std::find(after.begin(), after.end(), pid) == after.end() && !(r.died && pid == r.pid))
            r.ended.push_back(pid);
    return r;
}

void Interpreter::execute(const Stmt& s, StepResult& r) {
    Evaluator ev(lab_, vars_, r.pid, r, s.kind == StmtKind::Decl ? s.name : std::string());
    Val v;
    if (!ev.eval(s.value, v)) return;
    switch (s.kind) {
    case StmtKind::Decl: {
        Value& var = vars_[s.name];
        var.type = s.type;
        var.v = convert(s.type, v.v);
        var.is_string = v.is_string;
        var.text = v.text;
        r.type = s.type;
        r.value = var.v;
        r.is_string = v.is_string;
        r.text = v.text;
        return;
    }
    case StmtKind::Assign:
        if (s.lhs.kind == ExprKind::Name) {
            Value& var = vars_[s.lhs.text];
            var.v = convert(var.type, v.v);
            var.text = v.text;
            r.type = var.type;
            r.value = var.v;
            return;
        }
        if (!ev.store(s.lhs, v)) return;
        r.type = "char";
        r.value = v.v & 0xff;
        return;
    case StmtKind::Expr:
        break;
    }
    r.type = v.type;
    r.value = v.v;
    r.is_string = v.is_string;
    r.text = v.text;
}

std::vector<StepResult> Interpreter::run(const Program& p) {
    std::vector<StepResult> out;
    for (const Stmt& s : p.stmts) out.push_back(run(s));
    return out;
}

} // namespace mml::script
