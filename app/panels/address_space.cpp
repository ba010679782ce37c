// Address space panel: a wrapping ribbon of mapping blocks (log-scaled widths) with gap breaks,
// kind legend, permission badges, changed highlight, smaps tooltip and click-to-select.
#include "panels/address_space.hpp"

#include "abi.hpp"
#include "palette.hpp"
#include "panels/view_util.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace mml::app {

namespace {

constexpr MappingKind kKinds[] = {MappingKind::File, MappingKind::Library, MappingKind::Anonymous,
                                  MappingKind::Heap, MappingKind::Stack,   MappingKind::SharedAnon,
                                  MappingKind::Shm,  MappingKind::Vdso};

const char* kind_label(MappingKind k) {
    switch (k) {
    case MappingKind::File:
        return "file";
    case MappingKind::Library:
        return "library";
    case MappingKind::Anonymous:
        return "anonymous";
    case MappingKind::Heap:
        return "heap";
    case MappingKind::Stack:
        return "stack";
    case MappingKind::SharedAnon:
        return "shared anon";
    case MappingKind::Shm:
        return "POSIX shm";
    case MappingKind::Vdso:
        return "vdso/vvar";
    case MappingKind::Other:
        return "other";
    }
    return "?";
}

// A gap this large gets a labelled break; smaller ones a thin spacer.
constexpr uint64_t kLabelledGap = uint64_t{1} << 20;

bool mapping_changed(const Mapping& m, const Process* before) {
    if (!before) return false;
    const Mapping* b = before->mapping_at(m.start);
    if (!b || b->start != m.start || b->end != m.end || b->perms != m.perms) return true;
    return b->kb("Rss") != m.kb("Rss") || b->kb("Private_Dirty") != m.kb("Private_Dirty");
}

std::string fit_text(const std::string& s, float width) {
    if (ImGui::CalcTextSize(s.c_str()).x <= width) return s;
    std::string t = s;
    while (!t.empty() && ImGui::CalcTextSize((t + "..").c_str()).x > width) t.pop_back();
    return t.empty() ? "" : t + "..";
}

} // namespace

void AddressSpacePanel::draw_legend(bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize();
    for (MappingKind k : kKinds) {
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const float w = fs * 0.9f + ImGui::CalcTextSize(kind_label(k)).x + fs * 0.4f;
        if (p.x + w > ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x)
            ImGui::NewLine();
        const ImVec2 q = ImGui::GetCursorScreenPos();
        dl->AddRectFilled(ImVec2(q.x, q.y + fs * 0.15f), ImVec2(q.x + fs * 0.7f, q.y + fs * 0.85f),
                          kind_color(k, light), fs * 0.15f);
        ImGui::Dummy(ImVec2(fs * 0.7f, fs));
        ImGui::SameLine(0, fs * 0.25f);
        ImGui::TextUnformatted(kind_label(k));
        ImGui::SameLine(0, fs * 0.9f);
    }
    ImGui::NewLine();
}

float AddressSpacePanel::block_width(uint64_t bytes) const {
    const float fs = ImGui::GetFontSize();
    const double pages = std::max<double>(1.0, static_cast<double>(bytes) / 4096.0);
    return std::clamp(fs * 3.2f + fs * 0.75f * static_cast<float>(std::log2(pages)), fs * 3.2f,
                      fs * 14.0f);
}

void AddressSpacePanel::tooltip(const Mapping& m) const {
    ImGui::BeginTooltip();
    ImGui::Text("%s", m.path.empty() ? "[anonymous]" : m.path.c_str());
    ImGui::Text("%s-%s  %s  %s", hex_addr(m.start).c_str(), hex_addr(m.end).c_str(),
                m.perms.c_str(), human_size(m.size()).c_str());
    ImGui::TextDisabled("%s, offset %s, dev %s, inode %llu", kind_label(m.kind()),
                        hex_addr(m.offset).c_str(), m.dev.c_str(),
                        static_cast<unsigned long long>(m.inode));
    for (const char* f : {"Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean",
                          "Shared_Dirty", "Anonymous", "Swap", "Locked"})
        if (m.field(f)) ImGui::Text("%-14s %llu kB", f, static_cast<unsigned long long>(m.kb(f)));
    std::string words;
    for (const std::string& code : m.vmflags) {
        const auto w = abi::vmflag_words(code);
        words += (words.empty() ? "" : ", ") + (w ? std::string(*w) : code);
    }
    if (!words.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextWrapped("VmFlags: %s", words.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::EndTooltip();
}

void AddressSpacePanel::draw_block(Context& ctx, const Mapping& m, ImVec2 a, ImVec2 b, bool changed,
                                   bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize(), r = fs * 0.3f;
    const ImU32 fill = kind_color(m.kind(), light), ink = contrast_text(fill);
    const bool selected = ctx.sel.mapping == m.start;
    dl->AddRectFilled(a, b, fill, r);
    if (changed) dl->AddRect(a, b, changed_bg(light) | IM_COL32_A_MASK, r, 0, 3.0f);
    if (selected) {
        const ImU32 sel = light ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
        dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), sel, r, 0, 3.0f);
    }
    const float pad = fs * 0.3f;
    const std::string name = fit_text(mapping_label(m), b.x - a.x - 2 * pad);
    dl->AddText(ImVec2(a.x + pad, a.y + pad * 0.6f), ink, name.c_str());
    // Permission badges: r w x and p/s, each a small chip; '-' dimmed.
    const float cw = fs * 0.72f, ch = fs * 0.95f, y = b.y - ch - pad * 0.6f;
    for (size_t i = 0; i < 4 && i < m.perms.size(); ++i) {
        const float x = a.x + pad + static_cast<float>(i) * (cw + 2);
        if (x + cw > b.x - pad) break;
        const char c = m.perms[i];
        const bool on = c != '-';
        dl->AddRectFilled(ImVec2(x, y), ImVec2(x + cw, y + ch),
                          on ? (ink & 0x00FFFFFF) | 0x40000000 : 0, fs * 0.15f);
        const char s[2] = {c, 0};
        const float tw = ImGui::CalcTextSize(s).x;
        dl->AddText(ImVec2(x + (cw - tw) * 0.5f, y), on ? ink : (ink & 0x00FFFFFF) | 0x70000000, s);
    }
    ImGui::SetCursorScreenPos(a);
    ImGui::PushID(reinterpret_cast<void*>(static_cast<uintptr_t>(m.start)));
    if (ImGui::InvisibleButton("##map", ImVec2(b.x - a.x, b.y - a.y))) {
        ctx.sel.mapping = m.start;
        ctx.sel.page_first = ctx.sel.page_last = -1;
    }
    ImGui::PopID();
    if (ImGui::IsItemHovered()) tooltip(m);
    report_rect(ctx, "address_space.map." + hex_addr(m.start), a, b);
}

void AddressSpacePanel::draw_gap(uint64_t bytes, ImVec2 a, ImVec2 b, bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 col = muted_text(light);
    const float my = (a.y + b.y) * 0.5f;
    if (bytes >= kLabelledGap) {
        const std::string t = human_size(bytes);
        const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
        dl->AddText(ImVec2((a.x + b.x - ts.x) * 0.5f, my - ts.y), col, t.c_str());
        const ImVec2 us = ImGui::CalcTextSize("unmapped");
        dl->AddText(ImVec2((a.x + b.x - us.x) * 0.5f, my), col, "unmapped");
    }
    for (float x = a.x + 2; x < b.x - 2; x += 6)
        dl->AddLine(ImVec2(x, b.y - 3), ImVec2(std::min(x + 3, b.x - 2), b.y - 3), col, 1.5f);
    if (ImGui::IsMouseHoveringRect(a, b))
        ImGui::SetTooltip("%s unmapped (%llu bytes)", human_size(bytes).c_str(),
                          static_cast<unsigned long long>(bytes));
}

void AddressSpacePanel::draw(Context& ctx) {
    const Process* p = ctx.snap ? ctx.snap->process(ctx.sel.pid) : nullptr;
    if (!p) {
        ImGui::TextWrapped("No lab process selected.");
        return;
    }
    const bool light = ctx.prefs.light;
    ImGui::Text("%s (pid %d)", p->name.c_str(), p->pid);
    ImGui::SameLine();
    ImGui::TextDisabled("%zu mappings, low addresses first", p->mappings.size());
    draw_legend(light);
    ImGui::BeginChild("##ribbon", ImVec2(0, 0), false);
    const Process* before = ctx.before ? ctx.before->process(p->pid) : nullptr;
    const float fs = ImGui::GetFontSize(), h = fs * 2.7f, gap_y = fs * 0.8f;
    const float x0 = ImGui::GetCursorScreenPos().x, right = x0 + ImGui::GetContentRegionAvail().x;
    float x = x0, y = ImGui::GetCursorScreenPos().y;
    uint64_t prev_end = 0;
    for (const Mapping& m : p->mappings) {
        if (prev_end && m.start > prev_end) {
            const uint64_t gap = m.start - prev_end;
            const float gw = gap >= kLabelledGap
                                 ? ImGui::CalcTextSize(human_size(gap).c_str()).x + fs * 1.2f
                                 : fs * 0.5f;
            if (x + gw > right && x > x0) {
                x = x0;
                y += h + gap_y;
            }
            draw_gap(gap, ImVec2(x, y), ImVec2(x + gw, y + h), light);
            x += gw + fs * 0.2f;
        }
        const float w = std::min(block_width(m.size()), right - x0);
        if (x + w > right && x > x0) {
            x = x0;
            y += h + gap_y;
        }
        draw_block(ctx, m, ImVec2(x, y), ImVec2(x + w, y + h), mapping_changed(m, before), light);
        if (ctx.sel.mapping == m.start && scrolled_to != m.start) {
            ImGui::SetScrollHereY(0.5f);
            scrolled_to = m.start;
        }
        x += w + fs * 0.2f;
        prev_end = m.end;
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, y + h + gap_y));
    ImGui::Dummy(ImVec2(1, 1));
    ImGui::EndChild();
}

} // namespace mml::app
