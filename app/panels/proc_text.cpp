// The /proc panel: maps lines (click one to select its mapping) and the smaps block.
#include "panels/proc_text.hpp"

#include "palette.hpp"
#include "panels/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace mml::app {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

uint64_t line_start(std::string_view line) {
    return std::strtoull(std::string(line.substr(0, line.find('-'))).c_str(), nullptr, 16);
}

} // namespace

void ProcTextPanel::maps_text(Context& ctx, const Process& p, float height) {
    ImGui::BeginChild("maps", ImVec2(0, height), true, ImGuiWindowFlags_HorizontalScrollbar);
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    const std::vector<std::string_view> lines = split_lines(p.maps_text);
    for (size_t i = 0; i < lines.size(); ++i) {
        const uint64_t start = line_start(lines[i]);
        const bool sel = start && start == ctx.sel.mapping;
        const ImVec2 p0 = ImGui::GetCursorScreenPos();
        const float w =
            std::max(ImGui::GetContentRegionAvail().x,
                     ImGui::CalcTextSize(lines[i].data(), lines[i].data() + lines[i].size()).x);
        if (sel)
            ImGui::GetWindowDrawList()->AddRectFilled(
                p0, ImVec2(p0.x + w, p0.y + ImGui::GetTextLineHeightWithSpacing()),
                selected_bg(ctx.prefs.light));
        ImGui::PushID(static_cast<int>(i));
        ImGui::TextUnformatted(lines[i].data(), lines[i].data() + lines[i].size());
        if (ImGui::IsItemClicked() && start) ctx.sel.mapping = start;
        ImGui::PopID();
        if (sel && scrolled_to_ != start) {
            ImGui::SetScrollHereY(0.3f);
            scrolled_to_ = start;
        }
    }
    if (ctx.mono) ImGui::PopFont();
    ImGui::EndChild();
}

void ProcTextPanel::draw(Context& ctx) {
    const Process* p = selected_process(ctx);
    if (!p) {
        ImGui::TextDisabled("No lab process selected.");
        return;
    }
    if (!p->error.empty()) ImGui::TextWrapped("Could not read: %s", p->error.c_str());
    ImGui::Text("/proc/%d/maps", p->pid);
    const float avail = ImGui::GetContentRegionAvail().y;
    const float maps_h = avail * 0.5f;
    maps_text(ctx, *p, maps_h);
    const Mapping* m = selected_mapping(ctx);
    ImGui::Text("/proc/%d/smaps", p->pid);
    ImGui::SameLine();
    ImGui::TextDisabled(m ? "the selected mapping's block" : "(select a mapping)");
    ImGui::BeginChild("smaps", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
    if (m) {
        if (ctx.mono) ImGui::PushFont(ctx.mono);
        ImGui::TextUnformatted(m->smaps_text.data(), m->smaps_text.data() + m->smaps_text.size());
        if (ctx.mono) ImGui::PopFont();
    }
    ImGui::EndChild();
}

} // namespace mml::app
