// Pages panel: classification into a texture when the snapshot changes, one shader draw for
// the whole grid, labels and index numbers only for what is visible, hover and selection.
#include "panels/pages.hpp"

#include "abi.hpp"
#include "palette.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace mml::app {

namespace {

uint64_t page_size(const Snapshot& s) {
    return s.caps.page_size ? s.caps.page_size : 4096;
}

std::string page_bits(uint64_t e) {
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!s.empty()) s += ' ';
        s += name;
    };
    add(abi::pm_present(e), "present");
    add(abi::pm_swapped(e), "swapped");
    add(abi::pm_exclusive(e), "exclusive");
    add(abi::pm_file_shared(e), "file/shared");
    add(abi::pm_soft_dirty(e), "soft-dirty");
    add(abi::pm_uffd_wp(e), "uffd-wp");
    add(abi::pm_guard(e), "guard");
    return s.empty() ? "none" : s;
}

} // namespace

void PagesPanel::refresh(const Context& ctx, const Process& p, const Mapping& m) {
    const Snapshot* before = ctx.before.get();
    const uint64_t bseq = before ? before->seq : 0;
    if (cls.src == ctx.snap && cls.src_map == &m && cls.before_seq == bseq) return;
    const uint64_t zpfn = zero.of(*ctx.snap, [&] { return zero_need.of(*ctx.snap, p, m, before); });
    if (classify_mapping(ctx.snap, p, m, before, zpfn, cls) && grid.ready())
        tex.upload(cls.texels.data(), static_cast<uint32_t>(cls.pages.size()));
}

void PagesPanel::draw_header(const Process& p, const Mapping& m) {
    if (ImGui::SmallButton("Fit")) {
        zoom = 1.0f;
        pan = ImVec2(0, 0);
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("show the whole mapping\n\nwheel: zoom   right or middle drag: pan\n"
                          "click or drag: select pages (Contents shows their bytes)");
    ImGui::SameLine();
    ImGui::Text("%s (pid %d)", p.name.c_str(), p.pid);
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    ImGui::Text("%s  %s-%s  %s  %s", mapping_label(m).c_str(), hex_addr(m.start).c_str(),
                hex_addr(m.end).c_str(), m.perms.c_str(), human_size(m.size()).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%llu pages", static_cast<unsigned long long>(m.pages.size()));
}

// Picks the columns (a power of two, so rows start at aligned offsets) that give the largest
// cells when the whole mapping fits in the area; then applies zoom and pan.
PagesPanel::Geom PagesPanel::layout(ImVec2 a, ImVec2 b, uint64_t n) const {
    Geom g;
    g.area_min = a;
    g.area_max = b;
    const float w = std::max(b.x - a.x, 1.0f), h = std::max(b.y - a.y, 1.0f);
    const float cap = ImGui::GetFontSize() * 3.0f;
    float best = -1;
    for (int cols = 1; cols <= 4096; cols *= 2) {
        const uint64_t rows = (n + static_cast<uint64_t>(cols) - 1) / static_cast<uint64_t>(cols);
        const float s = std::min({w / static_cast<float>(cols), h / static_cast<float>(rows), cap});
        if (s >= best - 0.01f) {
            best = s;
            g.cols = cols;
        }
        if (static_cast<uint64_t>(cols) >= n) break;
    }
    g.cell = std::max(best, 0.25f) * zoom;
    g.rows = static_cast<int64_t>((n + static_cast<uint64_t>(g.cols) - 1) /
                                  static_cast<uint64_t>(g.cols));
    g.origin = ImVec2(a.x + pan.x, a.y + pan.y);
    return g;
}

void PagesPanel::handle_input(Context& ctx, const Geom& g, uint64_t n) {
    ImGuiIO& io = ImGui::GetIO();
    const ImVec2 size(g.area_max.x - g.area_min.x, g.area_max.y - g.area_min.y);
    ImGui::SetCursorScreenPos(g.area_min);
    ImGui::InvisibleButton("##grid", size,
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                               ImGuiButtonFlags_MouseButtonMiddle);
    const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
    hover = -1;
    const ImVec2 mp = io.MousePos;
    const float fx = (mp.x - g.origin.x) / g.cell, fy = (mp.y - g.origin.y) / g.cell;
    if (hovered && fx >= 0 && fy >= 0 && fx < static_cast<float>(g.cols)) {
        const int64_t idx = static_cast<int64_t>(fy) * g.cols + static_cast<int64_t>(fx);
        if (static_cast<uint64_t>(idx) < n) hover = idx;
    }
    if (hovered && io.MouseWheel != 0.0f) {
        const float nz = std::clamp(zoom * std::pow(1.2f, io.MouseWheel), 0.5f, 4096.0f);
        const float k = nz / zoom;
        pan.x = mp.x - g.area_min.x - (mp.x - g.origin.x) * k;
        pan.y = mp.y - g.area_min.y - (mp.y - g.origin.y) * k;
        zoom = nz;
    }
    if (active && (ImGui::IsMouseDown(ImGuiMouseButton_Right) ||
                   ImGui::IsMouseDown(ImGuiMouseButton_Middle))) {
        pan.x += io.MouseDelta.x;
        pan.y += io.MouseDelta.y;
    }
    if (ImGui::IsItemActivated() && ImGui::IsMouseClicked(ImGuiMouseButton_Left) && hover >= 0) {
        selecting = true;
        if (io.KeyShift && ctx.sel.page_first >= 0) {
            anchor = ctx.sel.page_first;
        } else {
            anchor = hover;
        }
    }
    if (selecting && hover >= 0) {
        ctx.sel.page_first = std::min(anchor, hover);
        ctx.sel.page_last = std::max(anchor, hover);
    }
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) selecting = false;
}

void PagesPanel::draw_labels(Context& ctx, const Geom& g, const Mapping& m, uint64_t n,
                             bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize();
    ImFont* font = ctx.mono ? ctx.mono : ImGui::GetFont();
    const ImU32 muted = muted_text(light);
    const uint64_t ps = page_size(*ctx.snap);
    // Row labels (offset in the mapping) in the gutter left of the area.
    const int64_t r0 =
        std::max<int64_t>(0, static_cast<int64_t>((g.area_min.y - g.origin.y) / g.cell));
    const int64_t r1 =
        std::min<int64_t>(g.rows - 1, static_cast<int64_t>((g.area_max.y - g.origin.y) / g.cell));
    int64_t every = 1;
    while (static_cast<float>(every) * g.cell < fs * 1.3f) every *= 2;
    const float gutter_x = g.area_min.x - fs * 0.4f;
    dl->PushClipRect(ImVec2(g.area_min.x - fs * 8, g.area_min.y - fs * 0.2f),
                     ImVec2(g.area_min.x, g.area_max.y + fs * 0.2f), true);
    for (int64_t r = (r0 / every) * every; r <= r1; r += every) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "+0x%llx",
                      static_cast<unsigned long long>(static_cast<uint64_t>(r) * g.cols * ps));
        const ImVec2 ts = font->CalcTextSizeA(fs * 0.85f, FLT_MAX, 0, buf);
        const float y = g.origin.y + (static_cast<float>(r) + 0.5f) * g.cell - ts.y * 0.5f;
        dl->AddText(font, fs * 0.85f, ImVec2(gutter_x - ts.x, y), muted, buf);
    }
    dl->PopClipRect();
    // Page numbers inside cells, when cells are large enough to hold them.
    if (g.cell < fs * 1.6f) return;
    dl->PushClipRect(g.area_min, g.area_max, true);
    const float nfs = std::min(fs * 0.8f, g.cell * 0.34f);
    const int64_t c0 =
        std::max<int64_t>(0, static_cast<int64_t>((g.area_min.x - g.origin.x) / g.cell));
    const int64_t c1 =
        std::min<int64_t>(g.cols - 1, static_cast<int64_t>((g.area_max.x - g.origin.x) / g.cell));
    for (int64_t r = r0; r <= r1; ++r)
        for (int64_t c = c0; c <= c1; ++c) {
            const uint64_t idx = static_cast<uint64_t>(r * g.cols + c);
            if (idx >= n) break;
            const PageState st = static_cast<PageState>(cls.texels[2 * idx]);
            const ImU32 col = st == PageState::NotPresent || st == PageState::Swapped
                                  ? muted
                                  : contrast_text(page_color(st, light));
            char buf[24];
            std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(idx));
            const ImVec2 p(g.origin.x + static_cast<float>(c) * g.cell + g.cell * 0.16f,
                           g.origin.y + static_cast<float>(r) * g.cell + g.cell * 0.12f);
            dl->AddText(font, nfs, p, col, buf);
        }
    dl->PopClipRect();
    (void)m;
}

void PagesPanel::draw_tooltip(const Context& ctx, const Process& p, const Mapping& m, int64_t idx) {
    const size_t i = static_cast<size_t>(idx);
    const PageClass& c = cls.pages[i];
    const PageState st = page_state(c);
    const uint64_t addr = m.start + static_cast<uint64_t>(idx) * page_size(*ctx.snap);
    ImGui::BeginTooltip();
    ImGui::Text("page %lld of %zu   %s", static_cast<long long>(idx), cls.pages.size(),
                hex_addr(addr).c_str());
    ImGui::Text("%s [%s]", to_string(st), page_glyph(st));
    ImGui::TextDisabled("%s", explain(c).c_str());
    if (c.base == PageBase::Present || c.base == PageBase::ZeroPage) {
        if (!p.pfn_known)
            ImGui::Text("PFN: unavailable: needs CAP_SYS_ADMIN (run as root)");
        else
            ImGui::Text("PFN: %s", hex_addr(c.pfn).c_str());
        if (c.kpage_read) {
            ImGui::Text("mapcount: %u", c.mapcount);
            ImGui::Text("flags: %s", abi::kpageflags_to_string(m.pages[i].kflags).c_str());
        } else if (!p.kpage_known) {
            ImGui::Text("mapcount, flags: unavailable: need CAP_SYS_ADMIN");
        } else {
            ImGui::Text("mapcount, flags: not read (the exclusive bit already answers)");
        }
    }
    ImGui::Text("pagemap: %s", page_bits(m.pages[i].entry).c_str());
    if (cls.changed[i]) ImGui::TextColored(ImVec4(1, 0.75f, 0.2f, 1), "changed by the last action");
    ImGui::EndTooltip();
}

void PagesPanel::draw(Context& ctx) {
    const Target t = selected_target(ctx);
    if (!t.proc) {
        ImGui::TextWrapped("No lab process selected. Start one in Processes.");
        return;
    }
    if (!t.map) {
        ImGui::TextWrapped("Select a mapping (Address space or Mappings) to see its pages. "
                           "Try: char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, "
                           "MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);");
        return;
    }
    const Process& p = *t.proc;
    const Mapping& m = *t.map;
    draw_header(p, m);
    if (m.pages.empty()) {
        ImGui::TextWrapped("Pages of this mapping were not sampled (%llu pages is above the "
                           "sampler's limit). Its smaps totals are in Mappings.",
                           static_cast<unsigned long long>(m.page_count(page_size(*ctx.snap))));
        return;
    }
    if (view_map != m.start || view_pid != p.pid) {
        view_map = m.start;
        view_pid = p.pid;
        zoom = 1.0f;
        pan = ImVec2(0, 0);
    }
    refresh(ctx, p, m);
    const bool light = ctx.prefs.light;
    const render::GridStyle style = grid_style(light);
    if (!grid.ready()) {
        ImGui::TextWrapped("%s", grid.error().c_str());
        return;
    }
    const uint64_t n = cls.pages.size();
    const float fs = ImGui::GetFontSize();
    const float avail_w = ImGui::GetContentRegionAvail().x;
    const float legend_h = legend.height(cls.counts, cls.changed_count, avail_w);
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float gutter = ImGui::CalcTextSize("+0x00000000").x * 0.85f + fs * 0.6f;
    const ImVec2 a(top.x + gutter, top.y + fs * 0.3f);
    const ImVec2 b(top.x + avail_w, top.y + ImGui::GetContentRegionAvail().y - legend_h -
                                        ImGui::GetStyle().ItemSpacing.y * 2);
    if (b.y - a.y < fs * 2) return;
    const Geom g = layout(a, b, n);
    handle_input(ctx, g, n);
    render::GridDraw d;
    d.rect_min = a;
    d.rect_max = b;
    d.origin = g.origin;
    d.cell = ImVec2(g.cell, g.cell);
    d.cols = g.cols;
    d.count = static_cast<uint32_t>(std::min<uint64_t>(n, render::StateTexture::kMaxTexels));
    d.sel_first = ctx.sel.page_first;
    d.sel_last = ctx.sel.page_last >= 0 ? ctx.sel.page_last : ctx.sel.page_first;
    d.hover = hover;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(a, b, true);
    grid.add(dl, tex, d, style);
    dl->PopClipRect();
    draw_labels(ctx, g, m, n, light);
    report_rect(ctx, "pages.grid", a, b);
    if (ctx.layout)
        for (uint64_t i = 0; i < std::min<uint64_t>(n, 256); ++i) {
            const float x =
                g.origin.x + static_cast<float>(i % static_cast<uint64_t>(g.cols)) * g.cell;
            const float y =
                g.origin.y + static_cast<float>(i / static_cast<uint64_t>(g.cols)) * g.cell;
            report_rect(ctx, "pages.cell." + std::to_string(i), ImVec2(x, y),
                        ImVec2(x + g.cell, y + g.cell));
        }
    if (hover >= 0 && !ImGui::IsMouseDown(ImGuiMouseButton_Right)) draw_tooltip(ctx, p, m, hover);
    ImGui::SetCursorScreenPos(ImVec2(top.x, b.y + ImGui::GetStyle().ItemSpacing.y * 2));
    legend.draw(grid, style, cls.counts, cls.changed_count, avail_w);
}

} // namespace mml::app
