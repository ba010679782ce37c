// The process tree as a table (name, pid, state, RSS), fork children indented under parents.
#include "panels/processes.hpp"

#include "abi.hpp"
#include "palette.hpp"
#include "panels/widgets.hpp"

#include <string>

namespace mml::app {

namespace {

bool name_taken(const Context& ctx, const std::string& n) {
    for (const Process& p : ctx.snap->processes)
        if (p.name == n) return true;
    if (ctx.variables)
        for (const Variable& v : *ctx.variables)
            if (v.name == n) return true;
    return false;
}

std::string fresh_name(const Context& ctx, const std::string& base) {
    if (!name_taken(ctx, base)) return base;
    for (int i = 2;; ++i)
        if (std::string n = base + std::to_string(i); !name_taken(ctx, n)) return n;
}

std::string state_text(const Process& p) {
    switch (p.state) {
    case ProcState::Alive:
        return "alive";
    case ProcState::Exited:
        return "exited (" + std::to_string(p.exit_code) + ")";
    case ProcState::Killed:
        return "killed by " + abi::signal_name(p.term_signal);
    }
    return "?";
}

} // namespace

std::string ProcessesPanel::name_for_pid(const Context& ctx, int pid) const {
    if (ctx.variables)
        for (const Variable& v : *ctx.variables)
            if (v.type == "pid_t" && v.value == pid) return v.name;
    return std::to_string(pid);
}

void ProcessesPanel::toolbar(Context& ctx) {
    const Process* sel = selected_process(ctx);
    const bool alive = sel && sel->state == ProcState::Alive;
    if (ImGui::Button("New process")) ctx.actions.spawn(fresh_name(ctx, "proc"));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start another lab process with no parent here");
    ImGui::SameLine();
    ImGui::BeginDisabled(!alive);
    if (ImGui::Button("Fork")) {
        const std::string child = fresh_name(ctx, "child");
        ctx.actions.submit("pid_t " + child + " = fork();", sel->pid);
    }
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled) && sel)
        ImGui::SetTooltip("fork() inside %s: the child gets a copy of every mapping",
                          sel->name.c_str());
    ImGui::SameLine();
    if (ImGui::Button("Kill")) {
        const int by = sel->parent && ctx.snap->process(sel->parent) ? sel->parent : 0;
        ctx.actions.submit("kill(" + name_for_pid(ctx, sel->pid) + ", SIGKILL);", by);
    }
    ImGui::EndDisabled();
}

void ProcessesPanel::row(Context& ctx, const Process& p, int depth) {
    const bool light = ctx.prefs.light;
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushID(p.pid);
    ImGui::Indent(static_cast<float>(depth) * ImGui::GetStyle().IndentSpacing);
    const std::string label = (depth ? "\u2514 " : "") + p.name;
    if (ImGui::Selectable(label.c_str(), ctx.sel.pid == p.pid,
                          ImGuiSelectableFlags_SpanAllColumns) &&
        p.state == ProcState::Alive)
        ctx.sel.pid = p.pid;
    ImGui::Unindent(static_cast<float>(depth) * ImGui::GetStyle().IndentSpacing);
    ImGui::PopID();
    ImGui::TableSetColumnIndex(1);
    colored_text(muted_text(light), std::to_string(p.pid).c_str());
    ImGui::TableSetColumnIndex(2);
    const ImU32 c = p.state == ProcState::Alive    ? ok_text(light)
                    : p.state == ProcState::Killed ? error_text(light)
                                                   : muted_text(light);
    colored_text(c, state_text(p).c_str());
    ImGui::TableSetColumnIndex(3);
    if (p.state == ProcState::Alive) ImGui::TextUnformatted(human_kb(p.status_kb("VmRSS")).c_str());
    for (const Process& q : ctx.snap->processes)
        if (q.parent == p.pid && q.pid != p.pid) row(ctx, q, depth + 1);
}

void ProcessesPanel::draw(Context& ctx) {
    toolbar(ctx);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("tree", 4, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Process", ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableSetupColumn("PID", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 3.5f);
    ImGui::TableSetupColumn("State", ImGuiTableColumnFlags_WidthStretch, 1.6f);
    ImGui::TableSetupColumn("RSS", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 4.0f);
    ImGui::TableHeadersRow();
    for (const Process& p : ctx.snap->processes)
        if (!p.parent || !ctx.snap->process(p.parent)) row(ctx, p, 0);
    ImGui::EndTable();
}

} // namespace mml::app
