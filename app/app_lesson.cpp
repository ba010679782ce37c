// Guided mode in the App: the Lessons menu, the lesson's panels and selection followed step by
// step, predictions that keep the changes hidden, presenter mode and its keys.
#include "app.hpp"

#include "palette.hpp"
#include "panels/lesson.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>

namespace mml::app {

namespace {

// Lesson files name panels with dashes ("address-space"); the registry with underscores.
std::string panel_key(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

// How much of the right column a panel gets in presenter mode (pictures need room).
float weight(const std::string& name) {
    if (name == "frames") return 1.6f;
    if (name == "address_space") return 0.8f;
    return 1.0f;
}

// Panels that would give a prediction away: they show the state before the step meanwhile.
bool reveals(const std::string& name) {
    return name != "lesson" && name != "actions" && name != "processes";
}

} // namespace

void App::load_lesson_list() {
    lesson_list_.clear();
    const std::string dir = lesson::lessons_dir();
    if (dir.empty()) return;
    for (const std::string& f : lesson::lesson_files(dir)) {
        lesson::Lesson l;
        std::vector<lesson::LessonError> errs;
        if (!lesson::load_lesson(f, l, errs)) continue;
        const std::string num = l.name.substr(0, l.name.find('-'));
        lesson_list_.emplace_back(f, num + "   " + l.title);
    }
}

void App::open_lesson(const std::string& path) {
    std::string err;
    if (!lesson_.open(path, &err)) {
        status_msg_ = err;
        std::fprintf(stderr, "%s\n", err.c_str());
        if (scripted_) exit_code_ = 2;
        return;
    }
    show_welcome_ = false;
    lv_applied_ = 0;
    lesson_fresh_ = true;
    lesson_panels_.clear();
    for (Panel& p : panels_) {
        if (p.name == "lesson") p.open = true;
        if (p.name == "actions" && !presenter_) p.open = false; // the lesson takes its place
    }
}

void App::draw_lessons_menu() {
    if (!ImGui::BeginMenu("Lessons")) return;
    if (lesson_list_.empty()) ImGui::TextDisabled("No lessons found (set MMAPLAB_LESSONS)");
    for (const auto& [path, label] : lesson_list_)
        if (ImGui::MenuItem(label.c_str())) open_lesson(path);
    ImGui::Separator();
    if (ImGui::MenuItem("Presenter mode", "F5", presenter_)) set_presenter(!presenter_);
    if (ImGui::MenuItem("Close the lesson", nullptr, false, lesson_.active())) {
        lesson_.close();
        presenter_ = presenter_ ? (set_presenter(false), false) : false;
        for (Panel& p : panels_)
            if (p.name == "actions") p.open = true;
    }
    ImGui::EndMenu();
}

void App::set_presenter(bool on) {
    if (on == presenter_) return;
    presenter_ = on;
    ImGuiIO& io = ImGui::GetIO();
    if (on) {
        saved_scale_ = prefs_.scale;
        saved_light_ = prefs_.light;
        prefs_.light = true;
        pending_scale_ = opts_.scale > 0 ? opts_.scale : 2.0f;
        io.ConfigFlags &= ~ImGuiConfigFlags_NavEnableKeyboard; // Space means Next here
    } else {
        prefs_.light = saved_light_;
        pending_scale_ = saved_scale_;
        io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
        reset_layout_ = true;
    }
    style_.apply_theme(prefs_.light, prefs_.scale);
    for (Panel& p : panels_)
        if (p.name == "lesson") p.open = true;
}

void App::lesson_keys() {
    if (ImGui::IsKeyPressed(GLFW_KEY_F5)) set_presenter(!presenter_);
    if (!lv_.lesson || ImGui::GetIO().WantTextInput || ImGui::GetIO().KeyCtrl) return;
    // Space also activates a focused button in keyboard navigation: only in presenter mode.
    if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT) || (presenter_ && ImGui::IsKeyPressed(GLFW_KEY_SPACE)))
        lesson_.next();
    if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) lesson_.back();
    if (ImGui::IsKeyPressed(GLFW_KEY_HOME)) lesson_.restart();
    for (int d = 1; d <= 9; ++d)
        if (ImGui::IsKeyPressed(GLFW_KEY_0 + d) || ImGui::IsKeyPressed(GLFW_KEY_KP_0 + d))
            lesson_.answer(d - 1);
}

// When the shown step changes: open the panels it asks for; once it ran: select its range.
void App::follow_lesson() {
    if (!lv_.lesson || lv_.version == lv_applied_ || lv_.busy) return;
    lv_applied_ = lv_.version;
    const lesson::Step* s = lv_.step();
    if (s && !s->panels.empty()) {
        lesson_panels_.clear();
        for (const std::string& n : s->panels) lesson_panels_.push_back(panel_key(n));
        if (!presenter_ && !export_dir_active())
            for (Panel& p : panels_)
                if (std::find(lesson_panels_.begin(), lesson_panels_.end(), p.name) !=
                    lesson_panels_.end())
                    p.open = true;
    }
    if (lv_.ran && lv_.outcome && lv_.outcome->selection) select_range(*lv_.outcome->selection);
}

void App::select_range(const lesson::SelectionResult& s) {
    const Process* p = snap_ ? snap_->process(s.pid) : nullptr;
    const Mapping* m = p ? p->mapping_at(s.addr) : nullptr;
    if (!m) return;
    sel_.pid = s.pid;
    sel_.mapping = m->start;
    const uint64_t page = 4096;
    if (s.len == 0) {
        sel_.page_first = sel_.page_last = -1;
        return;
    }
    sel_.page_first = static_cast<int64_t>((s.addr - m->start) / page);
    const uint64_t end = std::min(s.addr + s.len, m->end);
    sel_.page_last = static_cast<int64_t>((end - 1 - m->start) / page);
}

// Presenter mode and export: the Lesson panel on the left, the step's panels stacked on the
// right; everything else hidden. False: the panel is not shown.
bool App::lesson_place(const Panel& p, ImVec2& pos, ImVec2& size) const {
    ImVec2 origin, area;
    work_area(origin, area);
    const float gap = 4.0f * prefs_.scale, left = 0.36f;
    if (p.name == "lesson") {
        pos = ImVec2(origin.x + gap, origin.y + gap);
        size = ImVec2(area.x * left - 2 * gap, area.y - 2 * gap);
        return true;
    }
    std::vector<std::string> shown;
    for (const std::string& n : lesson_panels_)
        for (const Panel& q : panels_)
            if (q.name == n) shown.push_back(n);
    const auto it = std::find(shown.begin(), shown.end(), p.name);
    if (it == shown.end()) return false;
    float total = 0, above = 0;
    for (auto i = shown.begin(); i != shown.end(); ++i) {
        total += weight(*i);
        if (i < it) above += weight(*i);
    }
    const float x0 = origin.x + area.x * left, w = area.x * (1 - left);
    pos = ImVec2(x0 + gap, origin.y + area.y * above / total + gap);
    size = ImVec2(w - 2 * gap, area.y * weight(p.name) / total - 2 * gap);
    return true;
}

// Over a panel showing the state before the step while the class predicts.
void App::hide_banner(const Panel& p) const {
    if (!lv_.hiding() || !reveals(p.name)) return;
    const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
    const float top = pos.y + ImGui::GetFrameHeight();
    const char* text = "Make your prediction first (this shows the state before the step)";
    const ImVec2 ts = ImGui::CalcTextSize(text);
    const float pad = ImGui::GetStyle().FramePadding.x;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y),
                      prefs_.light ? IM_COL32(255, 255, 255, 110) : IM_COL32(0, 0, 0, 110));
    const ImVec2 a(pos.x + (size.x - ts.x) * 0.5f - pad, top + pad);
    dl->AddRectFilled(a, ImVec2(a.x + ts.x + 2 * pad, a.y + ts.y + 2 * pad),
                      prefs_.light ? IM_COL32(255, 244, 214, 250) : IM_COL32(90, 64, 0, 250), 4);
    dl->AddText(ImVec2(a.x + pad, a.y + pad),
                prefs_.light ? IM_COL32(60, 40, 0, 255) : IM_COL32(255, 235, 190, 255), text);
}

// The panels' view this frame: while a prediction is open, the state before the step; once
// a step ran, its changes highlighted against the state before it.
Context App::make_context() {
    SnapshotPtr snap = snap_, before = exec_.before();
    if (lv_.lesson) {
        before = lv_.ran && lv_.outcome ? lv_.outcome->before : nullptr;
        if (lv_.hiding() && lv_.outcome && lv_.outcome->before) {
            snap = lv_.outcome->before;
            before = nullptr;
            const uint64_t seq = snap->seq;
            std::erase_if(history_, [seq](const SnapshotPtr& h) { return !h || h->seq > seq; });
        }
    }
    Context ctx{snap, before, sel_, prefs_, events_, exec_};
    ctx.history = &history_;
    ctx.variables = &vars_;
    ctx.mono = style_.fonts().mono;
    ctx.bold = style_.fonts().bold;
    ctx.title = style_.fonts().title;
    ctx.layout = layout_json_.empty() ? nullptr : &layout_;
    ctx.lesson = &lesson_;
    ctx.lesson_view = lv_.lesson ? &lv_ : nullptr;
    ctx.presenter = presenter_ || export_dir_active();
    ctx.capture = export_dir_active();
    return ctx;
}

bool App::lesson_settled() const {
    return lv_.lesson && lv_.started && !lv_.busy && snap_ && lv_.version == lv_applied_;
}

} // namespace mml::app
