// `mmaplab inspect PID [--json] [--pages]`: any readable process, as a table or as JSON.
#include "cli/commands.hpp"
#include "procfs.hpp"
#include "report.hpp"

#include <fmt/core.h>
#include <iostream>

namespace mml::cli {

int cmd_inspect(const InspectArgs& a) {
    if (a.pid <= 0) {
        fmt::print(stderr, "mmaplab inspect: '{}' is not a process ID (a positive number)\n",
                   a.pid);
        return 2;
    }
    procfs::ReadOptions opt;
    opt.pages = a.pages;
    opt.kpage = a.pages;
    Process p;
    if (!procfs::read_process(a.pid, opt, p)) {
        fmt::print(stderr, "mmaplab inspect: {}\n", p.error);
        return 1;
    }
    if (a.pages && !p.pfn_known) {
        Capabilities caps = procfs::probe_capabilities();
        fmt::print(stderr, "note: {}\n", caps.reason);
    }
    if (a.json)
        std::cout << report::process_json_text(p, a.pages) << '\n';
    else
        std::cout << report::process_table(p, a.pages);
    return 0;
}

} // namespace mml::cli
