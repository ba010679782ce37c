// The interpreter's evaluator: computes one statement's expressions, turning calls, loads and
// stores into Lab requests for one lab process. Internal to core/script.
#pragma once

#include "functions.hpp"
#include "script.hpp"

#include <map>
#include <string>

namespace mml::script {

// A computed value: an integer or address with its C type, or a string held in the app.
struct Val {
    std::string type = "int";
    int64_t v = 0;
    bool is_string = false;
    std::string text;
};

// The value `v` converted to type `t` as C does for a declaration or a cast (int truncates to
// 32 bits, char to a byte shown as 0..255, pointers and longs keep 64 bits).
int64_t convert(std::string_view t, int64_t v);

class Evaluator {
public:
    // `fork_name`: the name a fork() in this statement gives the child (the declared variable).
    Evaluator(Lab& lab, const std::map<std::string, Value>& vars, int pid, StepResult& r,
              std::string fork_name)
        : lab_(lab), vars_(vars), pid_(pid), r_(r), fork_name_(std::move(fork_name)) {}

    // Each returns false when the statement stops: a fault, a death, or an error (in r).
    bool eval(const Expr& e, Val& out);
    bool store(const Expr& lhs, const Val& v); // p[i] = v or *p = v

private:
    Lab& lab_;
    const std::map<std::string, Value>& vars_;
    int pid_;
    StepResult& r_;
    std::string fork_name_;

    bool fail(std::string msg);
    std::string not_running() const; // "1234 (child) is not running: process 1234 was killed.."
    bool lab_call(const Request& req, Reply& reply);
    bool address(const Expr& e, uint64_t& addr); // the byte p[i] or *p designates
    bool load(uint64_t addr, Val& out);
    bool name(const Expr& e, Val& out);
    bool unary(const Expr& e, Val& out);
    bool binary(const Expr& e, Val& out);
    bool args(const Expr& call, std::vector<Val>& out);
    // calls.cpp
    bool call(const Expr& e, Val& out);
    bool call_files(Fn fn, const std::vector<Val>& a, Val& out);
    bool call_memory(Fn fn, const std::vector<Val>& a, Val& out);
    bool call_bytes(Fn fn, const std::vector<Val>& a, Val& out);
    bool call_process(Fn fn, const std::vector<Val>& a, Val& out);
    bool simple(Op op, const std::vector<Val>& a, Val& out);
    bool do_fork(Val& out);
    bool do_kill(const std::vector<Val>& a, Val& out);
    bool do_sleep(const Val& seconds, Val& out);
};

} // namespace mml::script
