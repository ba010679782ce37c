// --bench-frames N: the state of the frame-time benchmark (issue 5, parts 2-4). The App builds
// the reference scene through the executor, then measures frame times with sampling on and
// paused (interleaved blocks), action latency, time to first frame and its own RSS.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mml::app {

struct BenchRun {
    using Clock = std::chrono::steady_clock;
    enum class Stage { Off, Scene, Warmup, Frames, Latency, Done } stage = Stage::Off;
    int frames_wanted = 0; // per mode
    uint64_t stage_at = 0; // frame number when the stage (or block) began
    // Frames are measured in interleaved blocks of four modes: sampling at 10 Hz, sampling
    // paused (both drawing only what changed), sampling with every frame drawn in full, and
    // sampling with the mouse moving over the page grid (a new cell and tooltip every frame).
    enum Mode { Sampling, Paused, FullRedraw, Hover, kModes };
    int mode = Sampling;       // of the current block
    bool full_redraw = false;  // this frame is drawn in full (FullRedraw blocks)
    int block_frames = 0;      // frames measured in the current block
    Clock::time_point block_t; // when it began
    struct Series {
        std::vector<float> ms, build, submit, swap, poll, damage;
        std::vector<float> arrival_ms; // frames that drew a new snapshot (also in ms)
        double cpu_ms = 0;             // CPU time of the whole process (all threads)
        uint64_t snapshots = 0;        // new snapshots drawn (the sampling rate achieved)
    };
    uint64_t seen_seq = 0; // of the last snapshot a frame drew
    Series series[kModes];
    double cpu_at = 0; // process CPU time at the last frame start
    // Phases of a frame: ImGui build, GL submit, swap (llvmpipe finishes rasterizing and the
    // image goes to the X server), then events until the next frame.
    Clock::time_point frame_t, built_t, rendered_t, swapped_t;
    float damage_now = 1; // share of the window drawn in the frame being measured
    // Action latency: one small action at a time, from submit to the frame that shows it.
    int actions = 0;
    bool pending = false;
    uint64_t action_before = 0; // lab action count when it was submitted
    uint64_t submit_frame = 0, shown_frame = 0;
    bool shown = false; // shown in the frame being drawn: latency taken at its swap
    // Its smaps counters, which may come a snapshot after its pages (Process::counters_pending).
    bool counting = false, counted = false;
    uint64_t counted_frame = 0;
    Clock::time_point submit_t;
    struct Latency {
        std::vector<float> frames, ms;                   // to the frame showing its pages
        std::vector<float> counters_frames, counters_ms; // to the one showing its counters too
    };
    Latency lat;
    std::vector<float> lat_build; // build phase (ms) of the frame that first shows each action
    // Work (ms, before the paced wait) of the frame that submits each action and of the one
    // that first shows it: over 16.67 ms, either one pushes the latency past two frames.
    std::vector<float> lat_submit_work, lat_shown_work, lat_shown_damage;
    std::vector<float> lat_shown_submit, lat_shown_present; // GL submit; rasterize and present
    // The same, for actions submitted once the lab has settled (a second after the last one
    // was shown: its full snapshot is done), as a student clicking through a lesson.
    Latency settled;
    // Start-up: steady clock at main() and the first swaps.
    Clock::time_point main_t;
    double first_swap_ms = -1;      // main() to the first swap
    double first_swap_exec_ms = -1; // exec to the first swap (/proc starttime: 10 ms ticks)
    double first_snapshot_ms = -1;  // main() to the first frame that draws a snapshot
    bool snapshot_drawn = false;
    long rss_kb = 0, hwm_kb = 0;
    std::string scene_error;
};

// p-quantile (0..1) of v, nearest rank on a sorted copy; 0 when empty.
double quantile(std::vector<float> v, double q);
// VmRSS and VmHWM of this process in kB (from /proc/self/status; the App's own footprint).
void self_rss(long& rss_kb, long& hwm_kb);
// Milliseconds from this process's start (exec, /proc/self/stat starttime, 10 ms ticks) to now.
double ms_since_exec();

} // namespace mml::app
