// --bench-frames N (issue 5, parts 2-4): builds the reference scene through the executor (one
// lab process maps 1 GiB, writes every other page and forks three times: 4 processes), selects
// the 1 GiB mapping, opens every panel and measures frame times with sampling at 10 Hz and
// paused in interleaved blocks, then action latency, time to first frame and the app's RSS.
#include "app.hpp"
#include "panels/view_util.hpp"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace mml::app {

namespace {

constexpr int kBlock = 60;               // frames per block of one mode, at least,
constexpr double kBlockSeconds = 1.5;    // and seconds (15 snapshots at 10 Hz)
constexpr double kPacedMs = 1000.0 / 60; // latency frames: a 60 Hz display's vsync
constexpr int kSkip = 6;                 // first frames of a block not counted (the switch settles)
constexpr int kWarmup = 30;              // frames after the scene is up, before measuring
constexpr int kActions = 20;             // action-latency samples, back to back,
constexpr int kGapFrames = 3;            // (frames between one action shown and the next)
constexpr int kSettledActions = 20;      // then as many with the lab settled between them
constexpr int kSettledGapFrames = 60;    // (a second at 60 Hz)

constexpr const char* kScene =
    "char *big = mmap(NULL, 1L << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, "
    "-1, 0);\n"
    "write_pages(big, 1L << 30, 'b', 2 * PAGE_SIZE);\n"
    "pid_t child1 = fork();\n"
    "pid_t child2 = fork();\n"
    "pid_t child3 = fork();\n";

} // namespace

double quantile(std::vector<float> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    return v[static_cast<size_t>(pos + 0.5)];
}

void self_rss(long& rss_kb, long& hwm_kb) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::atol(line.c_str() + 6);
        if (line.rfind("VmHWM:", 0) == 0) hwm_kb = std::atol(line.c_str() + 6);
    }
}

double ms_since_exec() {
    std::ifstream f("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) // field 22: starttime, in clock ticks
        if (i == 22) {
            timespec ts{};
            clock_gettime(CLOCK_BOOTTIME, &ts);
            const double now_ms =
                static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
            return now_ms - std::stod(field) * 1e3 / static_cast<double>(sysconf(_SC_CLK_TCK));
        }
    return -1;
}

void App::bench_start_scene() {
    std::string err;
    if (!opts_.script.empty()) { // a scene of one's own (the script runs as usual)
        start_script();
    } else if (!exec_.submit_script(kScene, "bench-scene", &err)) {
        bench_.scene_error = err;
    }
    script_queued_ = true;
    bench_.frames_wanted = opts_.bench_frames;
    bench_.stage = BenchRun::Stage::Scene;
}

// The scene is up: select the largest sampled mapping of the first process ("big"), open every
// live panel (not the Lesson and Preferences dialogs), sample at 10 Hz.
void App::bench_enter_scene() {
    const Process* p = snap_->process(exec_.main_pid());
    if (!p) p = snap_->processes.empty() ? nullptr : &snap_->processes.front();
    const Mapping* best = nullptr;
    if (p)
        for (const Mapping& m : p->mappings)
            if (!m.pages.empty() && (!best || m.size() > best->size())) best = &m;
    if (p && best) {
        sel_.pid = p->pid;
        sel_.mapping = best->start;
        sel_.page_first = sel_.page_last = 1;
    }
    // MMAPLAB_BENCH_PANELS=pages,frames: only these panels (to see what a panel costs).
    const char* only = std::getenv("MMAPLAB_BENCH_PANELS");
    size_t open = 0;
    for (Panel& panel : panels_) {
        panel.open = panel.name != "lesson" && panel.name != "preferences" &&
                     (!only || std::string(only).find(panel.name) != std::string::npos);
        open += panel.open;
    }
    sampler_.set_paused(false);
    bench_.mode = BenchRun::Sampling;
    bench_.stage = BenchRun::Stage::Warmup;
    bench_.stage_at = frames_;
    size_t procs = 0;
    for (const Process& q : snap_->processes) procs += q.state == ProcState::Alive;
    if (!best) { // no lab process (mmaplab-subject missing?), or no mapping: nothing to measure
        std::fprintf(stderr,
                     "bench: the scene has no sampled mapping (%zu lab processes); see "
                     "the events above\n",
                     procs);
        exit_code_ = 1;
        quit_ = true;
        return;
    }
    std::printf("bench scene: %zu lab processes, selected %s (%llu pages) of pid %d, %zu "
                "panels open, sampling every 100 ms\n",
                procs, best ? human_size(best->size()).c_str() : "nothing",
                best ? static_cast<unsigned long long>(best->pages.size()) : 0ULL, p ? p->pid : 0,
                open);
}

void App::bench_frame_modes() {
    const double block_s =
        std::chrono::duration<double>(BenchRun::Clock::now() - bench_.block_t).count();
    if (++bench_.block_frames < kBlock || block_s < kBlockSeconds) return;
    bench_.block_frames = 0;
    bench_.block_t = BenchRun::Clock::now();
    const size_t want = static_cast<size_t>(bench_.frames_wanted);
    bool done = true;
    for (const BenchRun::Series& s : bench_.series) done = done && s.ms.size() >= want;
    if (done) {
        sampler_.set_paused(false);
        bench_.full_redraw = false;
        self_rss(bench_.rss_kb, bench_.hwm_kb);
        bench_.stage = BenchRun::Stage::Latency;
        bench_.stage_at = frames_;
        return;
    }
    bench_.mode = (bench_.mode + 1) % BenchRun::kModes;
    sampler_.set_paused(bench_.mode == BenchRun::Paused);
    bench_.full_redraw = bench_.mode == BenchRun::FullRedraw;
}

void App::bench_latency() {
    const bool has_it = snap_ && snap_->action_seq > bench_.action_before;
    if (bench_.pending && has_it) {
        bench_.pending = false;
        bench_.shown = true; // this frame draws it; the time is taken at its swap
        bench_.shown_frame = frames_;
        bench_.stage_at = frames_;
        bench_.counting = true;
    }
    if (bench_.counting && has_it && !snap_->counters_pending()) {
        bench_.counting = false;
        bench_.counted = true;
        bench_.counted_frame = frames_;
        bench_.stage_at = frames_;
        return;
    }
    const bool settled = bench_.actions >= kActions;
    const uint64_t gap = settled ? kSettledGapFrames : kGapFrames;
    if (bench_.pending || bench_.shown || bench_.counting || bench_.counted ||
        frames_ < bench_.stage_at + gap)
        return;
    if (bench_.actions >= kActions + kSettledActions) {
        bench_report();
        quit_ = true;
        return;
    }
    // An odd page (never written) of the selected mapping in the selected process.
    const uint64_t page = 2 * static_cast<uint64_t>(bench_.actions) * 97 + 3;
    char stmt[96];
    std::snprintf(stmt, sizeof stmt, "*(char *)(0x%llx + %llu * PAGE_SIZE) = 'x';",
                  static_cast<unsigned long long>(sel_.mapping),
                  static_cast<unsigned long long>(page));
    bench_.action_before = lab_.action_count();
    bench_.submit_frame = frames_;
    bench_.submit_t = BenchRun::Clock::now();
    bench_.pending = true;
    exec_.submit(stmt, sel_.pid);
}

// Called once per frame before the panels draw, with snap_ being what this frame shows.
void App::bench_frame() {
    if (opts_.bench_frames <= 0) return;
    if (snap_ && !bench_.snapshot_drawn) {
        bench_.snapshot_drawn = true;
        bench_.first_snapshot_ms =
            std::chrono::duration<double, std::milli>(BenchRun::Clock::now() - bench_.main_t)
                .count();
    }
    switch (bench_.stage) {
    case BenchRun::Stage::Off:
        if (exec_.ready()) bench_start_scene();
        break;
    case BenchRun::Stage::Scene:
        if (!bench_.scene_error.empty() || exit_code_ != 0) {
            std::fprintf(stderr, "bench: the scene failed: %s\n", bench_.scene_error.c_str());
            quit_ = true;
        } else if (exec_.idle() && snap_ && snap_->action_seq == lab_.action_count() &&
                   !snap_->counters_pending()) {
            bench_enter_scene();
        }
        break;
    case BenchRun::Stage::Warmup:
        if (frames_ >= bench_.stage_at + kWarmup) {
            bench_.stage = BenchRun::Stage::Frames;
            bench_.block_frames = 0;
            bench_.block_t = BenchRun::Clock::now();
        }
        break;
    case BenchRun::Stage::Frames:
        bench_frame_modes();
        break;
    case BenchRun::Stage::Latency:
        bench_latency();
        break;
    case BenchRun::Stage::Done:
        break;
    }
}

// After each swap: frame times of the measured stage, the first swap, action latency.
void App::bench_swapped() {
    if (opts_.bench_frames <= 0) return;
    const float work =
        std::chrono::duration<float, std::milli>(BenchRun::Clock::now() - bench_.frame_t).count();
    if (bench_.stage == BenchRun::Stage::Latency && bench_.actions < kActions) {
        if (bench_.pending && frames_ == bench_.submit_frame + 1)
            bench_.lat_submit_work.push_back(work);
        if (bench_.shown) {
            bench_.lat_shown_work.push_back(work);
            bench_.lat_shown_damage.push_back(bench_.damage_now);
            const auto ms = [](BenchRun::Clock::time_point a, BenchRun::Clock::time_point z) {
                return std::chrono::duration<float, std::milli>(z - a).count();
            };
            bench_.lat_shown_submit.push_back(ms(bench_.built_t, bench_.rendered_t));
            bench_.lat_shown_present.push_back(ms(bench_.rendered_t, BenchRun::Clock::now()));
        }
    }
    if (bench_.stage == BenchRun::Stage::Latency) // no vsync under Xvfb: wait like one
        std::this_thread::sleep_until(bench_.frame_t +
                                      std::chrono::duration_cast<BenchRun::Clock::duration>(
                                          std::chrono::duration<double, std::milli>(kPacedMs)));
    const auto now = BenchRun::Clock::now();
    bench_.swapped_t = now;
    if (bench_.first_swap_ms < 0) {
        bench_.first_swap_ms =
            std::chrono::duration<double, std::milli>(now - bench_.main_t).count();
        bench_.first_swap_exec_ms = ms_since_exec();
    }
    BenchRun::Latency& lat = bench_.actions >= kActions ? bench_.settled : bench_.lat;
    const float ms = std::chrono::duration<float, std::milli>(now - bench_.submit_t).count();
    if (bench_.shown) {
        bench_.shown = false;
        lat.frames.push_back(static_cast<float>(bench_.shown_frame - bench_.submit_frame));
        lat.ms.push_back(ms);
        if (&lat == &bench_.lat)
            bench_.lat_build.push_back(
                std::chrono::duration<float, std::milli>(bench_.built_t - bench_.frame_t).count());
    }
    if (bench_.counted) {
        bench_.counted = false;
        lat.counters_frames.push_back(
            static_cast<float>(bench_.counted_frame - bench_.submit_frame));
        lat.counters_ms.push_back(ms);
        ++bench_.actions;
    }
}

void App::record_frame_time() {
    const auto now = std::chrono::steady_clock::now();
    const float ms = std::chrono::duration<float, std::milli>(now - last_frame_).count();
    last_frame_ = now;
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    const double cpu = static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
    const double cpu_ms = cpu - bench_.cpu_at;
    bench_.cpu_at = cpu;
    const auto span = [](BenchRun::Clock::time_point a, BenchRun::Clock::time_point z) {
        return std::chrono::duration<float, std::milli>(z - a).count();
    };
    const BenchRun::Clock::time_point began = bench_.frame_t;
    bench_.frame_t = now;
    if (bench_.stage != BenchRun::Stage::Frames || bench_.block_frames < kSkip) return;
    BenchRun::Series& s = bench_.series[bench_.mode];
    if (snap_ && snap_->seq != bench_.seen_seq) {
        bench_.seen_seq = snap_->seq;
        ++s.snapshots;
        s.arrival_ms.push_back(ms);
    }
    s.ms.push_back(ms);
    s.cpu_ms += cpu_ms;
    s.build.push_back(span(began, bench_.built_t));
    s.submit.push_back(span(bench_.built_t, bench_.rendered_t));
    s.swap.push_back(span(bench_.rendered_t, bench_.swapped_t));
    s.poll.push_back(span(bench_.swapped_t, now));
    s.damage.push_back(bench_.damage_now);
}

namespace {

// The frame times of `s` without those that drew a new snapshot (each of those once).
std::vector<float> others(const BenchRun::Series& s) {
    std::vector<float> rest = s.ms;
    for (float a : s.arrival_ms)
        if (auto it = std::find(rest.begin(), rest.end(), a); it != rest.end()) rest.erase(it);
    return rest;
}

void report_series(const char* name, const BenchRun::Series& s) {
    const auto q = [](const std::vector<float>& v, double p) { return quantile(v, p); };
    double total_ms = 0;
    for (float m : s.ms) total_ms += m;
    std::printf("bench frame_ms %-11s frames=%zu p50=%.2f p99=%.2f max=%.2f cpu_per_frame=%.2f "
                "snapshots_per_s=%.1f\n",
                name, s.ms.size(), q(s.ms, 0.5), q(s.ms, 0.99), q(s.ms, 1.0),
                s.cpu_ms / static_cast<double>(std::max<size_t>(s.ms.size(), 1)),
                total_ms > 0 ? static_cast<double>(s.snapshots) * 1000.0 / total_ms : 0.0);
    std::printf("bench   phases p50/p99 ms: build %.2f/%.2f submit %.2f/%.2f swap %.2f/%.2f "
                "events %.2f/%.2f; share of the window drawn p50/p90/p99 %.3f/%.3f/%.3f\n",
                q(s.build, 0.5), q(s.build, 0.99), q(s.submit, 0.5), q(s.submit, 0.99),
                q(s.swap, 0.5), q(s.swap, 0.99), q(s.poll, 0.5), q(s.poll, 0.99), q(s.damage, 0.5),
                q(s.damage, 0.9), q(s.damage, 0.99));
    if (!s.arrival_ms.empty())
        std::printf("bench   frames that drew a new snapshot: %zu, p50=%.2f max=%.2f ms; the "
                    "others p99=%.2f ms\n",
                    s.arrival_ms.size(), q(s.arrival_ms, 0.5), q(s.arrival_ms, 1.0),
                    q(others(s), 0.99));
}

} // namespace

// Hover mode: where the mouse is this frame (a cell further along the Pages grid each frame),
// or nowhere (scripted runs and screenshots have no stray hover).
ImVec2 App::bench_mouse() const {
    // Tests of the frame canvas (MMAPLAB_TEST_HOVER) move it the same way all the time.
    static const bool test_hover = std::getenv("MMAPLAB_TEST_HOVER") != nullptr;
    const bool hover = bench_.stage == BenchRun::Stage::Frames && bench_.mode == BenchRun::Hover;
    if (!hover && !test_hover) return ImVec2(-FLT_MAX, -FLT_MAX);
    for (size_t i = 0; i < panels_.size() && i < panel_rects_.size(); ++i) {
        const ImVec4& r = panel_rects_[i];
        if (panels_[i].name != "pages" || r.z <= r.x) continue;
        const float t = 0.2f + 0.75f * static_cast<float>((frames_ * 7) % 100) / 100.0f;
        return ImVec2(r.x + t * (r.z - r.x), r.y + 0.42f * (r.w - r.y));
    }
    return ImVec2(-FLT_MAX, -FLT_MAX);
}

// Frames counted after the submitting one; ms to the end of the frame shown (paced).
static void report_latency(const char* name, const BenchRun::Latency& l, const char* note) {
    std::printf("bench %s actions=%zu p50_frames=%.0f p99_frames=%.0f p50_ms=%.2f p99_ms=%.2f%s\n",
                name, l.ms.size(), quantile(l.frames, 0.5), quantile(l.frames, 0.99),
                quantile(l.ms, 0.5), quantile(l.ms, 0.99), note);
    std::printf("bench %s_counters p50_frames=%.0f p99_frames=%.0f p50_ms=%.2f p99_ms=%.2f "
                "(its smaps counters shown too)\n",
                name, quantile(l.counters_frames, 0.5), quantile(l.counters_frames, 0.99),
                quantile(l.counters_ms, 0.5), quantile(l.counters_ms, 0.99));
    // With 20 actions the p99 is the slowest one: say which. (Back to back it has been the
    // first: the first store after the scene's forks copies the acting process's stack page, a
    // frame its three children map, so all four are read again.)
    if (l.ms.empty()) return;
    const size_t worst =
        static_cast<size_t>(std::max_element(l.ms.begin(), l.ms.end()) - l.ms.begin());
    std::printf("bench %s slowest: action %zu of %zu at %.2f ms (%.0f frames)\n", name, worst,
                l.ms.size(), l.ms[worst], l.frames[worst]);
}

void App::bench_report() {
    bench_.stage = BenchRun::Stage::Done;
    const ImGuiIO& io = ImGui::GetIO();
    std::printf("bench display: %.0fx%.0f\n", io.DisplaySize.x, io.DisplaySize.y);
    report_series("sampling", bench_.series[BenchRun::Sampling]);
    report_series("paused", bench_.series[BenchRun::Paused]);
    report_series("full_redraw", bench_.series[BenchRun::FullRedraw]);
    report_series("hover", bench_.series[BenchRun::Hover]);
    const double on99 = quantile(bench_.series[BenchRun::Sampling].ms, 0.99);
    const double off99 = quantile(bench_.series[BenchRun::Paused].ms, 0.99);
    std::printf("bench frame_p99_ratio sampling/paused=%.2f\n", off99 > 0 ? on99 / off99 : 0.0);
    std::printf("bench action latency: frames paced at 60 Hz (%.2f ms, as a display's vsync "
                "would; Xvfb has none)\n",
                kPacedMs);
    report_latency("action_latency", bench_.lat, "");
    std::printf("bench action_latency shown_frame_build_ms p50=%.2f p99=%.2f work_ms p50=%.2f "
                "p99=%.2f damage p50=%.3f p99=%.3f; submitting frame work_ms p50=%.2f "
                "p99=%.2f\n",
                quantile(bench_.lat_build, 0.5), quantile(bench_.lat_build, 0.99),
                quantile(bench_.lat_shown_work, 0.5), quantile(bench_.lat_shown_work, 0.99),
                quantile(bench_.lat_shown_damage, 0.5), quantile(bench_.lat_shown_damage, 0.99),
                quantile(bench_.lat_submit_work, 0.5), quantile(bench_.lat_submit_work, 0.99));
    std::printf("bench action_latency shown_frame submit_ms p50=%.2f p99=%.2f "
                "rasterize_and_present_ms p50=%.2f p99=%.2f\n",
                quantile(bench_.lat_shown_submit, 0.5), quantile(bench_.lat_shown_submit, 0.99),
                quantile(bench_.lat_shown_present, 0.5), quantile(bench_.lat_shown_present, 0.99));
    report_latency("action_latency_settled", bench_.settled,
                   " (each a second after the last was shown)");
    std::printf("bench startup first_swap_ms=%.1f first_swap_since_exec_ms=%.0f "
                "first_snapshot_frame_ms=%.1f\n",
                bench_.first_swap_ms, bench_.first_swap_exec_ms, bench_.first_snapshot_ms);
    std::printf("bench rss_kb=%ld hwm_kb=%ld\n", bench_.rss_kb, bench_.hwm_kb);
    std::fflush(stdout);
}

} // namespace mml::app
