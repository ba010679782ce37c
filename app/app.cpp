// The App's lifecycle and frame body: snapshot and events in, panels drawn in a fixed initial
// layout, output to the window and to PNG files, and the scripted runs used by tests.
#include "app.hpp"

#include "prefs.hpp"
#include "render/grid.hpp"

#include <glad/gl.h>
#include <imgui.h>
#if __has_include(<imgui_impl_opengl3.h>)
#include <imgui_impl_opengl3.h>
#else
#include <backends/imgui_impl_opengl3.h>
#endif

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mml::app {

App::App(GLFWwindow* window, const cli::GuiOptions& opts)
    : window_(window), opts_(opts), sampler_(lab_), exec_(lab_, sampler_) {
    scripted_ = !opts_.script.empty() || !opts_.screenshot.empty() || opts_.quit_after_frames > 0 ||
                opts_.bench_frames > 0 || !opts_.export_dir.empty();
    prefs_file_ = prefs_path();
    load_prefs(prefs_file_, prefs_, &prefs_note_);
    if (opts_.scale > 0) prefs_.scale = opts_.scale;
    if (!opts_.theme.empty()) prefs_.light = opts_.theme != "dark";
    prefs_.scale = clamp_scale(prefs_.scale);
    ImGuiIO& io = ImGui::GetIO();
    // Window places are remembered between ordinary runs; scripted runs use the fixed layout.
    if (!scripted_ && !config_dir().empty()) {
        std::error_code ec;
        std::filesystem::create_directories(config_dir(), ec);
        ini_path_ = config_dir() + "/imgui.ini";
        io.IniFilename = ini_path_.c_str();
    } else {
        io.IniFilename = nullptr;
    }
    if (const char* lj = std::getenv("MMAPLAB_LAYOUT_JSON")) layout_json_ = lj;
    // Tests: every frame drawn in part is compared with a full redraw (render/canvas.hpp).
    canvas_.set_check(std::getenv("MMAPLAB_CANVAS_CHECK") != nullptr);
    panels_ = all_panels();
    canvas_.hash_callbacks(render::GridRenderer::callback, render::GridRenderer::signature);
    for (Panel& p : panels_) p.open = p.name != "lesson" && panel_open(prefs_, p.name, p.open);
    load_lesson_list();
    style_.build_fonts(prefs_.scale);
    style_.apply_theme(prefs_.light, prefs_.scale);
    // The welcome also shows in a bare --screenshot (a picture of what a first run looks like).
    show_welcome_ = prefs_.show_welcome && opts_.script.empty() && opts_.quit_after_frames == 0 &&
                    opts_.bench_frames == 0 && opts_.lesson.empty() && opts_.export_dir.empty();
    lab_.set_observer([this] { sampler_.request(); });
    sampler_.set_paused(!prefs_.sampling);
    sampler_.start();
    exec_.start();
    if (!opts_.lesson.empty()) open_lesson(opts_.lesson);
    if (opts_.presenter) set_presenter(true);
    if (export_dir_active()) export_.stage = ExportRun::Stage::Starting;
    last_frame_ = std::chrono::steady_clock::now();
}

App::~App() {
    if (std::getenv("MMAPLAB_CANVAS_CHECK")) {
        const render::Canvas::Check& c = canvas_.check();
        std::printf("canvas check: frames=%llu differed=%llu max_pixels=%llu unchanged=%llu\n",
                    static_cast<unsigned long long>(c.frames),
                    static_cast<unsigned long long>(c.differed),
                    static_cast<unsigned long long>(c.max_pixels),
                    static_cast<unsigned long long>(c.unchanged));
    }
    if (presenter_) { // presenter mode's scale and theme are not the user's preferences
        prefs_.scale = saved_scale_;
        prefs_.light = saved_light_;
    }
    if (!scripted_) save_prefs_now();
    exec_.stop(); // lab processes end with the executor's thread
    sampler_.stop();
}

void App::save_prefs_now() {
    if (scripted_) return;
    std::string err;
    if (!save_prefs(prefs_file_, prefs_, &err)) prefs_note_ = err;
}

void App::prepare_frame() {
    const uint64_t fonts_before = style_.font_builds();
    prepare_fonts();
    if (style_.font_builds() != fonts_before) canvas_.invalidate(); // a new atlas texture
}

void App::prepare_fonts() {
    if (shot_.stage == ShotRequest::Stage::Due) {
        if (shot_.scale > 1) style_.build_fonts(prefs_.scale, static_cast<float>(shot_.scale));
        shot_.stage = ShotRequest::Stage::Rendering;
        return;
    }
    if (style_.built_raster() != 1.0f) style_.build_fonts(prefs_.scale);
    if (pending_scale_ > 0) {
        prefs_.scale = clamp_scale(pending_scale_);
        pending_scale_ = 0;
        style_.build_fonts(prefs_.scale);
        style_.apply_theme(prefs_.light, prefs_.scale);
        save_prefs_now();
    }
}

void App::pump_events() {
    if (lesson_.active()) { // the lesson's Lab replaces the App's while it is open
        if (std::shared_ptr<Sampler> ls = lesson_.sampler()) {
            snap_ = ls->latest();
            history_ = ls->history();
        } // null while a fresh Lab is being made: keep showing the last one
    } else {
        snap_ = sampler_.latest();
        history_ = sampler_.history();
    }
    vars_ = exec_.variables();
    if (lv_.hiding()) return; // the statements' answers wait for the prediction
    std::vector<Event> fresh = exec_.take_events();
    if (fresh.empty()) return;
    // Follow the action: select the process that acted and a mapping it just created.
    const SnapshotPtr before = exec_.before();
    for (const Event& e : fresh) {
        const Process* now = snap_ ? snap_->process(e.pid) : nullptr;
        if (!now || now->state != ProcState::Alive) continue;
        sel_.pid = e.pid;
        const Process* was = before ? before->process(e.pid) : nullptr;
        for (const Mapping& m : now->mappings)
            if (was && !was->mapping_at(m.start) && m.kind() != MappingKind::Library) {
                sel_.mapping = m.start;
                sel_.page_first = sel_.page_last = -1;
            }
    }
    if (scripted_) // a transcript on stdout for tests and for checking a slide's script
        for (const Event& e : fresh)
            std::printf("%s: %s> %s  %s\n", e.is_error ? "error" : "event", e.process.c_str(),
                        e.statement.c_str(), e.result.c_str());
    events_.insert(events_.end(), std::make_move_iterator(fresh.begin()),
                   std::make_move_iterator(fresh.end()));
}

void App::fix_selection() {
    if (!snap_) return;
    const Process* p = snap_->process(sel_.pid);
    if (!p || p->state != ProcState::Alive) {
        p = nullptr;
        for (const Process& q : snap_->processes)
            if (q.state == ProcState::Alive) {
                p = &q;
                break;
            }
        sel_.pid = p ? p->pid : 0;
    }
    if (p && sel_.mapping && !p->mapping_at(sel_.mapping)) sel_.mapping = 0;
    exec_.set_selected(sel_.pid);
}

void App::apply_lab_settings() {
    if (!(prefs_.limits == applied_limits_)) {
        lab_.set_limits(prefs_.limits);
        applied_limits_ = prefs_.limits;
    }
    if (prefs_.allow_outside_writes != lab_.allow_outside_writes())
        lab_.set_allow_outside_writes(prefs_.allow_outside_writes);
}

// The Contents panel shows the selected pages (at most kWatchPages, one page by default) of
// the selected mapping; the sampler reads them from present pages only, off the frame loop.
void App::update_watch() {
    constexpr int64_t kWatchPages = 4;
    std::shared_ptr<Sampler> lesson_sampler = lesson_.active() ? lesson_.sampler() : nullptr;
    Sampler& s = lesson_sampler ? *lesson_sampler : sampler_;
    WatchKey want{&s, 0, 0, 0};
    const Process* p = snap_ ? snap_->process(sel_.pid) : nullptr;
    const Mapping* m = p && sel_.mapping ? p->mapping_at(sel_.mapping) : nullptr;
    if (m) {
        const uint64_t ps = snap_->caps.page_size;
        const int64_t pages = static_cast<int64_t>(m->size() / ps);
        const int64_t first = std::clamp<int64_t>(sel_.page_first, 0, pages - 1);
        const int64_t last = sel_.page_last >= first ? sel_.page_last : first;
        const int64_t n = std::min({last - first + 1, kWatchPages, pages - first});
        want = {&s, p->pid, m->start + static_cast<uint64_t>(first) * ps,
                static_cast<uint64_t>(n) * ps};
    }
    if (want == watched_) return;
    watched_ = want;
    if (want.pid) {
        s.watch(want.pid, want.addr, want.len);
        s.request();
    } else {
        s.unwatch();
    }
}

void App::frame() {
    record_frame_time();
    ImGuiIO& io = ImGui::GetIO();
    if (scripted_) io.MousePos = bench_mouse();
    if (shot_.stage == ShotRequest::Stage::Rendering && shot_.scale > 1)
        io.DisplayFramebufferScale =
            ImVec2(static_cast<float>(shot_.scale), static_cast<float>(shot_.scale));
    ImGui::NewFrame();
    layout_.clear();
    lv_ = lesson_.view();
    pump_events();
    fix_selection();
    update_watch();
    apply_lab_settings();
    bench_frame();
    follow_lesson();
    handle_keys();
    lesson_keys();
    draw_menu();
    draw_status(status_height());
    if (snap_) {
        Context ctx = make_context();
        draw_panels(ctx);
    } else {
        draw_starting();
        panel_rects_.clear();
    }
    paint_outside();
    if (show_welcome_) draw_welcome();
    drive_automation();
    ImGui::Render();
    bench_.built_t = BenchRun::Clock::now();
    ++frames_;
}

float App::status_height() const {
    return ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.y * 2;
}

void App::work_area(ImVec2& pos, ImVec2& size) const {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    const float menu_h = ImGui::GetFrameHeight();
    pos = ImVec2(vp->Pos.x, vp->Pos.y + menu_h);
    size = ImVec2(vp->Size.x, vp->Size.y - menu_h - status_height());
}

void App::draw_panels(Context& ctx) {
    ImVec2 origin, area;
    work_area(origin, area);
    const float gap = 3.0f * prefs_.scale;
    const ImGuiCond cond = reset_layout_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    const bool staged = ctx.presenter && lv_.lesson; // presenter mode, export
    std::vector<ImVec4> rects(panels_.size(), ImVec4(0, 0, 0, 0)), cleared;
    for (size_t i = 0; i < panels_.size(); ++i) {
        Panel& p = panels_[i];
        ImVec2 pos, size;
        if (staged) {
            if (!lesson_place(p, pos, size)) continue;
            ImGui::SetNextWindowPos(pos, ImGuiCond_Always);
            ImGui::SetNextWindowSize(size, ImGuiCond_Always);
        } else {
            if (!p.open) continue;
            ImGui::SetNextWindowPos(
                ImVec2(origin.x + p.slot.x * area.x + gap, origin.y + p.slot.y * area.y + gap),
                p.name == "lesson" && lesson_fresh_ ? ImGuiCond_Always : cond);
            ImGui::SetNextWindowSize(
                ImVec2(p.slot.w * area.x - 2 * gap, p.slot.h * area.y - 2 * gap),
                p.name == "lesson" && lesson_fresh_ ? ImGuiCond_Always : cond);
        }
        const std::string title = p.title + "###" + p.name;
        const bool was_open = p.open;
        const bool clear_bg = background_by_clear(i);
        if (clear_bg) ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0, 0, 0, 0));
        const bool shown = ImGui::Begin(title.c_str(), &p.open, p.flags);
        if (clear_bg) ImGui::PopStyleColor();
        if (shown) {
            const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
            rects[i] = ImVec4(pos.x, pos.y, pos.x + size.x, pos.y + size.y);
            if (clear_bg) cleared.push_back(rects[i]);
            layout_.push_back({"panel." + p.name, pos.x, pos.y, pos.x + size.x, pos.y + size.y});
            p.draw(ctx);
            hide_banner(p);
        }
        ImGui::End();
        if (was_open != p.open) {
            set_panel_open(prefs_, p.name, p.open);
            save_prefs_now();
        }
    }
    panel_rects_ = std::move(rects);
    cleared_ = std::move(cleared);
    reset_layout_ = false;
    lesson_fresh_ = false;
}

// Panel backgrounds cost llvmpipe more than any other layer of a frame: a panel that
// overlapped no other in the last frame draws none (nothing can show through it), and the
// frame is cleared with the panel colour instead (a memset). The gaps between such panels,
// and their rounded corners, are painted under every window by paint_outside().
bool App::background_by_clear(size_t i) const {
    if (i >= panel_rects_.size() || panel_rects_[i].z <= panel_rects_[i].x) return false;
    if (ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w < 1.0f) return false;
    const ImVec4& a = panel_rects_[i];
    for (size_t j = 0; j < panel_rects_.size(); ++j) {
        const ImVec4& b = panel_rects_[j];
        if (j != i && b.z > b.x && a.x < b.z && b.x < a.z && a.y < b.w && b.y < a.w) return false;
    }
    return true;
}

namespace {

// `from` minus `hole`: up to four rectangles (above, below, left, right of it).
void subtract(const ImVec4& from, const ImVec4& hole, std::vector<ImVec4>& out) {
    if (hole.x >= from.z || hole.z <= from.x || hole.y >= from.w || hole.w <= from.y) {
        out.push_back(from);
        return;
    }
    const float top = std::max(from.y, hole.y), bottom = std::min(from.w, hole.w);
    if (hole.y > from.y) out.emplace_back(from.x, from.y, from.z, hole.y);
    if (hole.w < from.w) out.emplace_back(from.x, hole.w, from.z, from.w);
    if (hole.x > from.x) out.emplace_back(from.x, top, hole.x, bottom);
    if (hole.z < from.z) out.emplace_back(hole.z, top, from.z, bottom);
}

// A panel's corners as they look over the gap colour: outside the rounding, the gap; inside,
// the panel (the title bar covers the top two).
void paint_corners(ImDrawList* under, const ImVec4& r, float rounding, ImU32 gap, ImU32 panel) {
    const float d = 2.0f * rounding;
    for (const ImVec2 c : {ImVec2(r.x, r.y), ImVec2(r.z - rounding, r.y),
                           ImVec2(r.x, r.w - rounding), ImVec2(r.z - rounding, r.w - rounding)})
        under->AddRectFilled(c, ImVec2(c.x + rounding, c.y + rounding), gap);
    under->AddRectFilled(ImVec2(r.x, r.w - d), ImVec2(r.x + d, r.w), panel, rounding,
                         ImDrawFlags_RoundCornersBottomLeft);
    under->AddRectFilled(ImVec2(r.z - d, r.w - d), ImVec2(r.z, r.w), panel, rounding,
                         ImDrawFlags_RoundCornersBottomRight);
}

} // namespace

// Everything but the cleared panels, in the gap colour, under every window.
void App::paint_outside() {
    if (panel_rects_.empty()) cleared_.clear(); // no panels this frame
    const std::vector<ImVec4>& cleared = cleared_;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    std::vector<ImVec4> rest{
        ImVec4(vp->Pos.x, vp->Pos.y, vp->Pos.x + vp->Size.x, vp->Pos.y + vp->Size.y)},
        next;
    for (const ImVec4& hole : cleared) {
        next.clear();
        for (const ImVec4& r : rest) subtract(r, hole, next);
        rest.swap(next);
    }
    const ImGuiStyle& st = ImGui::GetStyle();
    const ImU32 gap = ImGui::GetColorU32(st.Colors[kGapColor]);
    ImDrawList* under = ImGui::GetBackgroundDrawList();
    for (const ImVec4& r : rest) under->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.z, r.w), gap);
    if (st.WindowRounding > 0)
        for (const ImVec4& r : cleared)
            paint_corners(under, r, st.WindowRounding, gap,
                          ImGui::GetColorU32(st.Colors[ImGuiCol_WindowBg]));
}

bool App::render(int fb_w, int fb_h) {
    ImDrawData* dd = ImGui::GetDrawData();
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg]; // see paint_outside()
    if (shot_.stage == ShotRequest::Stage::Rendering && shot_.scale > 1) {
        render_scaled_shot(dd, fb_w, fb_h, bg);
        return true;
    }
    // A capture is drawn in full: no earlier frame code stays in a corner of the PNG.
    const bool drawn = canvas_.render(
        dd, fb_w, fb_h, bg, bench_.full_redraw || shot_.stage == ShotRequest::Stage::Rendering);
    bench_.rendered_t = BenchRun::Clock::now();
    const render::Canvas::Stats& cs = canvas_.stats();
    bench_.damage_now =
        cs.screen ? static_cast<float>(cs.pixels) / static_cast<float>(cs.screen) : 1;
    if (shot_.stage == ShotRequest::Stage::Rendering) {
        std::string err;
        glReadBuffer(GL_BACK);
        const bool ok = save_framebuffer_png(shot_.path, fb_w, fb_h, &err);
        finish_capture(ok, shot_.path, err);
    }
    canvas_.finish(); // after the capture: the frame code stays out of the PNG
    return drawn;
}

// A 2x capture: drawn in full into a framebuffer of its own (the canvas is 1x).
void App::render_scaled_shot(ImDrawData* dd, int fb_w, int fb_h, const ImVec4& bg) {
    merger_.merge(dd);
    const int w = static_cast<int>(dd->DisplaySize.x * dd->FramebufferScale.x);
    const int h = static_cast<int>(dd->DisplaySize.y * dd->FramebufferScale.y);
    Offscreen off;
    std::string err;
    bool ok = off.begin(w, h, &err);
    if (ok) {
        glClearColor(bg.x, bg.y, bg.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(dd);
        ok = off.end(shot_.path, fb_w, fb_h, &err);
    }
    canvas_.invalidate();
    finish_capture(ok, shot_.path, err);
}

void App::finish_capture(bool ok, const std::string& path, const std::string& err) {
    shot_.stage = ShotRequest::Stage::None;
    status_msg_ = ok ? "Saved " + path : "Screenshot failed: " + err;
    std::fprintf(ok ? stdout : stderr, "%s\n", status_msg_.c_str());
    if (!layout_json_.empty()) write_layout_json();
    if (!opts_.screenshot.empty() && path == opts_.screenshot) {
        if (!ok) exit_code_ = 1;
        quit_ = true;
    }
}

void App::write_layout_json() {
    std::ostringstream o;
    const ImGuiIO& io = ImGui::GetIO();
    o << "{\n  \"width\": " << io.DisplaySize.x << ", \"height\": " << io.DisplaySize.y
      << ", \"scale\": " << prefs_.scale << ",\n  \"rects\": [";
    for (size_t i = 0; i < layout_.size(); ++i) {
        const LayoutRect& r = layout_[i];
        o << (i ? ",\n    " : "\n    ") << "{\"name\": \"" << r.name << "\", \"x0\": " << r.x0
          << ", \"y0\": " << r.y0 << ", \"x1\": " << r.x1 << ", \"y1\": " << r.y1 << "}";
    }
    o << "\n  ]\n}\n";
    std::ofstream(layout_json_) << o.str();
}

void App::start_script() {
    script_queued_ = true;
    if (opts_.script.empty()) return;
    std::ifstream f(opts_.script);
    std::stringstream text;
    text << f.rdbuf();
    std::string err;
    if (!f || !exec_.submit_script(text.str(), opts_.script, &err)) {
        std::fprintf(stderr, "%s\n",
                     err.empty() ? ("cannot read " + opts_.script).c_str() : err.c_str());
        status_msg_ = err;
        exit_code_ = 2;
    }
}

// Scripted runs (tests, slides): run the script, let the last snapshot be drawn, save, quit.
void App::drive_automation() {
    if (!script_queued_ && exec_.ready() && opts_.bench_frames <= 0) start_script();
    if (export_dir_active()) drive_export();
    if (!opts_.screenshot.empty() && script_queued_ && shot_.stage == ShotRequest::Stage::None &&
        !quit_) {
        const bool drawn = lv_.lesson ? exec_.idle() && lesson_settled()
                                      : exec_.idle() && snap_ &&
                                            snap_->action_seq == lab_.action_count() &&
                                            !snap_->counters_pending();
        settle_frames_ = drawn ? settle_frames_ + 1 : 0;
        if (settle_frames_ >= 4) {
            const bool twice = opts_.screenshot.ends_with("@2x.png");
            shot_ = ShotRequest{ShotRequest::Stage::Due, twice ? 2 : 1, opts_.screenshot};
        }
    }
    if (opts_.quit_after_frames > 0 &&
        frames_ + 1 >= static_cast<uint64_t>(opts_.quit_after_frames))
        quit_ = true;
}

} // namespace mml::app
