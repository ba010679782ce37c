// The Events list, newest at the bottom: who ran what (as C), the kernel's answer in colour,
// and the fault counters it moved. Two lines per event, so it reads in a narrow column.
#include "panels/events.hpp"

#include "palette.hpp"
#include "panels/widgets.hpp"

#include <imgui.h>

#include <string>

namespace mml::app {

namespace {

constexpr size_t kMaxShown = 400;

std::string faults_text(const Event& e) {
    std::string s;
    if (e.minflt_delta) s = "minor +" + std::to_string(e.minflt_delta);
    if (e.majflt_delta)
        s += (s.empty() ? "" : ", ") + std::string("major +") + std::to_string(e.majflt_delta);
    return s;
}

// Left: number, process and fault deltas; right: the statement and the kernel's answer.
void draw_event(const Context& ctx, const Event& e, bool odd) {
    const bool light = ctx.prefs.light;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x;
    const float right = ImGui::GetFontSize() * 5.5f;
    dl->ChannelsSplit(2);
    dl->ChannelsSetCurrent(1);
    ImGui::BeginGroup();
    ImGui::TextUnformatted(e.process.empty() ? "-" : e.process.c_str());
    if (const std::string f = faults_text(e); !f.empty())
        colored_text(muted_text(light), f.c_str());
    ImGui::EndGroup();
    ImGui::SameLine(right);
    ImGui::BeginGroup();
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(e.statement.c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, e.is_error ? error_text(light) : ok_text(light));
    ImGui::TextUnformatted(e.result.c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    if (ctx.mono) ImGui::PopFont();
    ImGui::EndGroup();
    const float bottom = ImGui::GetItemRectMax().y + ImGui::GetStyle().ItemSpacing.y * 0.5f;
    dl->ChannelsSetCurrent(0);
    const ImVec2 a(p0.x - 4, p0.y - 3), b(p0.x + w, bottom);
    if (e.is_signal)
        dl->AddRectFilled(a, b, changed_bg(light), 3.0f);
    else if (odd)
        dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_TableRowBgAlt), 3.0f);
    dl->ChannelsMerge();
    ImGui::SetCursorScreenPos(ImVec2(p0.x, bottom + ImGui::GetStyle().ItemSpacing.y * 0.5f));
    ImGui::Dummy(ImVec2(0, 0));
}

} // namespace

void EventsPanel::draw(Context& ctx) {
    if (ctx.events.empty()) {
        ImGui::TextWrapped("Nothing has run yet. Each action appears here with the kernel's "
                           "answer and the page faults it caused.");
        return;
    }
    ImGui::BeginChild("list");
    // Rows wrap to different heights, so no clipper: the newest kMaxShown are drawn.
    const size_t n = ctx.events.size();
    for (size_t i = n > kMaxShown ? n - kMaxShown : 0; i < n; ++i) {
        ImGui::PushID(static_cast<int>(i));
        draw_event(ctx, ctx.events[i], i % 2 == 1);
        ImGui::PopID();
    }
    if (ctx.events.size() != seen_) {
        ImGui::SetScrollHereY(1.0f);
        seen_ = ctx.events.size();
    }
    ImGui::EndChild();
}

} // namespace mml::app
