// The App's chrome: main menu, keyboard shortcuts, the status line (what the kernel lets us
// see, and why not), the first-run welcome, and the "starting" screen.
#include "app.hpp"

#include "palette.hpp"
#include "prefs.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <imgui.h>

#include <string>

namespace mml::app {

namespace {

constexpr float kScaleStep = 0.125f, kDefaultScale = 1.25f;

// "PFNs ✓" in the ok colour, or "PFNs ✗" in the error colour.
void capability(const char* what, bool ok, bool light) {
    ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2.5f);
    ImGui::PushStyleColor(ImGuiCol_Text, ok ? ok_text(light) : error_text(light));
    ImGui::Text("%s %s", what, ok ? "\u2713" : "\u2717");
    ImGui::PopStyleColor();
}

} // namespace

void App::request_shot(int scale) {
    if (shot_.stage != ShotRequest::Stage::None) return;
    shot_ = ShotRequest{ShotRequest::Stage::Due, scale, default_shot_path(scale)};
}

void App::handle_keys() {
    const ImGuiIO& io = ImGui::GetIO();
    if (io.KeyCtrl && (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD)))
        pending_scale_ = prefs_.scale + kScaleStep;
    if (io.KeyCtrl &&
        (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT)))
        pending_scale_ = prefs_.scale - kScaleStep;
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_0)) pending_scale_ = kDefaultScale;
    if (ImGui::IsKeyPressed(GLFW_KEY_F12)) request_shot(io.KeyShift ? 2 : 1);
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q)) quit_ = true;
}

void App::draw_menu() {
    // No background of its own: paint_outside() paints the gap colour under it.
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0, 0, 0, 0));
    ImGui::PushStyleColor(ImGuiCol_MenuBarBg, ImVec4(0, 0, 0, 0));
    const bool open = ImGui::BeginMainMenuBar();
    ImGui::PopStyleColor(2);
    if (!open) return;
    if (ImGui::BeginMenu("File")) {
        if (ImGui::MenuItem("Save screenshot", "F12")) request_shot(1);
        if (ImGui::MenuItem("Save screenshot at 2x", "Shift+F12")) request_shot(2);
        ImGui::Separator();
        if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        for (Panel& p : panels_)
            if (ImGui::MenuItem(p.title.c_str(), nullptr, &p.open)) {
                set_panel_open(prefs_, p.name, p.open);
                save_prefs_now();
            }
        ImGui::Separator();
        if (ImGui::MenuItem("Light theme", nullptr, &prefs_.light)) {
            style_.apply_theme(prefs_.light, prefs_.scale);
            save_prefs_now();
        }
        if (ImGui::MenuItem("Larger text", "Ctrl+=")) pending_scale_ = prefs_.scale + kScaleStep;
        if (ImGui::MenuItem("Smaller text", "Ctrl+-")) pending_scale_ = prefs_.scale - kScaleStep;
        if (ImGui::MenuItem("Default text size", "Ctrl+0")) pending_scale_ = kDefaultScale;
        ImGui::Separator();
        if (ImGui::MenuItem("Sample 10 times a second", nullptr, &prefs_.sampling)) {
            sampler_.set_paused(!prefs_.sampling);
            save_prefs_now();
        }
        if (ImGui::MenuItem("Reset layout")) reset_layout_ = true;
        if (ImGui::MenuItem("Presenter mode", "F5", presenter_)) set_presenter(!presenter_);
        ImGui::EndMenu();
    }
    draw_lessons_menu();
    if (ImGui::BeginMenu("Help")) {
        if (ImGui::MenuItem("Welcome: what to try first")) show_welcome_ = true;
        ImGui::EndMenu();
    }
    // Only for work a user waits on (a script, a large write): a single action is done within a
    // frame or two, and the word would flash on every click.
    const auto now = std::chrono::steady_clock::now();
    if (!exec_.busy()) busy_since_ = now;
    if (now - busy_since_ >= std::chrono::milliseconds(250)) {
        ImGui::SameLine(0, ImGui::GetFontSize() * 2);
        ImGui::TextDisabled("running\u2026");
    }
    ImGui::EndMainMenuBar();
}

void App::draw_status(float height) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Pos.x, vp->Pos.y + vp->Size.y - height));
    ImGui::SetNextWindowSize(ImVec2(vp->Size.x, height));
    const ImGuiWindowFlags flags =
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
        ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoBringToFrontOnFocus;
    // No background of its own: paint_outside() paints the gap colour (MenuBarBg) under it.
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0, 0, 0, 0));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetStyle().WindowPadding.x,
                                                            ImGui::GetStyle().FramePadding.y));
    ImGui::Begin("##status", nullptr, flags);
    const bool light = prefs_.light;
    if (snap_) {
        const Capabilities& c = snap_->caps;
        ImGui::Text("Linux %s", c.kernel.c_str());
        capability("PFNs", c.pfn, light);
        capability("page flags", c.kpage, light);
        capability("PAGEMAP_SCAN", c.pagemap_scan, light);
        ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2.5f);
        ImGui::Text("THP: %s", c.thp.empty() ? "unknown" : c.thp.c_str());
        size_t alive = 0;
        for (const Process& p : snap_->processes) alive += p.state == ProcState::Alive;
        ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2.5f);
        ImGui::TextDisabled("%zu lab process%s \u00b7 snapshot %llu", alive, alive == 1 ? "" : "es",
                            static_cast<unsigned long long>(snap_->seq));
        if (!c.reason.empty()) {
            ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2.5f);
            ImGui::PushStyleColor(ImGuiCol_Text, error_text(light));
            ImGui::TextUnformatted(c.reason.c_str());
            ImGui::PopStyleColor();
        }
    } else {
        ImGui::TextDisabled("Starting the first lab process\u2026");
    }
    const std::string& msg = !status_msg_.empty() ? status_msg_ : prefs_note_;
    if (!msg.empty() && !export_dir_active()) { // not in the exported pictures
        const float w = ImGui::CalcTextSize(msg.c_str()).x;
        ImGui::SameLine(std::max(ImGui::GetCursorPosX(),
                                 ImGui::GetWindowWidth() - w - ImGui::GetStyle().WindowPadding.x));
        ImGui::TextDisabled("%s", msg.c_str());
    }
    ImGui::End();
    ImGui::PopStyleVar(2);
    ImGui::PopStyleColor();
}

void App::draw_welcome() {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(
        ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
        ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 40, 0), ImGuiCond_Appearing);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_AlwaysAutoResize;
    bool open = true;
    if (ImGui::Begin("Welcome to mmaplab", &open, flags)) {
        ImGui::PushFont(style_.fonts().title);
        ImGui::TextUnformatted("See copy-on-write happen, page by page.");
        ImGui::PopFont();
        ImGui::Spacing();
        ImGui::TextWrapped("A lab process called \"main\" is ready. Every number you see comes "
                           "from the kernel's own /proc files, taken right after each action.");
        ImGui::Spacing();
        const char* steps[] = {
            "In Actions, map 16 pages: PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, Run.",
            "Write them: the Read / write tab, all 16 pages, Run. Pages turn dirty.",
            "Fork: Processes > Fork. Parent and child now share every frame.",
            "In the child, write page 3, then watch Frames: one page gets a new frame."};
        for (int i = 0; i < 4; ++i) {
            ImGui::PushFont(style_.fonts().bold);
            ImGui::Text("%d.", i + 1);
            ImGui::PopFont();
            ImGui::SameLine();
            ImGui::TextWrapped("%s", steps[i]);
        }
        ImGui::Spacing();
        ImGui::TextDisabled("Or type C statements in the console. Ctrl+= / Ctrl+- change the text "
                            "size; F12 saves a screenshot.");
        ImGui::Spacing();
        bool again = prefs_.show_welcome;
        if (ImGui::Checkbox("Show this at start", &again)) {
            prefs_.show_welcome = again;
            save_prefs_now();
        }
        ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::GetFontSize() * 6);
        if (ImGui::Button("Start", ImVec2(ImGui::GetFontSize() * 5, 0))) open = false;
    }
    ImGui::End();
    if (!open) show_welcome_ = false;
}

void App::draw_starting() {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(
        ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f),
        ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::Begin("##starting", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                     ImGuiWindowFlags_NoSavedSettings);
    const std::string err = exec_.start_error();
    if (err.empty())
        ImGui::TextUnformatted("Starting the first lab process\u2026");
    else
        ImGui::Text("Could not start a lab process: %s", err.c_str());
    ImGui::End();
}

} // namespace mml::app
