// The command line: `mmaplab inspect`, `mmaplab run`, and the options of the GUI itself.
#pragma once

#include <optional>
#include <string>

namespace mml::cli {

// Options for opening the window (filled by dispatch when the GUI is what was asked for).
struct GuiOptions {
    int bench_frames = 0;   // --bench-frames N: print frame-time figures and quit
    std::string screenshot; // --screenshot FILE: save a PNG after the script, then quit
    std::string
        script; // --script FILE: run these statements at start (through the GUI's action path)
    int quit_after_frames = 0;     // --frames N: quit after N frames (tests)
    std::string lesson;            // lesson file to open (`mmaplab lesson open NAME`, export)
    bool presenter = false;        // --presenter: large, light, only the lesson's panels
    std::string export_dir;        // `mmaplab export`: render every step here, then quit
    bool export_questions = false; // export: also each open question, before its reveal
    std::string theme;             // "light" / "dark" ("": the saved preference)
    float scale = 0;               // UI scale (0: the saved preference)
    int width = 0, height = 0;     // window size (0: the screen's, at most 1920x1080)
};

// Parses argv. Returns an exit code when a command-line command ran (inspect, run, ...),
// or nullopt when the GUI should open with `gui` filled in.
std::optional<int> dispatch(int argc, char** argv, GuiOptions& gui);

} // namespace mml::cli
