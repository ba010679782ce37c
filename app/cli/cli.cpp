// Command-line dispatch: `mmaplab` opens the window; `inspect`, `run`, `lesson` and `export`
// are command-line commands that never touch the GUI.
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/lesson_commands.hpp"
#include "lab_stop.hpp"
#include "lesson/lesson.hpp"

#include <CLI/CLI.hpp>
#include <cstring>
#include <fmt/core.h>
#include <functional>

namespace mml::cli {

namespace {

void add_gui_options(CLI::App& app, GuiOptions& gui) {
    app.add_option("--frames", gui.quit_after_frames, "Quit after N frames (tests)");
    app.add_option("--script", gui.script, "Run the statements of FILE at start, in the window")
        ->check(CLI::ExistingFile);
    app.add_option("--screenshot", gui.screenshot,
                   "Save the window as PNG to FILE once the script has run, then quit");
    app.add_option("--bench-frames", gui.bench_frames,
                   "Build the benchmark scene (4 lab processes x 1 GiB, every other page "
                   "written), measure N frames with sampling on and paused, action latency, "
                   "start-up and RSS; print the figures, then quit");
    app.add_option("--theme", gui.theme,
                   "dark or light (kept as the preference, like the View menu's choice)")
        ->check(CLI::IsMember({"dark", "light"}));
    app.add_flag("--presenter", gui.presenter,
                 "Presenter mode: large text, light theme, only the lesson's panels");
}

// Runs a command that drives lab processes: SIGHUP/SIGINT/SIGTERM stop it in order (lab
// processes killed and reaped, lab files and shm objects removed by ~Lab), then mmaplab dies
// of that signal so the shell sees why.
int with_orderly_stop(const std::function<int()>& command) {
    stop::install();
    int rc = command();
    if (int sig = stop::signal_received(); sig != 0) {
        fmt::print(stderr, "mmaplab: stopped by {}; lab processes ended, lab files removed\n",
                   sigabbrev_np(sig) != nullptr ? std::string("SIG") + sigabbrev_np(sig)
                                                : std::to_string(sig));
        stop::reraise();
    }
    return rc;
}

} // namespace

std::optional<int> dispatch(int argc, char** argv, GuiOptions& gui) {
    CLI::App app{"mmaplab — see Linux memory mappings as they really are"};
    app.require_subcommand(0, 1);
    add_gui_options(app, gui);

    InspectArgs ia;
    auto* inspect = app.add_subcommand("inspect", "Show the mappings of any process you may read");
    inspect->add_option("pid", ia.pid, "Process ID")->required();
    inspect->add_flag("--json", ia.json, "Print JSON instead of a table");
    inspect->add_flag("--pages", ia.pages, "Add the state of every page");

    RunArgs ra;
    auto* run = app.add_subcommand("run", "Run a file of statements on real lab processes");
    run->add_option("script", ra.script, "File of statements")->required();
    run->add_flag("--json", ra.json, "Print the final snapshot of every lab process as JSON");
    run->add_flag("--pages", ra.pages, "With --json: add the state of every page");
    run->add_flag("--allow-writes-outside-lab", ra.allow_outside_writes,
                  "Let the script open files outside the lab directory for writing (and "
                  "unlink them, and write shm objects it did not create); /proc, /sys and "
                  "/dev stay read-only");

    auto* lesson = app.add_subcommand("lesson", "Built-in lessons: list, check, open");
    lesson->require_subcommand(1);
    lesson->add_subcommand("list", "One lesson a line, its name first");
    std::string check_name = "all";
    auto* check = lesson->add_subcommand("check", "Run lessons headlessly on the real kernel");
    check->add_option("name", check_name, "A lesson name, number or file, or 'all'");
    auto* open = lesson->add_subcommand("open", "Open a lesson in the window");
    open->add_option("name", gui.lesson, "A lesson name, number or file")->required();
    lesson->fallthrough(); // `lesson open 01 --presenter --screenshot x.png`
    open->fallthrough();

    ExportArgs ea;
    auto* exp = app.add_subcommand(
        "export", "Render every step of a lesson to PNG with a Markdown and an HTML handout");
    exp->add_option("lesson", ea.lesson, "A lesson name, number or file")->required();
    exp->add_option("--out", ea.out, "Output directory (created if needed)")->required();
    exp->add_option("--theme", ea.theme, "light (default, for print) or dark")
        ->check(CLI::IsMember({"light", "dark"}));
    exp->add_option("--scale", ea.scale, "UI scale of the pictures (default 1.5)")
        ->check(CLI::Range(0.75f, 2.5f));
    exp->add_option("--size", ea.size, "Picture size WxH (default 1920x1080)");
    exp->add_flag("--questions", ea.questions,
                  "Also save each prediction as asked, before the answer (STEP-question.png)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (inspect->parsed()) return cmd_inspect(ia);
    if (run->parsed()) return with_orderly_stop([&] { return cmd_run(ra); });
    if (lesson->got_subcommand("list")) return cmd_lesson_list();
    if (check->parsed()) return with_orderly_stop([&] { return cmd_lesson_check(check_name); });
    if (exp->parsed()) return cmd_export(ea, gui, argv);
    if (open->parsed()) {
        const std::string file = lesson::find_lesson(lesson::lessons_dir(), gui.lesson);
        if (file.empty()) {
            fmt::print(stderr, "mmaplab: no lesson '{}' (mmaplab lesson list shows them)\n",
                       gui.lesson);
            return 2;
        }
        gui.lesson = file;
    }
    return std::nullopt;
}

} // namespace mml::cli
