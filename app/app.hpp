// The App: owns the Lab, the Sampler, the executor, preferences, events and panels, and runs
// the body of each frame (menus, panels, status line, welcome, screenshots, quitting).
#pragma once

#include "app_state.hpp"
#include "bench_run.hpp"
#include "cli/cli.hpp"
#include "executor.hpp"
#include "lab.hpp"
#include "lesson_export.hpp"
#include "lesson_session.hpp"
#include "panels/registry.hpp"
#include "render/canvas.hpp"
#include "render/merge.hpp"
#include "sampler.hpp"
#include "screenshot.hpp"
#include "style.hpp"

#include <imgui.h>

#include <chrono>
#include <string>
#include <vector>

struct GLFWwindow;

namespace mml::app {

class App {
public:
    App(GLFWwindow* window, const cli::GuiOptions& opts);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    void prepare_frame(); // between frames: font atlas rebuilds (scale, 2x capture)
    void frame();         // ImGui::NewFrame ... panels ... ImGui::Render
    // Draws to the window, and to a PNG when one is due; false when the window already shows
    // this frame (nothing to swap).
    bool render(int fb_w, int fb_h);
    // The window's content was lost (exposed): the next frame is drawn in full.
    void invalidate() { canvas_.invalidate(); }
    bool should_quit() const { return quit_; }
    void set_main_time(std::chrono::steady_clock::time_point t) { bench_.main_t = t; }
    // What render() drew, for a partial present (render/present.hpp).
    const std::vector<render::PixelRect>& drawn() const { return canvas_.drawn(); }
    void swapped() { bench_swapped(); } // after each present
    int exit_code() const { return exit_code_; }

private:
    void start_script();
    void pump_events();
    void fix_selection();
    void update_watch();       // the Contents panel's range, read by the sampler
    void apply_lab_settings(); // Preferences -> the Lab (limits, outside writes)
    void handle_keys();
    void draw_menu();
    void draw_panels(Context& ctx);
    // The area between the menu bar and the status line (known from the first frame on).
    void work_area(ImVec2& pos, ImVec2& size) const;
    float status_height() const;
    void draw_status(float height);
    void draw_welcome();
    void draw_starting();
    void request_shot(int scale);
    void apply_scale(float s);
    void save_prefs_now();
    void drive_automation();
    void prepare_fonts();
    bool background_by_clear(size_t i) const;
    void paint_outside();
    // What shows between panels (and everywhere when none is open).
    static constexpr ImGuiCol kGapColor = ImGuiCol_MenuBarBg;
    void render_scaled_shot(ImDrawData* dd, int fb_w, int fb_h, const ImVec4& bg);
    void finish_capture(bool ok, const std::string& path, const std::string& err);
    void write_layout_json();
    void record_frame_time();
    // --bench-frames (app_bench.cpp).
    void bench_frame();
    void bench_swapped();
    void bench_start_scene();
    void bench_enter_scene();
    void bench_frame_modes();
    void bench_latency();
    void bench_report();
    ImVec2 bench_mouse() const;
    // Guided mode, presenter mode and export (app_lesson.cpp, app_export.cpp).
    void load_lesson_list();
    void open_lesson(const std::string& path);
    void draw_lessons_menu();
    void set_presenter(bool on);
    void lesson_keys();
    void follow_lesson();
    void select_range(const lesson::SelectionResult& s);
    bool lesson_place(const Panel& p, ImVec2& pos, ImVec2& size) const;
    void hide_banner(const Panel& p) const;
    Context make_context();
    bool lesson_settled() const;
    void drive_export();
    void export_shot();
    void finish_export();
    bool export_dir_active() const { return !opts_.export_dir.empty(); }

    GLFWwindow* window_;
    cli::GuiOptions opts_;
    Lab lab_;
    Sampler sampler_;
    Executor exec_;
    LessonSession lesson_{exec_};
    LessonView lv_;                          // the lesson's state this frame
    uint64_t lv_applied_ = 0;                // version of lv_ whose panels/selection were applied
    std::vector<std::string> lesson_panels_; // panels the shown step asks for
    std::vector<std::pair<std::string, std::string>> lesson_list_; // path, menu label
    struct WatchKey {
        const Sampler* sampler = nullptr;
        int pid = 0;
        uint64_t addr = 0, len = 0;
        bool operator==(const WatchKey&) const = default;
    } watched_;
    LabLimits applied_limits_; // what the Lab was last given
    bool presenter_ = false;
    bool lesson_fresh_ = false; // just opened: put the Lesson panel in its place
    float saved_scale_ = 0;     // before presenter mode
    bool saved_light_ = false;
    ExportRun export_;
    Prefs prefs_;
    Style style_;
    Selection sel_;
    std::vector<Event> events_;
    std::vector<Panel> panels_;
    std::vector<SnapshotPtr> history_;
    std::vector<Variable> vars_;
    std::vector<LayoutRect> layout_;
    SnapshotPtr snap_;
    std::string prefs_file_, prefs_note_, layout_json_, ini_path_;
    std::string status_msg_; // last screenshot / prefs message
    float pending_scale_ = 0;
    bool reset_layout_ = false, show_welcome_ = false, scripted_ = false;
    bool script_queued_ = false, quit_ = false;
    int exit_code_ = 0;
    uint64_t frames_ = 0, settle_frames_ = 0;
    ShotRequest shot_;                // the screenshot being taken (none, 1x or 2x)
    BenchRun bench_;                  // --bench-frames
    render::DrawMerger merger_;       // 2x captures
    render::Canvas canvas_;           // every other frame: only what changed is drawn
    std::vector<ImVec4> panel_rects_; // last frame's, x0 y0 x1 y1 (0: not shown)
    std::vector<ImVec4> cleared_;     // this frame's panels without a background
    std::chrono::steady_clock::time_point last_frame_;
    std::chrono::steady_clock::time_point busy_since_; // the executor's work began (the menu bar)
};

} // namespace mml::app
