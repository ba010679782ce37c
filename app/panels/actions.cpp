// The Actions panel: three tabs of forms, each showing its C statement live, and the console.
// Names of flags and advice come from the action language's constant table (one source).
#include "panels/actions.hpp"

#include "panels/widgets.hpp"
#include "script/constants.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace mml::app {

namespace {

// Flags shown at once; the rest sit under "More flags".
bool common_flag(const std::string& n) {
    return n == "MAP_SHARED" || n == "MAP_PRIVATE" || n == "MAP_ANONYMOUS" ||
           n == "MAP_FIXED_NOREPLACE" || n == "MAP_POPULATE" || n == "MAP_LOCKED" ||
           n == "MAP_NORESERVE";
}

void set_flag(MapForm& f, const char* name, bool on) {
    for (auto& [n, v] : f.flags)
        if (n == name) v = on;
}

// Checkboxes for flags (without their prefix), flowing left to right and wrapping at the
// panel's edge, so they fit at any UI scale.
void flag_flow(const char* id, std::vector<std::pair<std::string, bool>>& flags, bool common,
               size_t prefix) {
    ImGui::PushID(id);
    const ImGuiStyle& st = ImGui::GetStyle();
    const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
    bool first = true;
    for (auto& [name, on] : flags) {
        if (common_flag(name) != common) continue;
        const char* text = name.c_str() + prefix;
        const float w =
            ImGui::GetFrameHeight() + st.ItemInnerSpacing.x + ImGui::CalcTextSize(text).x;
        if (!first) {
            ImGui::SameLine(0, st.ItemSpacing.x * 2);
            if (ImGui::GetCursorScreenPos().x + w > right) ImGui::NewLine();
        }
        ImGui::Checkbox(text, &on);
        first = false;
    }
    ImGui::PopID();
}

void label(const char* text) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s", text);
}

} // namespace

void ActionsPanel::run_row(Context& ctx, const std::string& stmt, const char* id) {
    code_box(ctx, stmt, id);
    ImGui::PushID(id);
    const float w = ImGui::GetContentRegionAvail().x;
    if (ImGui::Button("Run", ImVec2(w * 0.65f, 0))) ctx.actions.submit(stmt, 0);
    ImGui::SameLine();
    if (ImGui::Button("Copy", ImVec2(-1, 0))) ImGui::SetClipboardText(stmt.c_str());
    ImGui::PopID();
}

namespace {

// A row of the form: a muted label in the first column, the widgets in the second.
void form_row(const char* name) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    label(name);
    ImGui::TableSetColumnIndex(1);
}

} // namespace

void ActionsPanel::map_tab(Context& ctx) {
    (void)ctx;
    if (!ImGui::BeginTable("mapform", 2, ImGuiTableFlags_SizingFixedFit)) return;
    ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
    const int old_kind = map_.kind;
    form_row("memory");
    ImGui::RadioButton("anonymous", &map_.kind, 0);
    ImGui::SameLine();
    ImGui::RadioButton("file", &map_.kind, 1);
    ImGui::SameLine();
    ImGui::RadioButton("shm", &map_.kind, 2);
    if (map_.kind != old_kind) {
        set_flag(map_, "MAP_ANONYMOUS", map_.kind == 0);
        set_flag(map_, "MAP_SHARED", map_.kind == 2);
        set_flag(map_, "MAP_PRIVATE", map_.kind != 2);
    }
    if (map_.kind != 0) {
        form_row(map_.kind == 1 ? "file" : "name");
        ImGui::SetNextItemWidth(map_.kind == 1 ? -ImGui::GetFontSize() * 6 : -1);
        ImGui::InputText("##name", map_.kind == 1 ? &map_.file : &map_.shm);
        if (map_.kind == 1) {
            ImGui::SameLine();
            ImGui::Checkbox("O_RDONLY", &map_.read_only);
        }
        form_row("size");
        ImGui::Checkbox("ftruncate", &map_.set_size);
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
        ImGui::InputInt("pages##fsize", &map_.file_pages);
        map_.file_pages = std::max(0, map_.file_pages);
    }
    form_row("length");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt("pages", &map_.pages);
    map_.pages = std::clamp(map_.pages, 1, 1 << 20);
    if (map_.kind != 0) {
        form_row("offset");
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
        ImGui::InputInt("bytes", &map_.offset, 4096, 4096);
        map_.offset = std::max(0, map_.offset);
    }
    form_row("prot");
    ImGui::Checkbox("READ", &map_.prot_read);
    ImGui::SameLine();
    ImGui::Checkbox("WRITE", &map_.prot_write);
    ImGui::SameLine();
    ImGui::Checkbox("EXEC", &map_.prot_exec);
    form_row("flags");
    ImGui::TextDisabled("MAP_ ... (OR-ed together)");
    ImGui::EndTable();
    flag_flow("flags", map_.flags, true, 4);
    if (ImGui::TreeNode("more flags")) {
        flag_flow("more", map_.flags, false, 4);
        ImGui::TreePop();
    }
}

// Tabs on top, the form's fields in a scrolling child, then the statement and Run pinned
// below it (always visible), then the console.
void ActionsPanel::draw(Context& ctx) {
    const char* tabs[] = {"Map", "Change", "Read / write"};
    if (ImGui::BeginTabBar("kinds")) {
        for (int i = 0; i < 3; ++i)
            if (ImGui::BeginTabItem(tabs[i])) {
                tab_ = i;
                ImGui::EndTabItem();
            }
        ImGui::EndTabBar();
    }
    if (map_.flags.empty())
        for (const script::Constant& c : script::constant_table()) {
            const std::string n(c.name);
            if (n.starts_with("MAP_") && !c.pointer && n != "MAP_ANON")
                map_.flags.emplace_back(n, n == "MAP_PRIVATE" || n == "MAP_ANONYMOUS");
        }
    const bool ready = tab_ == 0 || resolve_var(ctx);
    const std::string stmt = !ready      ? std::string()
                             : tab_ == 0 ? map_statement(ctx)
                             : tab_ == 1 ? change_statement(ctx)
                                         : touch_statement(ctx);
    const float avail = ImGui::GetContentRegionAvail().y;
    const float console_h = std::max(avail * 0.26f, ImGui::GetFrameHeight() * 4);
    const float run_h = ready ? code_box_height(ctx, stmt) + ImGui::GetFrameHeightWithSpacing() +
                                    ImGui::GetStyle().ItemSpacing.y
                              : 0.0f;
    const float head_h =
        ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y * 2;
    ImGui::BeginChild("fields", ImVec2(0, std::max(avail - console_h - run_h - head_h,
                                                   ImGui::GetFrameHeight() * 3)));
    if (tab_ == 0)
        map_tab(ctx);
    else if (tab_ == 1)
        change_tab(ctx);
    else
        touch_tab(ctx);
    ImGui::EndChild();
    if (ready) run_row(ctx, stmt, "run");
    section("Console");
    console_.draw(ctx, ImGui::GetContentRegionAvail().y);
}

} // namespace mml::app
