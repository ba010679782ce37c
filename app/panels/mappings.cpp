// The Mappings table. Field columns follow what the running kernel prints in smaps (so new
// fields appear on their own); the common ones are visible, the rest one right-click away.
#include "panels/mappings.hpp"

#include "abi.hpp"
#include "palette.hpp"
#include "panels/widgets.hpp"

#include <imgui.h>

#include <algorithm>

namespace mml::app {

namespace {

constexpr int kFixed = 4; // Address, Size, Perms, Mapping; then fields_; then VmFlags
const char* const kFixedNames[kFixed] = {"Address", "Size", "Perms", "Mapping"};
const char* const kFixedMeaning[kFixed] = {
    "Start of the virtual address range of the mapping (hover a row for the end).",
    "Length of the mapping, end minus start.",
    "r w x: readable, writable, executable; p private (copy-on-write) or s shared.",
    "The file mapped, or what the kernel calls the region ([heap], [stack], [anon:...])."};
constexpr const char* kVmFlagsMeaning =
    "VmFlags: the kernel's flags on this VMA (vm_area_struct), in words.";

bool shown_by_default(const std::string& f) {
    return f == "Rss" || f == "Pss" || f == "Shared_Clean" || f == "Shared_Dirty" ||
           f == "Private_Clean" || f == "Private_Dirty" || f == "Anonymous" || f == "Swap" ||
           f == "Locked";
}

std::string vmflag_text(const Mapping& m) {
    std::string s;
    for (const std::string& c : m.vmflags) {
        if (!s.empty()) s += ", ";
        const auto w = abi::vmflag_words(c);
        s += w ? std::string(*w) : c;
    }
    return s;
}

std::string base_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos || path.front() != '/' ? path : path.substr(slash + 1);
}

std::string field_text(const Mapping& m, const std::string& name) {
    const SmapsField* f = m.field(name);
    if (!f) return "";
    return f->kb ? human_kb(*f->kb) : f->value;
}

} // namespace

void MappingsPanel::setup_columns(const Process& p) {
    fields_.clear();
    for (const Mapping& m : p.mappings)
        for (const SmapsField& f : m.smaps)
            if (f.name != "Size" &&
                std::find(fields_.begin(), fields_.end(), f.name) == fields_.end())
                fields_.push_back(f.name);
}

void MappingsPanel::header_row() {
    const int n = kFixed + static_cast<int>(fields_.size()) + 1;
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int c = 0; c < n; ++c) {
        if (!ImGui::TableSetColumnIndex(c)) continue;
        ImGui::PushID(c);
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        ImGui::PopID();
        if (!ImGui::IsItemHovered()) continue;
        std::string tip;
        if (c < kFixed)
            tip = kFixedMeaning[c];
        else if (c == n - 1)
            tip = kVmFlagsMeaning;
        else if (auto m = abi::smaps_field_meaning(fields_[static_cast<size_t>(c - kFixed)]))
            tip = std::string(*m);
        else
            tip = "A field this kernel prints in smaps.";
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28);
        ImGui::TextUnformatted(tip.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void MappingsPanel::sort_rows(const Process& p) {
    order_.resize(p.mappings.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    const int n = kFixed + static_cast<int>(fields_.size());
    auto key_less = [&](const Mapping& a, const Mapping& b) {
        switch (sort_col_) {
        case 0:
            return a.start < b.start;
        case 1:
            return a.size() < b.size();
        case 2:
            return a.perms < b.perms;
        case 3:
            return mapping_name(a) < mapping_name(b);
        default:
            if (sort_col_ >= n) return vmflag_text(a) < vmflag_text(b);
            const std::string& f = fields_[static_cast<size_t>(sort_col_ - kFixed)];
            return a.kb(f) < b.kb(f);
        }
    };
    std::stable_sort(order_.begin(), order_.end(), [&](size_t x, size_t y) {
        return sort_desc_ ? key_less(p.mappings[y], p.mappings[x])
                          : key_less(p.mappings[x], p.mappings[y]);
    });
}

void MappingsPanel::row(Context& ctx, const Mapping& m, const Process* before) {
    const bool light = ctx.prefs.light;
    const Mapping* old = nullptr;
    if (before)
        for (const Mapping& b : before->mappings)
            if (b.start == m.start) old = &b;
    ImGui::TableNextRow();
    if (before && (!old || old->end != m.end || old->perms != m.perms))
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, changed_bg(light));
    ImGui::TableSetColumnIndex(0);
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    char addr[24];
    std::snprintf(addr, sizeof addr, "%012llx", static_cast<unsigned long long>(m.start));
    ImGui::PushID(static_cast<int>(m.start >> 12));
    if (ImGui::Selectable(addr, ctx.sel.mapping == m.start, ImGuiSelectableFlags_SpanAllColumns)) {
        ctx.sel.mapping = m.start;
        ctx.sel.page_first = ctx.sel.page_last = -1;
    }
    ImGui::PopID();
    if (ctx.sel.mapping == m.start && scrolled_to_ != m.start) {
        ImGui::SetScrollHereY(0.5f);
        scrolled_to_ = m.start;
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s - %s", addr_text(m.start).c_str(), addr_text(m.end).c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::TextUnformatted(m.perms.c_str());
    if (ctx.mono) ImGui::PopFont();
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(human_kb(m.size() / 1024).c_str());
    ImGui::TableSetColumnIndex(3);
    const float sz = ImGui::GetTextLineHeight() * 0.6f;
    const ImVec2 c0 = ImGui::GetCursorScreenPos();
    const float pad = (ImGui::GetTextLineHeight() - sz) * 0.5f;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(c0.x, c0.y + pad),
                                              ImVec2(c0.x + sz, c0.y + pad + sz),
                                              kind_color(m.kind(), light), 2.0f);
    ImGui::Dummy(ImVec2(sz, sz));
    ImGui::SameLine();
    ImGui::TextUnformatted(base_name(mapping_name(m)).c_str());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s (%s)", mapping_name(m).c_str(),
                          std::string(to_string(m.kind())).c_str());
    for (size_t i = 0; i < fields_.size(); ++i) {
        if (!ImGui::TableSetColumnIndex(kFixed + static_cast<int>(i))) continue;
        const std::string v = field_text(m, fields_[i]);
        if (old && field_text(*old, fields_[i]) != v)
            ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, changed_bg(light));
        if (v == "0")
            ImGui::TextDisabled("0");
        else
            ImGui::TextUnformatted(v.c_str());
    }
    if (ImGui::TableSetColumnIndex(kFixed + static_cast<int>(fields_.size())))
        ImGui::TextUnformatted(vmflag_text(m).c_str());
}

void MappingsPanel::draw(Context& ctx) {
    const Process* p = selected_process(ctx);
    if (!p) {
        ImGui::TextDisabled("No lab process selected.");
        return;
    }
    // The same content (Process::version) has the same columns; unknown: every snapshot.
    const uint64_t src = p->version ? p->version : ~ctx.snap->seq;
    if (src != cols_seq_ || p->pid != cols_pid_) {
        setup_columns(*p);
        cols_seq_ = src;
        cols_pid_ = p->pid;
    }
    const int n = kFixed + static_cast<int>(fields_.size()) + 1;
    const ImGuiTableFlags flags =
        ImGuiTableFlags_Sortable | ImGuiTableFlags_Resizable | ImGuiTableFlags_Hideable |
        ImGuiTableFlags_Reorderable | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
        ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    const std::string id = "maps" + std::to_string(n);
    if (!ImGui::BeginTable(id.c_str(), n, flags)) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    for (int c = 0; c < kFixed; ++c)
        ImGui::TableSetupColumn(kFixedNames[c], c == 0 ? ImGuiTableColumnFlags_DefaultSort : 0);
    for (const std::string& f : fields_)
        ImGui::TableSetupColumn(f.c_str(), shown_by_default(f)
                                               ? ImGuiTableColumnFlags_PreferSortDescending
                                               : ImGuiTableColumnFlags_DefaultHide);
    ImGui::TableSetupColumn("VmFlags", ImGuiTableColumnFlags_NoSort);
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsCount > 0) {
        sort_col_ = specs->Specs[0].ColumnIndex;
        sort_desc_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    }
    header_row();
    sort_rows(*p);
    const Process* before = ctx.before ? ctx.before->process(p->pid) : nullptr;
    for (size_t i : order_) row(ctx, p->mappings[i], before);
    ImGui::EndTable();
}

} // namespace mml::app
