// `mmaplab run SCRIPT [--json]`: statements on real lab processes, printed with the kernel's
// answers; with --json, the final snapshot of every lab process.
#include "cli/commands.hpp"
#include "lab.hpp"
#include "procfs.hpp"
#include "report.hpp"
#include "script/runner.hpp"
#include "script/script.hpp"

#include <fmt/core.h>
#include <iostream>
#include <sys/wait.h>

namespace mml::cli {

namespace {

nlohmann::json process_entry(const LabProcess& lp, bool pages) {
    Process p;
    procfs::ReadOptions opt;
    opt.pages = pages;
    nlohmann::json j;
    if (lp.alive && procfs::read_process(lp.pid, opt, p)) {
        j = report::process_json(p, pages);
    } else {
        j = {{"pid", lp.pid}, {"mappings", nlohmann::json::array()}};
    }
    j["name"] = lp.name;
    j["parent"] = lp.parent;
    j["alive"] = lp.alive;
    if (!lp.alive && WIFEXITED(lp.wait_status)) j["exit_status"] = WEXITSTATUS(lp.wait_status);
    if (!lp.alive && WIFSIGNALED(lp.wait_status)) j["signal"] = WTERMSIG(lp.wait_status);
    return j;
}

} // namespace

int cmd_run(const RunArgs& a) {
    LabOptions opts;
    opts.allow_outside_writes = a.allow_outside_writes;
    Lab lab(opts);
    script::Interpreter interp(lab);
    std::string err;
    if (interp.start(&err) == 0) {
        fmt::print(stderr, "mmaplab run: cannot start a lab process: {}\n", err);
        return 1;
    }
    std::ostream& out = a.json ? std::cerr : std::cout;
    int rc = script::run_script_file(a.script, interp, out, std::cerr);
    if (rc != 0 || !a.json) return rc;
    nlohmann::json procs = nlohmann::json::array();
    for (const LabProcess& lp : lab.processes()) procs.push_back(process_entry(lp, a.pages));
    std::cout << nlohmann::json{{"processes", procs}}.dump(2) << '\n';
    return 0;
}

} // namespace mml::cli
