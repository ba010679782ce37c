// Frames panel drawing: column titles, virtual page cells (grid shader), frame boxes, curves
// from pages to frames, the story of the last action, hover details, window scrolling.
#include "panels/frames.hpp"

#include "palette.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>

namespace mml::app {

namespace {

constexpr int kMaxRows = 64;

// Where a frame's mapcount came from, for a student.
const char* count_source_text(Page::CountSource s) {
    switch (s) {
    case Page::CountSource::Counted:
        return "counted from the lab processes' page tables, checked against /proc/kpagecount";
    case Page::CountSource::Proven:
        return "proven by the mapping's Pss in smaps: every page of it that is not exclusive is "
               "mapped exactly twice";
    case Page::CountSource::ExclusiveBit:
        return "the pagemap exclusive bit: mapped once";
    case Page::CountSource::Read:
        break;
    }
    return "/proc/kpagecount";
}

ImU32 with_alpha(ImU32 c, float a) {
    const unsigned al = static_cast<unsigned>(std::clamp(a, 0.0f, 1.0f) * 255.0f);
    return (c & ~IM_COL32_A_MASK) | (al << IM_COL32_A_SHIFT);
}

ImU32 accent(bool light) {
    return light ? IM_COL32(20, 20, 20, 255) : IM_COL32(255, 255, 255, 255);
}

struct RowLabel {
    std::string page, addr;
};

// Style 0: "virtual page 3" + full address; 1: + "0x7f..3000"; 2: "page 3" + short; 3: "page 3".
RowLabel row_label(int style, uint64_t page, uint64_t addr) {
    RowLabel l;
    l.page = (style <= 1 ? "virtual page " : "page ") + std::to_string(page);
    char b[32];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(addr));
    const std::string h = b;
    if (style == 0 || h.size() <= 8)
        l.addr = style == 3 ? "" : "0x" + h;
    else if (style < 3)
        l.addr = "0x" + h.substr(0, 2) + ".." + h.substr(h.size() - 4);
    return l;
}

float text_width(ImFont* f, float size, const std::string& s) {
    return s.empty() ? 0.0f : f->CalcTextSizeA(size, FLT_MAX, 0, s.c_str()).x;
}

std::string pfn_text(uint64_t pfn) {
    char b[32];
    std::snprintf(b, sizeof b, "PFN 0x%llx", static_cast<unsigned long long>(pfn));
    return b;
}

} // namespace

void FramesPanel::rebuild(const Context& ctx, const std::vector<int>& pids, uint64_t base,
                          int rows) {
    const uint64_t bseq = ctx.before ? ctx.before->seq : 0;
    const uint64_t zpfn = zero.of(*ctx.snap, [&] {
        return window_needs_zero_pfn(*ctx.snap, ctx.before.get(), pids, base, first, rows);
    });
    std::vector<uint64_t> src = source_versions(*ctx.snap, pids, ctx.sel.pid);
    if (built_src == src && built_zero == zpfn && built_before == bseq && built_base == base &&
        built_first == first && built_rows == rows && built_pid == ctx.sel.pid &&
        built_order == order_by_pfn && built_pids == pids)
        return;
    build_frames(*ctx.snap, ctx.before.get(), pids, ctx.sel.pid, base, first, rows, order_by_pfn,
                 zpfn, model);
    built_src = std::move(src);
    built_zero = zpfn;
    built_before = bseq;
    built_base = base;
    built_first = first;
    built_rows = rows;
    built_pid = ctx.sel.pid;
    built_order = order_by_pfn;
    built_pids = pids;
    upload();
}

void FramesPanel::upload() {
    std::vector<uint8_t> t;
    for (const FrameColumn& c : model.cols)
        for (size_t r = 0; r < c.rows.size(); ++r) {
            t.push_back(static_cast<uint8_t>(page_state(c.rows[r])));
            t.push_back(
                static_cast<uint8_t>(page_marks(c.rows[r]) | (c.moved[r] ? kMarkChanged : 0)));
        }
    for (const PhysFrame& f : model.frames) {
        t.push_back(static_cast<uint8_t>(f.state));
        t.push_back(f.is_new ? kMarkChanged : 0);
    }
    if (!t.empty() && grid.ready()) tex.upload(t.data(), static_cast<uint32_t>(t.size() / 2));
}

void FramesPanel::draw_header(Context& ctx, const Process& p, const Mapping& m, int rows) {
    ImGui::Text("%s  %s", mapping_label(m).c_str(), human_size(m.size()).c_str());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s-%s %s", hex_addr(m.start).c_str(), hex_addr(m.end).c_str(),
                          m.perms.c_str());
    ImGui::SameLine(0, ImGui::GetFontSize());
    ImGui::TextDisabled("frames by");
    ImGui::SameLine();
    if (ImGui::RadioButton("first use", !order_by_pfn)) order_by_pfn = false;
    ImGui::SameLine();
    if (ImGui::RadioButton("PFN", order_by_pfn)) order_by_pfn = true;
    const uint64_t pages = m.page_count(ctx.snap->caps.page_size ? ctx.snap->caps.page_size : 4096);
    if (pages > static_cast<uint64_t>(rows)) {
        const uint64_t max_first = pages - static_cast<uint64_t>(rows);
        uint64_t v = first, lo = 0;
        ImGui::SameLine(0, ImGui::GetFontSize());
        if (ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 10) ImGui::NewLine();
        ImGui::SetNextItemWidth(-FLT_MIN);
        char fmt[64];
        std::snprintf(fmt, sizeof fmt, "pages %%llu-%llu of %llu",
                      static_cast<unsigned long long>(first + static_cast<uint64_t>(rows) - 1),
                      static_cast<unsigned long long>(pages));
        if (ImGui::SliderScalar("##window", ImGuiDataType_U64, &v, &lo, &max_first, fmt))
            first = std::min(v, max_first);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("the window of pages shown (mouse wheel over the picture scrolls)");
    }
    (void)p;
}

FramesPanel::Geom FramesPanel::layout(ImVec2 a, ImVec2 b) const {
    Geom g;
    const float fs = ImGui::GetFontSize(), W = b.x - a.x, H = b.y - a.y;
    const int rows = std::max(model.rows, 1);
    g.top = a.y;
    g.row_h = std::min(H / static_cast<float>(rows), fs * 2.6f);
    g.cell = g.row_h;
    const int nf = std::max<int>(static_cast<int>(model.frames.size()), 1);
    g.frame_h = std::min(g.row_h, H / static_cast<float>(nf));
    g.frame_top =
        a.y + (static_cast<float>(rows) * g.row_h - static_cast<float>(nf) * g.frame_h) * 0.5f;
    g.frame_top = std::max(g.frame_top, a.y);
    const size_t nc = model.cols.size();
    const size_t n_left = (nc + 1) / 2, n_right = nc - n_left;
    const float col_pitch = g.cell * 1.6f;
    const float frame_w = ImGui::CalcTextSize("PFN 0x00000000").x + g.frame_h + fs * 2.2f;
    // The longest row label that leaves room for the curves.
    const float lfs = std::min(fs, g.row_h * 0.8f);
    const uint64_t last = model.first + static_cast<uint64_t>(rows) - 1;
    const uint64_t last_addr = model.base + last * model.page_size;
    const float fixed = static_cast<float>(nc) * col_pitch + frame_w;
    const float sides = static_cast<float>(n_right ? 2 : 1);
    float label_w = 0, links = 0;
    for (g.label_style = 0; g.label_style < 4; ++g.label_style) {
        RowLabel l = row_label(g.label_style, last, last_addr);
        label_w = text_width(font_, lfs, l.page) + text_width(mono_, lfs, l.addr) + fs * 1.6f;
        links = (W - label_w - fixed) / sides;
        if (links >= fs * 4.5f) break;
    }
    g.label_style = std::min(g.label_style, 3);
    links = std::max(links, fs * 2);
    g.label_x = a.x;
    g.label_w = label_w;
    g.col_x.assign(nc, 0);
    g.left.assign(nc, false);
    // Column k: even k on the left (0 innermost), odd k on the right (1 innermost).
    const float left_inner = a.x + label_w + static_cast<float>(n_left - 1) * col_pitch;
    g.frame_x0 = left_inner + g.cell + links;
    g.frame_x1 = g.frame_x0 + frame_w;
    for (size_t k = 0; k < nc; ++k) {
        const float depth = static_cast<float>(k / 2);
        g.left[k] = (k % 2 == 0) || n_right == 0;
        g.col_x[k] =
            g.left[k] ? left_inner - depth * col_pitch : g.frame_x1 + links + depth * col_pitch;
    }
    return g;
}

float FramesPanel::row_y(const Geom& g, int r) const {
    return g.top + (static_cast<float>(r) + 0.5f) * g.row_h;
}

float FramesPanel::frame_y(const Geom& g, int f) const {
    return g.frame_top + (static_cast<float>(f) + 0.5f) * g.frame_h;
}

// Each column's title centred over it. When two would overlap (the columns of parent and
// child sit a cell apart), every title ends at its column instead, with a leader line down to
// it, one row per column of its side, the rightmost on top (so no leader crosses a title).
std::vector<FramesPanel::Title> FramesPanel::place_titles(const Geom& g, float x_min,
                                                          float x_max) const {
    constexpr int kMaxRows = 4;
    std::vector<Title> out;
    for (size_t k = 0; k < model.cols.size(); ++k) {
        const FrameColumn& c = model.cols[k];
        Title t;
        std::snprintf(t.pid, sizeof t.pid, " %d", c.pid);
        t.name_w = ImGui::CalcTextSize(c.name.c_str()).x;
        t.w = t.name_w + ImGui::CalcTextSize(t.pid).x;
        t.anchor = g.col_x[k] + g.cell * 0.5f;
        t.x = std::clamp(t.anchor - t.w * 0.5f, x_min, x_max - t.w);
        out.push_back(t);
    }
    const float gap = ImGui::GetFontSize() * 0.5f;
    bool crowded = false;
    for (size_t i = 0; i < out.size(); ++i)
        for (size_t j = i + 1; j < out.size(); ++j)
            crowded = crowded || (out[i].x < out[j].x + out[j].w + gap &&
                                  out[j].x < out[i].x + out[i].w + gap);
    if (!crowded) return out;
    for (size_t k = 0; k < out.size(); ++k) {
        Title& t = out[k];
        t.row = 0; // rank among the titles on its side, rightmost column first
        for (size_t j = 0; j < out.size(); ++j)
            t.row += j != k && g.left[j] == g.left[k] && out[j].anchor > t.anchor;
        t.row = std::min(t.row, kMaxRows - 1);
        t.x = std::clamp(t.anchor - t.w, x_min, x_max - t.w);
        t.leader = true;
    }
    return out;
}

int FramesPanel::title_rows(const std::vector<Title>& titles) {
    int rows = 1;
    for (const Title& t : titles) rows = std::max(rows, t.row + 1);
    return rows;
}

void FramesPanel::draw_titles(const Geom& g, const std::vector<Title>& titles, float y,
                              float body_y, bool light) const {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize(), line = fs * 1.15f;
    for (size_t k = 0; k < titles.size() && k < model.cols.size(); ++k) {
        const FrameColumn& c = model.cols[k];
        const Title& t = titles[k];
        const float ty = y + static_cast<float>(t.row) * line;
        dl->AddText(ImVec2(t.x, ty), ImGui::GetColorU32(ImGuiCol_Text), c.name.c_str());
        dl->AddText(ImVec2(t.x + t.name_w, ty), muted_text(light), t.pid);
        if (t.leader)
            dl->AddLine(ImVec2(t.anchor, ty + fs * 1.05f), ImVec2(t.anchor, body_y - fs * 0.15f),
                        muted_text(light));
        if (ImGui::IsMouseHoveringRect(ImVec2(t.x, ty), ImVec2(t.x + t.w, ty + fs)))
            ImGui::SetTooltip("%s, pid %d%s%s", c.name.c_str(), c.pid, c.role.empty() ? "" : ": ",
                              c.role.c_str());
    }
    const char* mid = model.pfn_known ? "physical frames" : "physical frames: unavailable";
    const ImVec2 ms = ImGui::CalcTextSize(mid);
    dl->AddText(ImVec2((g.frame_x0 + g.frame_x1 - ms.x) * 0.5f, y), muted_text(light), mid);
}

// The curves are tessellated again only when one of them moved or changed (links_ replays
// the vertices otherwise): hundreds of anti-aliased Beziers cost milliseconds a frame.
void FramesPanel::draw_links(const Geom& g, bool light) {
    struct Link {
        ImVec2 p0, p3;
        ImU32 col;
        bool moved;
    };
    std::vector<Link> links;
    std::vector<float> key{light ? 1.0f : 0.0f};
    for (int pass = 0; pass < 2; ++pass) // unchanged lines first, moved lines on top
        for (size_t k = 0; k < model.cols.size(); ++k) {
            const FrameColumn& c = model.cols[k];
            for (int r = 0; r < static_cast<int>(c.frame.size()); ++r) {
                const int f = c.frame[static_cast<size_t>(r)];
                const bool moved = c.moved[static_cast<size_t>(r)] != 0;
                if (f < 0 || moved != (pass == 1)) continue;
                const PhysFrame& fr = model.frames[static_cast<size_t>(f)];
                const float x0 = g.left[k] ? g.col_x[k] + g.cell : g.col_x[k];
                const float x1 = g.left[k] ? g.frame_x0 : g.frame_x1;
                const Link l{ImVec2(x0, row_y(g, r)), ImVec2(x1, frame_y(g, f)),
                             page_color(fr.state, light), moved};
                links.push_back(l);
                key.insert(key.end(), {l.p0.x, l.p0.y, l.p3.x, l.p3.y, static_cast<float>(l.col),
                                       moved ? 1.0f : 0.0f});
            }
        }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    key.push_back(g.row_h);
    if (!links_.matches(key)) {
        ImDrawList* out = links_.begin(dl, std::move(key));
        const float base_w = std::clamp(g.row_h * 0.07f, 1.5f, 3.0f);
        for (const Link& l : links) {
            const float dx = (l.p3.x - l.p0.x) * 0.5f;
            const ImVec2 p1(l.p0.x + dx, l.p0.y), p2(l.p3.x - dx, l.p3.y);
            if (l.moved) {
                out->AddBezierCubic(l.p0, p1, p2, l.p3, with_alpha(accent(light), 0.35f),
                                    base_w * 4, 48);
                out->AddBezierCubic(l.p0, p1, p2, l.p3, l.col, base_w * 1.8f, 48);
            } else {
                out->AddBezierCubic(l.p0, p1, p2, l.p3, with_alpha(l.col, 0.85f), base_w, 32);
            }
            out->AddCircleFilled(l.p3, base_w * (l.moved ? 2.2f : 1.6f), l.col);
        }
        links_.end();
    }
    links_.replay(dl);
}

void FramesPanel::draw_cells(Context& ctx, const Geom& g, bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const render::GridStyle style = grid_style(light);
    const float H = g.row_h * static_cast<float>(model.rows);
    int base = 0;
    for (size_t k = 0; k < model.cols.size(); ++k) {
        render::GridDraw d;
        d.rect_min = ImVec2(g.col_x[k], g.top);
        d.rect_max = ImVec2(g.col_x[k] + g.cell, g.top + H);
        d.origin = ImVec2(g.col_x[k], g.top - g.row_h * static_cast<float>(base));
        d.cell = ImVec2(g.cell, g.row_h);
        d.cols = 1;
        d.count = tex.count();
        if (model.cols[k].pid == ctx.sel.pid && ctx.sel.page_first >= 0) {
            d.sel_first = base + ctx.sel.page_first - static_cast<int64_t>(model.first);
            d.sel_last = base + std::max(ctx.sel.page_last, ctx.sel.page_first) -
                         static_cast<int64_t>(model.first);
            if (d.sel_last < base) d.sel_first = d.sel_last = -1;
        }
        grid.add(dl, tex, d, style);
        report_rect(ctx, "frames.col." + std::to_string(model.cols[k].pid), d.rect_min, d.rect_max);
        if (!model.cols[k].has_mapping) {
            const char* msg = "not mapped here";
            dl->AddText(ImVec2(g.col_x[k], g.top), muted_text(light), msg);
        }
        base += model.rows;
    }
}

void FramesPanel::draw_frame_boxes(Context& ctx, const Geom& g, bool light) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize();
    const float bh = g.frame_h * 0.86f, pad = std::max(1.5f, g.frame_h * 0.09f);
    const ImU32 bg = ImGui::GetColorU32(ImGuiCol_FrameBg), text = ImGui::GetColorU32(ImGuiCol_Text);
    const int nf = static_cast<int>(model.frames.size());
    for (int f = 0; f < nf; ++f) { // boxes first, then the swatches over them, then the text
        const PhysFrame& fr = model.frames[static_cast<size_t>(f)];
        const float cy = frame_y(g, f);
        const ImVec2 a(g.frame_x0, cy - bh * 0.5f), b(g.frame_x1, cy + bh * 0.5f);
        const ImU32 col = page_color(fr.state, light);
        dl->AddRectFilled(a, b, bg, bh * 0.22f);
        dl->AddRect(a, b, fr.is_new ? accent(light) : with_alpha(col, 0.9f), bh * 0.22f, 0,
                    fr.is_new ? 3.0f : 1.5f);
        report_rect(ctx, "frames.frame." + std::to_string(f), a, b);
    }
    if (nf == 0) return;
    const float sw = bh - 2 * pad; // swatch side
    render::GridDraw d;
    const int base = static_cast<int>(model.cols.size()) * model.rows;
    d.cell = ImVec2(g.frame_h, g.frame_h);
    d.inset = std::max(0.0f, (g.frame_h - sw) * 0.5f - 1.0f);
    const float sx = g.frame_x0 + pad + sw * 0.5f - g.frame_h * 0.5f; // cell left edge
    d.origin = ImVec2(sx, g.frame_top - g.frame_h * static_cast<float>(base));
    d.rect_min = ImVec2(sx, g.frame_top);
    d.rect_max = ImVec2(sx + g.frame_h, g.frame_top + g.frame_h * static_cast<float>(nf));
    d.cols = 1;
    d.count = tex.count();
    grid.add(dl, tex, d, grid_style(light));
    const float tfs = std::min(fs, bh * 0.78f);
    if (tfs < fs * 0.5f) return;
    ImFont* mono = ctx.mono ? ctx.mono : ImGui::GetFont();
    for (int f = 0; f < nf; ++f) {
        const PhysFrame& fr = model.frames[static_cast<size_t>(f)];
        const float cy = frame_y(g, f), ty = cy - tfs * 0.5f;
        const std::string label = fr.zero ? "zero page" : pfn_text(fr.pfn);
        dl->AddText(mono, tfs, ImVec2(g.frame_x0 + pad * 2 + sw + fs * 0.35f, ty), text,
                    label.c_str());
        char badge[32] = "";
        if (fr.is_new && fr.mapcount)
            std::snprintf(badge, sizeof badge, "new x%u", fr.mapcount);
        else if (fr.mapcount)
            std::snprintf(badge, sizeof badge, "x%u", fr.mapcount);
        else if (fr.is_new)
            std::snprintf(badge, sizeof badge, "new");
        const float bw = mono->CalcTextSizeA(tfs, FLT_MAX, 0, badge).x;
        dl->AddText(mono, tfs, ImVec2(g.frame_x1 - pad * 2 - bw - fs * 0.2f, ty),
                    fr.is_new ? text : muted_text(light), badge);
    }
}

void FramesPanel::draw_row_labels(const Geom& g, bool light) const {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize();
    const float lfs = std::min(fs, g.row_h * 0.8f);
    if (lfs < fs * 0.5f) return;
    for (int r = 0; r < model.rows; ++r) {
        const uint64_t page = model.first + static_cast<uint64_t>(r);
        const float y = row_y(g, r) - lfs * 0.5f;
        const RowLabel l = row_label(g.label_style, page, model.base + page * model.page_size);
        dl->AddText(font_, lfs, ImVec2(g.label_x, y), ImGui::GetColorU32(ImGuiCol_Text),
                    l.page.c_str());
        const float aw = text_width(mono_, lfs, l.addr);
        dl->AddText(mono_, lfs, ImVec2(g.label_x + g.label_w - aw - fs * 0.8f, y),
                    muted_text(light), l.addr.c_str());
    }
}

void FramesPanel::hover_details(Context& ctx, const Geom& g) {
    if (!ImGui::IsWindowHovered()) return;
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int r = static_cast<int>(std::floor((m.y - g.top) / g.row_h));
    for (size_t k = 0; k < model.cols.size(); ++k) {
        if (m.x < g.col_x[k] || m.x >= g.col_x[k] + g.cell || r < 0 || r >= model.rows) continue;
        const FrameColumn& c = model.cols[k];
        const PageClass& pc = c.rows[static_cast<size_t>(r)];
        const uint64_t page = model.first + static_cast<uint64_t>(r);
        ImGui::BeginTooltip();
        ImGui::Text("%s (pid %d): virtual page %llu  %s", c.name.c_str(), c.pid,
                    static_cast<unsigned long long>(page),
                    hex_addr(model.base + page * model.page_size).c_str());
        ImGui::Text("%s", to_string(page_state(pc)));
        ImGui::TextDisabled("%s", explain(pc).c_str());
        if (pc.pfn) ImGui::Text("frame: %s", pfn_text(pc.pfn).c_str());
        if (c.moved[static_cast<size_t>(r)] && c.pfn_before[static_cast<size_t>(r)])
            ImGui::Text("before the last action: %s",
                        pfn_text(c.pfn_before[static_cast<size_t>(r)]).c_str());
        ImGui::EndTooltip();
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left))
            ctx.sel.page_first = ctx.sel.page_last = static_cast<int64_t>(page);
        return;
    }
    if (m.x < g.frame_x0 || m.x >= g.frame_x1) return;
    const int f = static_cast<int>(std::floor((m.y - g.frame_top) / g.frame_h));
    if (f < 0 || f >= static_cast<int>(model.frames.size())) return;
    const PhysFrame& fr = model.frames[static_cast<size_t>(f)];
    ImGui::BeginTooltip();
    ImGui::Text("%s%s", pfn_text(fr.pfn).c_str(), fr.zero ? "  (the shared zero page)" : "");
    if (fr.mapcount) ImGui::Text("mapcount %u (%s)", fr.mapcount, count_source_text(fr.count_src));
    if (fr.is_new) ImGui::Text("new: none of these pages used this frame before the last action");
    ImGui::Text("mapped here by:");
    for (const FrameColumn& c : model.cols)
        for (size_t r2 = 0; r2 < c.frame.size(); ++r2)
            if (c.frame[r2] == f)
                ImGui::BulletText("%s (pid %d) page %llu", c.name.c_str(), c.pid,
                                  static_cast<unsigned long long>(model.first + r2));
    ImGui::EndTooltip();
}

// What the compact legend counts: the states of the cells shown, and the ones that moved.
void FramesPanel::legend_counts(uint64_t counts[8], uint64_t& moved) const {
    for (const FrameColumn& c : model.cols)
        for (size_t r = 0; r < c.rows.size(); ++r) {
            ++counts[static_cast<size_t>(page_state(c.rows[r]))];
            moved += c.moved[r];
        }
}

void FramesPanel::draw(Context& ctx) {
    const Target t = selected_target(ctx);
    if (!t.proc || !t.map) {
        ImGui::TextWrapped("Select a mapping, then fork: the pages of parent and child appear "
                           "side by side with the physical frames they use.");
        return;
    }
    const bool light = ctx.prefs.light;
    font_ = ImGui::GetFont();
    mono_ = ctx.mono ? ctx.mono : font_;
    const float fs = ImGui::GetFontSize(), line = ImGui::GetTextLineHeightWithSpacing();
    const uint64_t ps = ctx.snap->caps.page_size ? ctx.snap->caps.page_size : 4096;
    const uint64_t pages = t.map->page_count(ps);
    if (t.map->start != view_base) {
        view_base = t.map->start;
        first = 0;
    }
    const float avail_w = ImGui::GetContentRegionAvail().x;
    // Rows that fit: from the body height of the last frame (exact), else an estimate.
    const float est =
        ImGui::GetContentRegionAvail().y - line * 4.6f - ImGui::GetFrameHeightWithSpacing() * 2;
    const int fit = std::max(1, static_cast<int>((body_h > 0 ? body_h : est) / (fs * 0.85f)));
    const int rows = static_cast<int>(
        std::min<uint64_t>({static_cast<uint64_t>(std::min(fit, kMaxRows)), pages}));
    if (ctx.sel.page_first != seen_sel) {
        seen_sel = ctx.sel.page_first;
        const uint64_t sf = static_cast<uint64_t>(std::max<int64_t>(0, seen_sel));
        if (seen_sel >= 0 && (sf < first || sf >= first + static_cast<uint64_t>(rows)))
            first = sf > static_cast<uint64_t>(rows / 4) ? sf - static_cast<uint64_t>(rows / 4) : 0;
    }
    first = std::min(first, pages - static_cast<uint64_t>(rows));
    rebuild(ctx, compare_pids(*ctx.snap, ctx.sel), t.map->start, rows);
    draw_header(ctx, *t.proc, *t.map, rows);
    for (size_t i = 0; i < std::min<size_t>(model.story.size(), 2); ++i)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ok_text(light)), "%s",
                           model.story[i].c_str());
    uint64_t counts[8] = {};
    uint64_t moved = 0;
    legend_counts(counts, moved);
    const float legend_h = legend.height(counts, moved, avail_w, true);
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float bottom = top.y + ImGui::GetContentRegionAvail().y - legend_h - line * 0.5f;
    // The titles take one row, or more where they would overlap (then the body is laid out
    // again below them: its cells, and so the columns, get a little smaller).
    int title_n = 1;
    const auto body_top = [&] {
        return top.y + fs * 0.35f + static_cast<float>(title_n) * fs * 1.15f;
    };
    ImVec2 a(top.x, body_top());
    const ImVec2 b(top.x + avail_w, bottom);
    body_h = b.y - a.y;
    if (b.y - a.y < fs * 2 || !grid.ready()) {
        if (!grid.ready()) ImGui::TextWrapped("%s", grid.error().c_str());
        return;
    }
    Geom g = layout(a, b);
    std::vector<Title> titles = place_titles(g, a.x, b.x);
    if (title_rows(titles) > 1 && b.y - body_top() >= fs * 2) {
        title_n = title_rows(titles);
        a.y = body_top();
        g = layout(a, b);
        titles = place_titles(g, a.x, b.x);
    }
    draw_titles(g, titles, top.y, a.y, light);
    draw_links(g, light);
    draw_cells(ctx, g, light);
    draw_frame_boxes(ctx, g, light);
    draw_row_labels(g, light);
    report_rect(ctx, "frames.body", a, b);
    if (!model.pfn_known) {
        ImGui::SetCursorScreenPos(ImVec2(g.frame_x0 - fs, a.y + fs));
        ImGui::PushTextWrapPos(g.frame_x1 + fs);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(error_text(light)),
                           "Physical frames cannot be drawn: pagemap shows every PFN as 0 without "
                           "CAP_SYS_ADMIN. Run mmaplab as root (sudo) to see which frames the "
                           "pages share. Shown: presence and the exclusive bit only.");
        ImGui::PopTextWrapPos();
    }
    hover_details(ctx, g);
    if (ImGui::IsWindowHovered() && ImGui::GetIO().MouseWheel != 0.0f &&
        pages > static_cast<uint64_t>(rows)) {
        const int64_t step =
            std::max(1, rows / 4) * static_cast<int64_t>(-ImGui::GetIO().MouseWheel);
        first = static_cast<uint64_t>(std::clamp<int64_t>(static_cast<int64_t>(first) + step, 0,
                                                          static_cast<int64_t>(pages) - rows));
    }
    ImGui::SetCursorScreenPos(ImVec2(top.x, b.y + line * 0.5f));
    legend.draw(grid, grid_style(light), counts, moved, avail_w, true);
}

} // namespace mml::app
