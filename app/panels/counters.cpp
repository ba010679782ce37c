// The Counters panel: values from /proc/PID/status, smaps totals and /proc/PID/stat, as the
// Sampler saw them; the graphs run over the Sampler's snapshot history.
#include "panels/counters.hpp"

#include "palette.hpp"
#include "panels/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace mml::app {

namespace {

// One name/value pair of the 4-column table (two pairs per row).
void value_row(const char* name, const std::string& value, const char* tip, bool changed,
               bool light) {
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tip);
    ImGui::TableNextColumn();
    if (changed) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, changed_bg(light));
    ImGui::TextUnformatted(value.c_str());
}

uint64_t uss_kb(const Process& p) {
    return p.rollup_kb("Private_Clean") + p.rollup_kb("Private_Dirty");
}

} // namespace

void CountersPanel::graphs(Context& ctx, int pid) {
    rss_.clear();
    minflt_.clear();
    if (ctx.history)
        for (const SnapshotPtr& s : *ctx.history)
            if (const Process* p = s ? s->process(pid) : nullptr) {
                rss_.push_back(static_cast<float>(p->status_kb("VmRSS")));
                minflt_.push_back(static_cast<float>(p->minflt));
            }
    if (rss_.size() < 2) {
        ImGui::TextDisabled("Graphs appear after a few snapshots.");
        return;
    }
    // Side by side when the panel is wide, one above the other when it is tall.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float sp = ImGui::GetStyle().ItemSpacing.x;
    const bool wide = avail.x > avail.y * 2.0f;
    const float w = wide ? (avail.x - sp) * 0.5f : avail.x;
    const float h =
        std::max(wide ? avail.y : (avail.y - sp) * 0.5f, ImGui::GetTextLineHeight() * 2.5f);
    const float hi = *std::max_element(rss_.begin(), rss_.end());
    ImGui::PlotLines("##rss", rss_.data(), static_cast<int>(rss_.size()), 0, "RSS", 0.0f,
                     hi * 1.15f + 1.0f, ImVec2(w, h));
    if (wide) ImGui::SameLine();
    const float lo = minflt_.front(), top = minflt_.back();
    ImGui::PlotLines("##minflt", minflt_.data(), static_cast<int>(minflt_.size()), 0,
                     "minor faults", lo, top + std::max(1.0f, (top - lo) * 0.15f), ImVec2(w, h));
}

void CountersPanel::draw(Context& ctx) {
    const Process* p = selected_process(ctx);
    if (!p) {
        ImGui::TextDisabled("No lab process selected.");
        return;
    }
    const bool light = ctx.prefs.light;
    const Process* b = ctx.before ? ctx.before->process(p->pid) : nullptr;
    ImGui::Text("%s", p->name.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("pid %d", p->pid);
    const int cols = ImGui::GetContentRegionAvail().x > ImGui::GetFontSize() * 26 ? 4 : 2;
    if (ImGui::BeginTable("values", cols,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp |
                              ImGuiTableFlags_BordersInnerV)) {
        auto kb_row = [&](const char* name, uint64_t now, uint64_t was, const char* tip) {
            value_row(name, human_kb(now), tip, b && now != was, light);
        };
        kb_row("RSS", p->status_kb("VmRSS"), b ? b->status_kb("VmRSS") : 0,
               "Resident set size: memory of this process now in RAM (VmRSS).");
        kb_row("PSS", p->rollup_kb("Pss"), b ? b->rollup_kb("Pss") : 0,
               "Proportional set size: each page divided by how many processes map it.");
        kb_row(
            "USS", uss_kb(*p), b ? uss_kb(*b) : 0,
            "Unique set size: pages mapped only by this process (Private_Clean + Private_Dirty).");
        kb_row("RssAnon", p->status_kb("RssAnon"), b ? b->status_kb("RssAnon") : 0,
               "Resident anonymous memory (heap, stack, MAP_ANONYMOUS private).");
        kb_row("RssFile", p->status_kb("RssFile"), b ? b->status_kb("RssFile") : 0,
               "Resident file-backed memory (page cache pages mapped here).");
        kb_row("RssShmem", p->status_kb("RssShmem"), b ? b->status_kb("RssShmem") : 0,
               "Resident shared memory (shm_open, MAP_SHARED|MAP_ANONYMOUS, tmpfs).");
        value_row("minor flt", std::to_string(p->minflt),
                  "Page faults served without I/O (/proc/PID/stat minflt).",
                  b && b->minflt != p->minflt, light);
        value_row("major flt", std::to_string(p->majflt),
                  "Page faults that needed I/O (/proc/PID/stat majflt).",
                  b && b->majflt != p->majflt, light);
        ImGui::EndTable();
    }
    graphs(ctx, p->pid);
}

} // namespace mml::app
