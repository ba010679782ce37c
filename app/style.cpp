// Font loading with fallbacks (Inter, JetBrains Mono, DejaVu, ImGui's own) and the two themes.
// The atlas is rebuilt at each scale so text stays sharp instead of being stretched.
#include "style.hpp"

#if __has_include(<imgui_impl_opengl3.h>)
#include <imgui_impl_opengl3.h>
#else
#include <backends/imgui_impl_opengl3.h>
#endif

#include <algorithm>
#include <unistd.h>

namespace mml::app {

namespace {

const char* const kUiFonts[] = {"/usr/share/fonts/opentype/inter/Inter-Regular.otf",
                                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", nullptr};
const char* const kBoldFonts[] = {"/usr/share/fonts/opentype/inter/Inter-SemiBold.otf",
                                  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", nullptr};
const char* const kMonoFonts[] = {
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", nullptr};
// Arrows, bullets, dashes, check marks: merged into the UI font from DejaVu (Inter has most).
const char* const kSymbolFonts[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", nullptr};

const ImWchar kSymbols[] = {0x2190, 0x21FF, 0x2500, 0x25FF, 0x2713, 0x2717, 0};

constexpr float kUiPx = 16.0f, kMonoPx = 15.0f, kTitlePx = 26.0f;

const char* first_readable(const char* const* candidates) {
    for (auto c = candidates; *c; ++c)
        if (access(*c, R_OK) == 0) return *c;
    return nullptr;
}

ImVec4 hex(unsigned v, float a = 1.0f) {
    return ImVec4(static_cast<float>((v >> 16) & 0xff) / 255.0f,
                  static_cast<float>((v >> 8) & 0xff) / 255.0f,
                  static_cast<float>(v & 0xff) / 255.0f, a);
}

void sizes(ImGuiStyle& s) {
    s.WindowPadding = ImVec2(12, 10);
    s.FramePadding = ImVec2(8, 5);
    s.CellPadding = ImVec2(7, 3);
    s.ItemSpacing = ImVec2(8, 7);
    s.ItemInnerSpacing = ImVec2(6, 5);
    s.IndentSpacing = 20;
    s.ScrollbarSize = 14;
    s.GrabMinSize = 12;
    s.WindowRounding = 6;
    s.ChildRounding = 4;
    s.FrameRounding = 4;
    s.PopupRounding = 4;
    s.ScrollbarRounding = 6;
    s.GrabRounding = 4;
    s.TabRounding = 4;
    s.WindowBorderSize = 1;
    s.FrameBorderSize = 0;
    s.WindowTitleAlign = ImVec2(0.0f, 0.5f);
    s.WindowMenuButtonPosition = ImGuiDir_None;
}

void dark(ImVec4* c) {
    ImGui::StyleColorsDark();
    c[ImGuiCol_Text] = hex(0xE8EBF0);
    c[ImGuiCol_TextDisabled] = hex(0x8C939E);
    c[ImGuiCol_WindowBg] = hex(0x1B1F26);
    c[ImGuiCol_ChildBg] = hex(0x000000, 0.0f);
    c[ImGuiCol_PopupBg] = hex(0x222831, 0.98f);
    c[ImGuiCol_Border] = hex(0x343B47);
    c[ImGuiCol_FrameBg] = hex(0x272D37);
    c[ImGuiCol_FrameBgHovered] = hex(0x303845);
    c[ImGuiCol_FrameBgActive] = hex(0x384252);
    c[ImGuiCol_TitleBg] = hex(0x15181D);
    c[ImGuiCol_TitleBgActive] = hex(0x1F2A3A);
    c[ImGuiCol_TitleBgCollapsed] = hex(0x15181D);
    c[ImGuiCol_MenuBarBg] = hex(0x15181D);
    c[ImGuiCol_ScrollbarBg] = hex(0x1B1F26);
    c[ImGuiCol_ScrollbarGrab] = hex(0x3A4250);
    c[ImGuiCol_CheckMark] = hex(0x56B4E9);
    c[ImGuiCol_SliderGrab] = hex(0x56B4E9);
    c[ImGuiCol_SliderGrabActive] = hex(0x7CC6F0);
    c[ImGuiCol_Button] = hex(0x2C3542);
    c[ImGuiCol_ButtonHovered] = hex(0x375A80);
    c[ImGuiCol_ButtonActive] = hex(0x0072B2);
    c[ImGuiCol_Header] = hex(0x28476A);
    c[ImGuiCol_HeaderHovered] = hex(0x30557E);
    c[ImGuiCol_HeaderActive] = hex(0x0072B2);
    c[ImGuiCol_Separator] = hex(0x343B47);
    c[ImGuiCol_Tab] = hex(0x222831);
    c[ImGuiCol_TabHovered] = hex(0x30557E);
    c[ImGuiCol_TabActive] = hex(0x28476A);
    c[ImGuiCol_TableHeaderBg] = hex(0x232A34);
    c[ImGuiCol_TableBorderStrong] = hex(0x343B47);
    c[ImGuiCol_TableBorderLight] = hex(0x2A303A);
    c[ImGuiCol_TableRowBgAlt] = hex(0xFFFFFF, 0.03f);
    c[ImGuiCol_PlotLines] = hex(0x56B4E9);
    c[ImGuiCol_PlotHistogram] = hex(0xE69F00);
}

void light(ImVec4* c) {
    ImGui::StyleColorsLight();
    c[ImGuiCol_Text] = hex(0x16191E);
    c[ImGuiCol_TextDisabled] = hex(0x6B7280);
    c[ImGuiCol_WindowBg] = hex(0xFBFCFD);
    c[ImGuiCol_ChildBg] = hex(0xFFFFFF, 0.0f);
    c[ImGuiCol_PopupBg] = hex(0xFFFFFF, 0.99f);
    c[ImGuiCol_Border] = hex(0xC9CFD8);
    c[ImGuiCol_FrameBg] = hex(0xECEFF3);
    c[ImGuiCol_FrameBgHovered] = hex(0xE0E6EE);
    c[ImGuiCol_FrameBgActive] = hex(0xD3DCE7);
    c[ImGuiCol_TitleBg] = hex(0xE9ECF0);
    c[ImGuiCol_TitleBgActive] = hex(0xD7E5F3);
    c[ImGuiCol_TitleBgCollapsed] = hex(0xE9ECF0);
    c[ImGuiCol_MenuBarBg] = hex(0xE9ECF0);
    c[ImGuiCol_CheckMark] = hex(0x0072B2);
    c[ImGuiCol_SliderGrab] = hex(0x0072B2);
    c[ImGuiCol_Button] = hex(0xE1E6EC);
    c[ImGuiCol_ButtonHovered] = hex(0xC5DCF0);
    c[ImGuiCol_ButtonActive] = hex(0x9CC6EA);
    c[ImGuiCol_Header] = hex(0xCFE2F5);
    c[ImGuiCol_HeaderHovered] = hex(0xBBD6F0);
    c[ImGuiCol_HeaderActive] = hex(0x9CC6EA);
    c[ImGuiCol_Tab] = hex(0xE1E6EC);
    c[ImGuiCol_TabHovered] = hex(0xBBD6F0);
    c[ImGuiCol_TabActive] = hex(0xCFE2F5);
    c[ImGuiCol_TableHeaderBg] = hex(0xE9EDF2);
    c[ImGuiCol_TableBorderStrong] = hex(0xC9CFD8);
    c[ImGuiCol_TableBorderLight] = hex(0xDDE2E8);
    c[ImGuiCol_TableRowBgAlt] = hex(0x000000, 0.025f);
    c[ImGuiCol_PlotLines] = hex(0x0072B2);
    c[ImGuiCol_PlotHistogram] = hex(0xE69F00);
}

} // namespace

float clamp_scale(float s) {
    return std::clamp(s, kMinScale, kMaxScale);
}

ImFont* Style::add_font(const char* const* candidates, float px, bool merge_symbols) {
    ImGuiIO& io = ImGui::GetIO();
    ImFont* f = nullptr;
    if (const char* path = first_readable(candidates)) {
        ImFontConfig cfg;
        cfg.OversampleH = 2;
        cfg.PixelSnapH = false;
        f = io.Fonts->AddFontFromFileTTF(path, px, &cfg, ranges_.Data);
        if (f && note_.find(path) == std::string::npos) note_ += std::string(path) + " ";
    }
    if (!f) {
        ImFontConfig cfg;
        cfg.SizePixels = px;
        f = io.Fonts->AddFontDefault(&cfg);
        return f;
    }
    if (merge_symbols)
        if (const char* sym = first_readable(kSymbolFonts)) {
            ImFontConfig cfg;
            cfg.MergeMode = true;
            io.Fonts->AddFontFromFileTTF(sym, px, &cfg, kSymbols);
        }
    return f;
}

void Style::build_fonts(float scale, float raster) {
    ++builds_;
    ImGuiIO& io = ImGui::GetIO();
    scale = clamp_scale(scale);
    if (ranges_.empty()) {
        ImFontGlyphRangesBuilder b;
        b.AddRanges(io.Fonts->GetGlyphRangesDefault());
        b.AddText("\u2014\u2013\u2022\u2026\u2212\u00d7\u2192\u2190\u2191\u2193");
        b.BuildRanges(&ranges_);
    }
    io.Fonts->Clear();
    const float k = scale * raster;
    fonts_.ui = add_font(kUiFonts, kUiPx * k, true);
    fonts_.bold = add_font(kBoldFonts, kUiPx * k, false);
    fonts_.mono = add_font(kMonoFonts, kMonoPx * k, false);
    fonts_.title = add_font(kBoldFonts, kTitlePx * k, false);
    io.Fonts->Build();
    io.FontDefault = fonts_.ui;
    io.FontGlobalScale = 1.0f / raster;
    scale_ = scale;
    raster_ = raster;
    // A new font texture for the new atlas (the renderer's other objects stay: recreating all
    // of them mid-run leaves 1.86's backend drawing nothing). The first atlas is uploaded by
    // the backend's own first NewFrame.
    if (uploaded_) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    uploaded_ = true;
}

void Style::apply_theme(bool light_theme, float scale) {
    ImGuiStyle& s = ImGui::GetStyle();
    s = ImGuiStyle();
    if (light_theme)
        light(s.Colors);
    else
        dark(s.Colors);
    sizes(s);
    s.ScaleAllSizes(clamp_scale(scale));
}

} // namespace mml::app
