// Contents panel: rows of hex + ASCII for memory and file side by side (ImGuiListClipper),
// a header row per page with its presence and how many bytes differ from the file.
#include "panels/contents.hpp"

#include "palette.hpp"
#include "panels/view_util.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace mml::app {

namespace {

uint64_t page_size(const Snapshot& s) {
    return s.caps.page_size ? s.caps.page_size : 4096;
}

char printable(uint8_t b) {
    return b >= 32 && b < 127 ? static_cast<char>(b) : '.';
}

} // namespace

void ContentsPanel::build(const Contents& c, uint64_t seq, int bpr) {
    rows.clear();
    page_diffs.assign(c.page_present.size(), 0);
    const uint64_t ps = 4096, first_page_addr = c.addr / ps * ps;
    for (uint32_t pg = 0; pg < c.page_present.size(); ++pg) {
        const uint64_t pa = std::max(c.addr, first_page_addr + pg * ps);
        const uint64_t pb = std::min(c.addr + c.len, first_page_addr + (pg + 1) * ps);
        rows.push_back({Row::Kind::PageHead, pg, pa - c.addr});
        if (!c.page_present[pg]) {
            rows.push_back({Row::Kind::Absent, pg, pa - c.addr});
            continue;
        }
        if (c.has_file)
            for (uint64_t o = pa - c.addr; o < pb - c.addr; ++o)
                page_diffs[pg] += c.mem[o] != c.file[o];
        for (uint64_t o = pa - c.addr; o < pb - c.addr; o += static_cast<uint64_t>(bpr))
            rows.push_back({Row::Kind::Data, pg, o});
    }
    built_seq = seq;
    built_bpr = bpr;
}

void ContentsPanel::draw_row(const Contents& c, const Row& r, ImFont* mono, bool light) const {
    const uint64_t addr = c.addr + r.off;
    if (r.kind == Row::Kind::PageHead) {
        const uint32_t d = page_diffs[r.page];
        ImGui::Text("page at %s", hex_addr(addr).c_str());
        ImGui::SameLine();
        if (!c.page_present[r.page])
            ImGui::TextDisabled("not present");
        else if (!c.has_file)
            ImGui::TextDisabled("present");
        else if (d == 0)
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ok_text(light)), "same as the file");
        else
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(error_text(light)),
                               "%u bytes differ from the file", d);
        return;
    }
    if (r.kind == Row::Kind::Absent) {
        ImGui::TextDisabled("   not present - reading it would fault it in, so it is not read");
        return;
    }
    const int n =
        static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(bytes_per_row), c.len - r.off));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 diff_bg = changed_bg(light) | 0xA0000000, muted = muted_text(light);
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const float cw = mono->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, 0, "0").x;
    const float fs = ImGui::GetFontSize();
    ImVec2 p = ImGui::GetCursorScreenPos();
    char buf[24];
    std::snprintf(buf, sizeof buf, "%05llx", static_cast<unsigned long long>(r.off));
    dl->AddText(mono, fs, p, muted, buf);
    const int sides = c.has_file ? 2 : 1;
    const float side_w =
        cw * (3.0f * static_cast<float>(bytes_per_row) + 1.5f + static_cast<float>(bytes_per_row)) +
        cw * 2;
    for (int s = 0; s < sides; ++s) {
        const std::vector<uint8_t>& bytes = s == 0 ? c.mem : c.file;
        const float x0 = p.x + cw * 7 + static_cast<float>(s) * side_w;
        const float ax = x0 + cw * (3.0f * static_cast<float>(bytes_per_row) + 1.0f);
        for (int i = 0; i < n; ++i) {
            const uint64_t o = r.off + static_cast<uint64_t>(i);
            const bool differs = c.has_file && c.mem[o] != c.file[o];
            const float hx = x0 + cw * 3.0f * static_cast<float>(i);
            if (differs) {
                dl->AddRectFilled(ImVec2(hx - 1, p.y), ImVec2(hx + cw * 2 + 1, p.y + fs), diff_bg,
                                  2);
                dl->AddRectFilled(ImVec2(ax + cw * static_cast<float>(i), p.y),
                                  ImVec2(ax + cw * static_cast<float>(i + 1), p.y + fs), diff_bg);
            }
            std::snprintf(buf, sizeof buf, "%02x", bytes[o]);
            dl->AddText(mono, fs, ImVec2(hx, p.y), bytes[o] ? text : muted, buf);
            const char ch[2] = {printable(bytes[o]), 0};
            dl->AddText(mono, fs, ImVec2(ax + cw * static_cast<float>(i), p.y), text, ch);
        }
    }
    ImGui::Dummy(ImVec2(cw * 7 + side_w * static_cast<float>(sides), fs));
}

void ContentsPanel::draw(Context& ctx) {
    const Target t = selected_target(ctx);
    if (!t.proc || !t.map) {
        ImGui::TextWrapped(
            "Select a mapping and pages (click or drag in Pages) to see their bytes.");
        return;
    }
    const bool light = ctx.prefs.light;
    const Process& p = *t.proc;
    if (!p.contents) {
        ImGui::TextWrapped("No watched range for %s (pid %d) yet: select pages in Pages; the "
                           "sampler reads their bytes without faulting anything in.",
                           p.name.c_str(), p.pid);
        return;
    }
    const Contents& c = *p.contents;
    ImFont* mono = ctx.mono ? ctx.mono : ImGui::GetFont();
    const float cw = mono->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, 0, "0").x;
    const float avail = ImGui::GetContentRegionAvail().x;
    const int sides = c.has_file ? 2 : 1;
    bytes_per_row = 16;
    while (bytes_per_row > 4 && cw * (7 + static_cast<float>(sides) *
                                              (4.0f * static_cast<float>(bytes_per_row) + 3.5f)) >
                                    avail)
        bytes_per_row /= 2;
    if (built_seq != ctx.snap->seq || built_bpr != bytes_per_row)
        build(c, ctx.snap->seq, bytes_per_row);
    ImGui::Text("%s (pid %d)  %s  %s", p.name.c_str(), p.pid, hex_addr(c.addr).c_str(),
                human_size(c.len).c_str());
    const Mapping* m = p.mapping_at(c.addr);
    ImGui::SameLine();
    ImGui::TextDisabled("memory%s",
                        c.has_file && m ? ("  |  file " + mapping_label(*m)).c_str() : "");
    if (!c.note.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetColorU32(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("%s", c.note.c_str());
        ImGui::PopStyleColor();
    }
    (void)page_size;
    ImGui::BeginChild("##bytes", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(rows.size()));
    while (clip.Step())
        for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i)
            draw_row(c, rows[static_cast<size_t>(i)], mono, light);
    ImGui::EndChild();
    report_rect(ctx, "contents.bytes", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
}

} // namespace mml::app
