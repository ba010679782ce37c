// Shared helpers of the page panels: selection lookup, sizes and addresses, the legend.
#include "panels/view_util.hpp"

#include "palette.hpp"

#include <cstdio>
#include <cstdlib>

namespace mml::app {

namespace {
constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
} // namespace

std::string human_size(uint64_t bytes) {
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (u == 0 || v == static_cast<double>(static_cast<uint64_t>(v)))
        std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), kUnits[u]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
    return buf;
}

std::string hex_addr(uint64_t a) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
    return buf;
}

std::string mapping_label(const Mapping& m) {
    if (m.path.empty()) return "[anon]";
    if (m.path[0] != '/') return m.path;
    const size_t slash = m.path.rfind('/');
    return m.path.substr(slash + 1);
}

namespace {

const Mapping* new_mapping(const Process& p, const Snapshot* before) {
    if (!before) return nullptr;
    const Process* bp = before->process(p.pid);
    if (!bp) return nullptr;
    for (const Mapping& m : p.mappings) {
        const Mapping* b = bp->mapping_at(m.start);
        if (!b && m.kind() != MappingKind::Vdso) return &m;
    }
    return nullptr;
}

// The address the most recent successful mmap/mremap returned, 0 when none.
uint64_t last_mapped_address(const std::vector<Event>& events) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->is_error) continue;
        if (it->statement.find("mmap(") == std::string::npos &&
            it->statement.find("mremap(") == std::string::npos)
            continue;
        const size_t at = it->result.find("0x");
        if (at == std::string::npos) continue;
        return std::strtoull(it->result.c_str() + at, nullptr, 16);
    }
    return 0;
}

} // namespace

Target selected_target(Context& ctx) {
    Target t;
    if (!ctx.snap) return t;
    t.proc = ctx.snap->process(ctx.sel.pid);
    if (!t.proc) return t;
    if (ctx.sel.mapping == 0) {
        const uint64_t last = last_mapped_address(ctx.events);
        const Mapping* m = last ? t.proc->mapping_at(last) : nullptr;
        if (!m) m = new_mapping(*t.proc, ctx.before.get());
        if (m) {
            ctx.sel.mapping = m->start;
            ctx.sel.page_first = ctx.sel.page_last = -1;
        }
    }
    if (ctx.sel.mapping) t.map = t.proc->mapping_at(ctx.sel.mapping);
    return t;
}

void report_rect(Context& ctx, const std::string& name, ImVec2 a, ImVec2 b) {
    if (ctx.layout) ctx.layout->push_back({name, a.x, a.y, b.x, b.y});
}

namespace {

struct LegendEntry {
    PageState state;
    uint8_t marks;
    const char* label;
};

constexpr LegendEntry kEntries[] = {
    {PageState::NotPresent, 0, "not present"},
    {PageState::ZeroPage, 0, "zero page"},
    {PageState::Clean, 0, "clean"},
    {PageState::Dirty, 0, "dirty"},
    {PageState::Shared, 0, "shared"},
    {PageState::Exclusive, kMarkExclusive, "exclusive"},
    {PageState::Swapped, 0, "swapped"},
    {PageState::Unknown, 0, "unknown"},
    {PageState::Dirty, kMarkChanged, "changed by last action"},
};
constexpr size_t kNumEntries = sizeof kEntries / sizeof kEntries[0];

const char* entry_help(const LegendEntry& e) {
    if (e.marks & kMarkChanged)
        return "a ring marks pages whose state, frame or mapcount the last action changed";
    if (e.state == PageState::Exclusive)
        return "mapped only here (pagemap exclusive bit); the corner mark also appears on "
               "clean and dirty pages that are exclusive";
    return page_meaning(e.state);
}

} // namespace

// Where each shown entry goes (wrapping to `width`); returns the legend's height. The same
// walk measures and draws, so the panels can give the grid exactly the space left over.
template <typename Visit>
float PageLegend::place(const uint64_t counts[8], uint64_t changed, float width, bool compact,
                        Visit&& visit) {
    const float sw = ImGui::GetFontSize() * 1.3f, sp = ImGui::GetStyle().ItemSpacing.x;
    const float line_h = sw + ImGui::GetStyle().ItemSpacing.y;
    float x = 0, y = 0;
    for (size_t i = 0; i < kNumEntries; ++i) {
        const LegendEntry& e = kEntries[i];
        const uint64_t n =
            (e.marks & kMarkChanged) ? changed : counts[static_cast<size_t>(e.state)];
        if (compact && n == 0) continue;
        char label[96];
        std::snprintf(label, sizeof label, "%s %llu", e.label, static_cast<unsigned long long>(n));
        const float tw = ImGui::CalcTextSize(label).x;
        const float item_w = sw + sp * 0.6f + tw + sp * 2.2f;
        if (x > 0 && x + item_w > width) {
            x = 0;
            y += line_h;
        }
        visit(i, ImVec2(x, y), sw, label, n, tw);
        x += item_w;
    }
    return y + line_h;
}

float PageLegend::height(const uint64_t counts[8], uint64_t changed, float width,
                         bool compact) const {
    return place(counts, changed, width, compact,
                 [](size_t, ImVec2, float, const char*, uint64_t, float) {});
}

void PageLegend::draw(render::GridRenderer& r, const render::GridStyle& s, const uint64_t counts[8],
                      uint64_t changed, float width, bool compact) {
    if (!uploaded_ && r.ready()) {
        uint8_t texels[2 * kNumEntries];
        for (size_t i = 0; i < kNumEntries; ++i) {
            texels[2 * i] = static_cast<uint8_t>(kEntries[i].state);
            texels[2 * i + 1] = kEntries[i].marks;
        }
        tex_.upload(texels, kNumEntries);
        uploaded_ = true;
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float sp = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 muted = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const float h =
        place(counts, changed, width, compact,
              [&](size_t i, ImVec2 at, float sw, const char* label, uint64_t n, float tw) {
                  const ImVec2 a(start.x + at.x, start.y + at.y), b(a.x + sw, a.y + sw);
                  render::GridDraw g;
                  g.rect_min = a;
                  g.rect_max = b;
                  g.origin = ImVec2(a.x - sw * static_cast<float>(i), a.y);
                  g.cell = ImVec2(sw, sw);
                  g.cols = static_cast<int>(kNumEntries);
                  g.count = static_cast<uint32_t>(kNumEntries);
                  r.add(dl, tex_, g, s);
                  const ImVec2 tp(b.x + sp * 0.6f, a.y + (sw - ImGui::GetFontSize()) * 0.5f);
                  dl->AddText(tp, n ? text : muted, label);
                  if (ImGui::IsMouseHoveringRect(a, ImVec2(tp.x + tw, b.y)))
                      ImGui::SetTooltip("%s", entry_help(kEntries[i]));
              });
    ImGui::Dummy(ImVec2(width, h));
}

render::GridStyle grid_style(bool light) {
    render::GridStyle s;
    for (int i = 0; i < 8; ++i)
        s.fill[static_cast<size_t>(i)] =
            render::to_vec4(page_color(static_cast<PageState>(i), light));
    s.ink = light ? ImVec4(0.08f, 0.09f, 0.11f, 1) : ImVec4(0.06f, 0.07f, 0.09f, 1);
    s.edge = light ? ImVec4(0.55f, 0.58f, 0.63f, 1) : ImVec4(0.42f, 0.46f, 0.53f, 1);
    s.changed = light ? ImVec4(0.05f, 0.05f, 0.05f, 1) : ImVec4(1.0f, 1.0f, 1.0f, 1);
    s.select = light ? ImVec4(0.0f, 0.45f, 0.70f, 1) : ImVec4(0.55f, 0.75f, 1.0f, 1);
    return s;
}

} // namespace mml::app
