// `mmaplab run SCRIPT`: the whole script is parsed and checked before anything runs; each
// statement then prints one aligned line, and every process that ends prints one more.
#include "runner.hpp"

#include "../abi.hpp"
#include "../lab_stop.hpp"

#include <algorithm>
#include <fmt/core.h>
#include <fstream>
#include <sstream>

namespace mml::script {

namespace {

constexpr size_t kMaxStatementColumn = 72;
constexpr size_t kProcessColumn = 14;

std::string process_label(const Lab& lab, int pid) {
    for (const LabProcess& p : lab.processes())
        if (p.pid == pid) return fmt::format("[{} {}]", pid, p.name);
    return fmt::format("[{}]", pid);
}

std::string death_text(const Lab& lab, int pid) {
    for (const LabProcess& p : lab.processes()) {
        if (p.pid != pid) continue;
        StepResult r;
        r.pid = pid;
        r.died = true;
        r.wait_status = p.wait_status;
        return r.result_text();
    }
    return fmt::format("process {} ended", pid);
}

} // namespace

int run_script_text(std::string_view text, const std::string& file, Interpreter& interp,
                    std::ostream& out, std::ostream& err) {
    Program prog;
    Diagnostic d;
    if (!parse(text, file, prog, d)) {
        err << d.str() << '\n';
        return 2;
    }
    Scope scope = interp.scope();
    if (!check(prog, scope, d)) {
        d.file = file;
        err << d.str() << '\n';
        return 2;
    }
    if (interp.default_pid() == 0) {
        std::string why;
        if (interp.start(&why) == 0) {
            err << fmt::format("{}: cannot start a lab process: {}\n", file, why);
            return 1;
        }
    }
    size_t width = 0;
    for (const Stmt& s : prog.stmts) width = std::max(width, print(s).size());
    width = std::min(width, kMaxStatementColumn);
    Lab& lab = interp.lab();
    for (const Stmt& s : prog.stmts) {
        if (int sig = stop::signal_received(); sig != 0) {
            err << fmt::format("{}:{}: stopped by {} before this statement\n", file, s.pos.line,
                               abi::signal_name(sig));
            return 1;
        }
        StepResult r = interp.run(s);
        std::string who = r.pid > 0 ? process_label(lab, r.pid) : "[-]";
        out << fmt::format("{:<{}} {:<{}}  {}\n", who, kProcessColumn, r.statement, width,
                           r.result_text());
        for (int pid : r.ended)
            out << fmt::format("{:<{}} {}\n", process_label(lab, pid), kProcessColumn,
                               death_text(lab, pid));
        out.flush(); // a watcher (tee, a test) sees each statement as it completes
        if (!r.error.empty()) {
            Diagnostic e{file, s.pos.line, s.pos.col, r.error};
            err << e.str() << '\n';
            return 1;
        }
    }
    out.flush();
    return 0;
}

int run_script_file(const std::string& path, Interpreter& interp, std::ostream& out,
                    std::ostream& err) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err << fmt::format("{}: cannot read the script\n", path);
        return 2;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return run_script_text(text.str(), path, interp, out, err);
}

} // namespace mml::script
