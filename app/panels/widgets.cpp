// Shared panel helpers (formatting, headings, code boxes, selection lookups).
#include "panels/widgets.hpp"

#include "palette.hpp"

#include <cinttypes>
#include <cstdio>

namespace mml::app {

std::string human_kb(uint64_t kb) {
    char buf[32];
    if (kb == 0) return "0";
    if (kb < 10 * 1024)
        std::snprintf(buf, sizeof buf, "%" PRIu64 " kB", kb);
    else if (kb < 10 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(kb) / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(kb) / (1024.0 * 1024.0));
    return buf;
}

std::string addr_text(uint64_t a) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, a);
    return buf;
}

std::string mapping_name(const Mapping& m) {
    if (!m.path.empty()) return m.path;
    return m.kind() == MappingKind::SharedAnon ? "[shared anonymous]" : "[anonymous]";
}

const Process* process_in(const SnapshotPtr& s, int pid) {
    return s ? s->process(pid) : nullptr;
}

const Process* selected_process(const Context& ctx) {
    return process_in(ctx.snap, ctx.sel.pid);
}

const Mapping* selected_mapping(const Context& ctx) {
    const Process* p = selected_process(ctx);
    if (!p || !ctx.sel.mapping) return nullptr;
    for (const Mapping& m : p->mappings)
        if (m.start == ctx.sel.mapping) return &m;
    return nullptr;
}

void section(const char* label) {
    ImGui::Spacing();
    ImGui::TextDisabled("%s", label);
    ImGui::Separator();
}

void code_box(const Context& ctx, const std::string& text, const char* id) {
    const ImGuiStyle& st = ImGui::GetStyle();
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    const float w = ImGui::GetContentRegionAvail().x;
    const float wrap = w - 2 * st.FramePadding.x;
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
    const ImVec2 size(w, ts.y + 2 * st.FramePadding.y);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), code_bg(ctx.prefs.light),
                      st.FrameRounding);
    dl->AddRect(p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetColorU32(ImGuiCol_Border),
                st.FrameRounding);
    ImGui::PushID(id);
    ImGui::SetCursorScreenPos(ImVec2(p0.x + st.FramePadding.x, p0.y + st.FramePadding.y));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopID();
    ImGui::SetCursorScreenPos(p0);
    ImGui::Dummy(size);
    if (ctx.mono) ImGui::PopFont();
}

float code_box_height(const Context& ctx, const std::string& text) {
    const ImGuiStyle& st = ImGui::GetStyle();
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    const float wrap = ImGui::GetContentRegionAvail().x - 2 * st.FramePadding.x;
    const float h = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap).y;
    if (ctx.mono) ImGui::PopFont();
    return h + 2 * st.FramePadding.y;
}

void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void colored_text(ImU32 color, const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
}

} // namespace mml::app
