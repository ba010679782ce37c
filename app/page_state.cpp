// PageState and marks from a PageClass; whole-mapping classification for the grid texture,
// with the comparison against the snapshot taken before the last action.
#include "page_state.hpp"

#include "palette.hpp"

namespace mml::app {

PageState page_state(const PageClass& c) {
    switch (c.base) {
    case PageBase::NotPresent:
        return PageState::NotPresent;
    case PageBase::ZeroPage:
        return PageState::ZeroPage;
    case PageBase::Swapped:
        return PageState::Swapped;
    case PageBase::Present:
        break;
    }
    if (c.shared == Know::Yes) return PageState::Shared;
    if (c.dirty == Know::Yes) return PageState::Dirty;
    if (c.dirty == Know::No) return PageState::Clean;
    if (c.exclusive == Know::Yes) return PageState::Exclusive;
    return PageState::Unknown;
}

uint8_t page_marks(const PageClass& c) {
    uint8_t m = 0;
    if (c.base == PageBase::Present && c.exclusive == Know::Yes) m |= kMarkExclusive;
    if (c.shared == Know::Yes && c.shared_guess) m |= kMarkProbable;
    return m;
}

bool page_changed(const PageClass& now, const PageClass& before) {
    if (page_state(now) != page_state(before)) return true;
    if (now.pfn != 0 && before.pfn != 0 && now.pfn != before.pfn) return true;
    if (now.kpage_read && before.kpage_read && now.mapcount != before.mapcount) return true;
    return now.exclusive != before.exclusive;
}

namespace {

const Mapping* same_range(const Snapshot* s, int pid, const Mapping& m, const Process** proc) {
    if (!s) return nullptr;
    const Process* p = s->process(pid);
    if (!p) return nullptr;
    *proc = p;
    const Mapping* b = p->mapping_at(m.start);
    if (!b) b = p->mapping_at(m.end - 1);
    return b && !b->pages.empty() ? b : nullptr;
}

} // namespace

uint64_t ZeroPfn::of(const Snapshot& s) {
    if (pfn == 0 && s.seq != seq) {
        seq = s.seq;
        pfn = find_zero_pfn(s);
    }
    return pfn;
}

void classify_mapping(const Snapshot& snap, const Process& p, const Mapping& m,
                      const Snapshot* before, uint64_t zero_pfn, ClassifiedMapping& out) {
    out = ClassifiedMapping{};
    const size_t n = m.pages.size();
    out.pages.resize(n);
    out.texels.resize(2 * n);
    out.changed.assign(n, 0);
    const ClassifyEnv env{p.pfn_known, p.kpage_known, zero_pfn};
    const MappingTraits traits = MappingTraits::of(m);
    const Process* bp = nullptr;
    const Mapping* bm = same_range(before, p.pid, m, &bp);
    ClassifyEnv benv;
    MappingTraits btraits;
    if (bm) {
        benv = ClassifyEnv{bp->pfn_known, bp->kpage_known, zero_pfn};
        btraits = MappingTraits::of(*bm);
    }
    const uint64_t ps = snap.caps.page_size ? snap.caps.page_size : 4096;
    for (size_t i = 0; i < n; ++i) {
        const PageClass c = classify_page(m.pages[i], traits, env);
        out.pages[i] = c;
        const PageState st = page_state(c);
        uint8_t marks = page_marks(c);
        const uint64_t addr = m.start + i * ps;
        if (bm && addr >= bm->start && addr < bm->end) {
            const size_t j = static_cast<size_t>((addr - bm->start) / ps);
            if (j < bm->pages.size() &&
                page_changed(c, classify_page(bm->pages[j], btraits, benv))) {
                marks |= kMarkChanged;
                out.changed[i] = 1;
                ++out.changed_count;
            }
        }
        out.texels[2 * i] = static_cast<uint8_t>(st);
        out.texels[2 * i + 1] = marks;
        ++out.counts[static_cast<size_t>(st) & 7];
    }
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
