// The command line: `mmaplab inspect`, `mmaplab run`, and the options of the GUI itself.
#pragma once

#include <optional>
#include <string>

namespace mml::cli {

// Options for opening the window (filled by dispatch when the GUI is what was asked for).
struct GuiOptions {
    int bench_frames = 0;        // --bench-frames N: print frame-time figures and quit
    std::string screenshot;      // --screenshot FILE: save a PNG after the script, then quit
    std::string script;          // --script FILE: run these statements at start (through the GUI's action path)
    int quit_after_frames = 0;   // --frames N: quit after N frames (tests)
    std::string lesson;          // lesson to open (`mmaplab lesson open NAME`)
};

// Parses argv. Returns an exit code when a command-line command ran (inspect, run, ...),
// or nullopt when the GUI should open with `gui` filled in.
std::optional<int> dispatch(int argc, char** argv, GuiOptions& gui);

} // namespace mml::cli
