// Console transcript (statement, then the kernel's answer) and the input line with history.
#include "panels/console.hpp"

#include "palette.hpp"
#include "panels/widgets.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace mml::app {

int Console::on_input(ImGuiInputTextCallbackData* data) {
    auto* self = static_cast<Console*>(data->UserData);
    if (data->EventFlag != ImGuiInputTextFlags_CallbackHistory || self->history_.empty()) return 0;
    const int n = static_cast<int>(self->history_.size());
    int pos = self->history_pos_;
    if (data->EventKey == ImGuiKey_UpArrow)
        pos = pos < 0 ? n - 1 : std::max(0, pos - 1);
    else if (data->EventKey == ImGuiKey_DownArrow)
        pos = pos < 0 ? -1 : (pos + 1 >= n ? -1 : pos + 1);
    if (pos == self->history_pos_) return 0;
    self->history_pos_ = pos;
    data->DeleteChars(0, data->BufTextLen);
    if (pos >= 0) data->InsertChars(0, self->history_[static_cast<size_t>(pos)].c_str());
    return 0;
}

void Console::transcript(Context& ctx, float height) {
    const bool light = ctx.prefs.light;
    ImGui::BeginChild("transcript", ImVec2(0, height), true);
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    const size_t n = ctx.events.size();
    const size_t first = n > 200 ? n - 200 : 0;
    for (size_t i = first; i < n; ++i) {
        const Event& e = ctx.events[i];
        ImGui::PushStyleColor(ImGuiCol_Text, muted_text(light));
        ImGui::Text("%s>", e.process.empty() ? "?" : e.process.c_str());
        ImGui::PopStyleColor();
        ImGui::SameLine();
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(e.statement.c_str());
        ImGui::PushStyleColor(ImGuiCol_Text, e.is_error ? error_text(light) : ok_text(light));
        ImGui::Indent();
        ImGui::TextUnformatted(e.result.c_str());
        ImGui::Unindent();
        ImGui::PopStyleColor();
        ImGui::PopTextWrapPos();
    }
    if (n == 0) ImGui::TextDisabled("Results appear here.");
    if (ctx.mono) ImGui::PopFont();
    if (n != seen_events_) {
        ImGui::SetScrollHereY(1.0f);
        seen_events_ = n;
    }
    ImGui::EndChild();
}

void Console::draw(Context& ctx, float height) {
    const float input_h = ImGui::GetFrameHeightWithSpacing();
    transcript(ctx, std::max(height - input_h, ImGui::GetFrameHeight() * 2));
    const Process* p = selected_process(ctx);
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s>", p ? p->name.c_str() : "?");
    ImGui::SameLine();
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    ImGui::SetNextItemWidth(-1);
    if (refocus_) {
        ImGui::SetKeyboardFocusHere();
        refocus_ = false;
    }
    const ImGuiInputTextFlags flags =
        ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackHistory;
    if (ImGui::InputTextWithHint("##stmt", "char *p = mmap(NULL, 4 * 4096, ...);", &line_, flags,
                                 &Console::on_input, this)) {
        if (!line_.empty()) {
            ctx.actions.submit(line_, 0);
            if (history_.empty() || history_.back() != line_) history_.push_back(line_);
            line_.clear();
        }
        history_pos_ = -1;
        refocus_ = true;
    }
    if (ctx.mono) ImGui::PopFont();
}

} // namespace mml::app
