// The action language: C statements ("char *p = mmap(...);", "p[0] = 'A';", "@child: ...")
// parsed, printed (round-trip) and run on real lab processes through the Lab.
// This header is the public contract used by the command line, the GUI and lessons.
#pragma once

#include "../lab.hpp"
#include "ast.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mml::script {

struct Diagnostic {
    std::string file; // may be empty
    int line = 0, col = 0;
    std::string message;
    std::string str() const; // "file:line:col: message" (or "line:col: message")
};

struct Program {
    std::vector<Stmt> stmts;
    bool operator==(const Program& o) const { return stmts == o.stmts; }
};

// Parses a whole text (statements separated by ';', '//' and '/* */' comments allowed).
bool parse(std::string_view text, std::string_view file, Program& out, Diagnostic& err);
// Prints one statement in canonical form ("mprotect(p + 4096, 4096, PROT_READ);").
std::string print(const Stmt& s);
std::string print(const Program& p); // one statement per line
std::string print(const Expr& e);    // one expression ("p + 4096")

// A variable: a name bound to a value with the C type it was declared with.
struct Value {
    std::string type; // "char *", "int", "pid_t", "char", ...
    int64_t v = 0;
    bool is_string = false; // `const char *s = "..."`: the bytes live in `text`, not in a process
    std::string text;
};

// What the checker knows before a statement runs: variables (type, string or not) and the
// process names usable after '@' (besides pid_t variables and pids).
struct Scope {
    std::map<std::string, Value> vars;
    std::vector<std::string> processes{"main"};
};
// Names and types: unknown names, indexing a non-pointer, strings where a number is needed.
// Declarations are added to `scope` in order, so a whole program can be checked up front.
bool check(const Stmt& s, Scope& scope, Diagnostic& err);
bool check(const Program& p, Scope& scope, Diagnostic& err);

// What one statement did, with the kernel's answer.
struct StepResult {
    std::string statement;  // canonical text of the statement
    int pid = 0;            // the lab process it ran in
    std::string process;    // that process's name
    bool ran = false;       // it reached the lab process (errno results and faults count)
    int64_t value = 0;      // the result (address, fd, byte, pid, 0/-1)
    std::string type;       // C type of the result ("char *", "int", "char"): how to print it
    bool is_string = false; // the result is a string held by mmaplab (`const char *s = "x"`)
    std::string text;       // that string
    int err = 0;            // errno, 0 when none
    FaultInfo fault;        // a caught SIGSEGV/SIGBUS
    bool died = false;      // the process died (let it crash); wait_status valid
    int wait_status = 0;
    std::string error;      // evaluation error: unknown name, wrong type, no process, limit
    std::vector<int> ended; // other lab processes that died during the statement (kill)
    std::string result_text() const; // "= 0x7f3a1c000000" / "= -1 EINVAL (Invalid argument)" /
                                     // "SIGSEGV SEGV_ACCERR at 0x7f.. (write)" / the error
};

class Interpreter {
public:
    explicit Interpreter(Lab& lab);
    // Starts the first lab process, named "main", and makes it the default. Returns its pid.
    int start(std::string* error = nullptr);
    StepResult run(const Stmt& s);
    std::vector<StepResult> run(const Program& p);
    int default_pid() const { return default_pid_; }
    void set_default_pid(int pid) { default_pid_ = pid; }
    const std::map<std::string, Value>& variables() const { return vars_; }
    bool lookup(const std::string& name, Value& out) const;
    Lab& lab() { return lab_; }
    // What check() needs to judge a statement now: the variables and the lab processes' names.
    Scope scope() const;

private:
    int resolve_target(const std::string& target, std::string& error) const;
    void execute(const Stmt& s, StepResult& r);

    Lab& lab_;
    int default_pid_ = 0;
    std::map<std::string, Value> vars_;
};

} // namespace mml::script
