// PageState and marks from a PageClass; whole-mapping classification for the grid texture,
// with the comparison against the snapshot taken before the last action.
#include "page_state.hpp"

#include "abi.hpp"

#include <algorithm>
#include <iterator>

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

void ZeroPfn::search(const Snapshot& s) {
    seq = s.seq;
    ++searches;
    pfn = find_zero_pfn(s);
}

bool zero_pfn_matters(const Page& pg, bool pfn_known, bool kpage_known) {
    if (!pfn_known || !abi::pm_present(pg.entry) || abi::pm_pfn(pg.entry) == 0) return false;
    if (abi::pm_exclusive(pg.entry)) return false;
    if (kpage_known && (pg.flags_read() || (pg.count_read() && pg.mapcount > 0))) return false;
    return true;
}

bool zero_pfn_matters(const Process& p, const Mapping& m, const Snapshot* before) {
    const auto any = [](const Process& q, const Mapping& r) {
        for (const Page& pg : r.pages)
            if (zero_pfn_matters(pg, q.pfn_known, q.kpage_known)) return true;
        return false;
    };
    const Process* bp = nullptr;
    const Mapping* bm = same_range(before, p.pid, m, &bp);
    return any(p, m) || (bm && any(*bp, *bm));
}

bool ZeroNeed::of(const Snapshot& s, const Process& p, const Mapping& m) {
    const uint8_t known = static_cast<uint8_t>(p.pfn_known | p.kpage_known << 1);
    for (const Seen& e : seen) {
        const bool same_pages =
            e.seq == s.seq || (m.pages_version != 0 && e.version == m.pages_version);
        if (same_pages && e.pid == p.pid && e.start == m.start && e.end == m.end &&
            e.pages == m.pages.size() && e.known == known)
            return e.need;
    }
    ++scans;
    bool need = false;
    for (const Page& pg : m.pages)
        if ((need = zero_pfn_matters(pg, p.pfn_known, p.kpage_known))) break;
    seen[next] = Seen{s.seq, m.pages_version, m.start, m.end, m.pages.size(), p.pid, known, need};
    next ^= 1;
    return need;
}

bool ZeroNeed::of(const Snapshot& s, const Process& p, const Mapping& m, const Snapshot* before) {
    const Process* bp = nullptr;
    const Mapping* bm = same_range(before, p.pid, m, &bp);
    return of(s, p, m) || (bm && of(*before, *bp, *bm));
}

namespace {

bool same_page(const Page& a, const Page& b) {
    return a.entry == b.entry && a.kflags == b.kflags && a.mapcount == b.mapcount &&
           a.kread == b.kread;
}

bool same_inputs(const ClassifyEnv& a, const MappingTraits& at, const ClassifyEnv& b,
                 const MappingTraits& bt) {
    return a.pfn_known == b.pfn_known && a.kpage_known == b.kpage_known &&
           a.zero_pfn == b.zero_pfn && at.priv == bt.priv && at.file == bt.file &&
           at.shmem == bt.shmem;
}

// What a mapping's pages are classified with, now and in the before-snapshot.
struct Inputs {
    MappingTraits traits, btraits;
    ClassifyEnv env, benv;
};

// out's source mapping when it is mapping `m` (same range and pages) of process `pid`
// classified with the same inputs: its classes hold for every page whose data are the same.
const Mapping* kept_source(const ClassifiedMapping& out, int pid, const Mapping& m,
                           const ClassifyEnv& env, const MappingTraits& t) {
    if (!out.src || !out.src_map || out.src_pid != pid) return nullptr;
    const Mapping& s = *out.src_map;
    const bool same = s.start == m.start && s.end == m.end && s.pages.size() == m.pages.size() &&
                      out.pages.size() == m.pages.size() &&
                      same_inputs(out.src_env, out.src_traits, env, t);
    return same ? &s : nullptr;
}

// The marks against `bm` (the before-snapshot's mapping, may be null; its classes `bcls` when
// known, else classified here), texels and counts. True when the texels changed.
bool mark_pages(ClassifiedMapping& out, const Mapping& m, const Mapping* bm,
                const std::vector<PageClass>* bcls, const MappingTraits& bt, const ClassifyEnv& be,
                uint64_t ps) {
    const size_t n = out.pages.size();
    bool diff = out.texels.size() != 2 * n;
    out.texels.resize(2 * n);
    out.changed.assign(n, 0);
    out.changed_count = 0;
    std::fill(std::begin(out.counts), std::end(out.counts), 0);
    for (size_t i = 0; i < n; ++i) {
        const PageClass& c = out.pages[i];
        const PageState st = page_state(c);
        uint8_t marks = page_marks(c);
        const uint64_t addr = m.start + i * ps;
        if (bm && addr >= bm->start && addr < bm->end) {
            const size_t j = static_cast<size_t>((addr - bm->start) / ps);
            if (j < bm->pages.size() &&
                page_changed(c, bcls ? (*bcls)[j] : classify_page(bm->pages[j], bt, be))) {
                marks |= kMarkChanged;
                out.changed[i] = 1;
                ++out.changed_count;
            }
        }
        const uint8_t t0 = static_cast<uint8_t>(st);
        diff = diff || out.texels[2 * i] != t0 || out.texels[2 * i + 1] != marks;
        out.texels[2 * i] = t0;
        out.texels[2 * i + 1] = marks;
        ++out.counts[static_cast<size_t>(st) & 7];
    }
    return diff;
}

// Whether page i of `m` (class c) differs from the page at its address in `bm` (may be null).
bool changed_from(const PageClass& c, const Mapping& m, size_t i, const Mapping* bm,
                  const MappingTraits& bt, const ClassifyEnv& be, uint64_t ps) {
    const uint64_t addr = m.start + i * ps;
    if (!bm || addr < bm->start || addr >= bm->end) return false;
    const size_t j = static_cast<size_t>((addr - bm->start) / ps);
    return j < bm->pages.size() && page_changed(c, classify_page(bm->pages[j], bt, be));
}

// Page i gets class c, its "changed" mark ch and its texels; counts follow.
void set_page(ClassifiedMapping& out, size_t i, const PageClass& c, bool ch) {
    const PageState st = page_state(c);
    --out.counts[out.texels[2 * i] & 7];
    ++out.counts[static_cast<size_t>(st) & 7];
    out.changed_count += static_cast<uint64_t>(ch) - out.changed[i];
    out.changed[i] = ch;
    out.pages[i] = c;
    out.texels[2 * i] = static_cast<uint8_t>(st);
    out.texels[2 * i + 1] = static_cast<uint8_t>(page_marks(c) | (ch ? kMarkChanged : 0));
}

// The next snapshot of out's source mapping (`prev`, same inputs): only pages whose data
// changed are classified and compared with `before` again. When the before-snapshot is out's
// source (before_kept), out.pages are its classes and every other page is unchanged since it;
// otherwise the before-snapshot is the one out was compared with, and their marks hold.
bool update_pages(ClassifiedMapping& out, const Mapping& m, const Mapping& prev, const Mapping* bm,
                  bool before_kept, const Inputs& in, uint64_t ps) {
    bool diff = false;
    for (size_t i = 0; i < m.pages.size(); ++i) {
        if (same_page(m.pages[i], prev.pages[i])) {
            if (before_kept && out.changed[i]) {
                out.changed[i] = 0;
                --out.changed_count;
                out.texels[2 * i + 1] &= static_cast<uint8_t>(~kMarkChanged);
                diff = true;
            }
            continue;
        }
        const PageClass c = classify_page(m.pages[i], in.traits, in.env);
        const bool ch = before_kept ? page_changed(c, out.pages[i])
                                    : changed_from(c, m, i, bm, in.btraits, in.benv, ps);
        const uint8_t t0 = out.texels[2 * i], t1 = out.texels[2 * i + 1];
        set_page(out, i, c, ch);
        diff = diff || t0 != out.texels[2 * i] || t1 != out.texels[2 * i + 1];
    }
    return diff;
}

// The Sampler found the pages of `a` and `b` equal (Mapping::pages_version).
bool same_version(const Mapping& a, const Mapping& b) {
    return a.pages_version != 0 && a.pages_version == b.pages_version;
}

// No page changed since out's source, which is the before-snapshot: no page is marked changed.
// True when some was (the texels changed).
bool clear_changed(ClassifiedMapping& out) {
    if (out.changed_count == 0) return false;
    for (size_t i = 0; i < out.changed.size(); ++i) {
        out.changed[i] = 0;
        out.texels[2 * i + 1] &= static_cast<uint8_t>(~kMarkChanged);
    }
    out.changed_count = 0;
    return true;
}

} // namespace

bool classify_mapping(const SnapshotPtr& snap, const Process& p, const Mapping& m,
                      const Snapshot* before, uint64_t zero_pfn, ClassifiedMapping& out) {
    const SnapshotPtr keep = out.src; // prev points into it
    Inputs in;
    in.env = ClassifyEnv{p.pfn_known, p.kpage_known, zero_pfn};
    in.traits = MappingTraits::of(m);
    const Mapping* prev = kept_source(out, p.pid, m, in.env, in.traits);
    const uint64_t bseq = before ? before->seq : 0;
    const Process* bp = nullptr;
    const Mapping* bm = same_range(before, p.pid, m, &bp);
    if (bm) {
        in.benv = ClassifyEnv{bp->pfn_known, bp->kpage_known, zero_pfn};
        in.btraits = MappingTraits::of(*bm);
    }
    // The before-snapshot is the one out was classified from: its classes are out.pages.
    const bool before_kept = bm && out.src && before->seq == out.src->seq &&
                             kept_source(out, p.pid, *bm, in.benv, in.btraits) != nullptr;
    const bool same_before = out.before_seq == bseq;
    out.src = snap;
    out.src_map = &m;
    out.src_pid = p.pid;
    out.src_env = in.env;
    out.src_traits = in.traits;
    out.before_seq = bseq;
    const uint64_t ps = snap->caps.page_size ? snap->caps.page_size : 4096;
    if (prev && same_version(*prev, m) && (before_kept || same_before))
        return before_kept && clear_changed(out);
    if (prev && (before_kept || same_before))
        return update_pages(out, m, *prev, bm, before_kept, in, ps);
    const size_t n = m.pages.size();
    out.spare.resize(n);
    for (size_t i = 0; i < n; ++i) out.spare[i] = classify_page(m.pages[i], in.traits, in.env);
    std::swap(out.pages, out.spare);
    const std::vector<PageClass>* bcls = before_kept ? &out.spare : nullptr;
    return mark_pages(out, m, bm, bcls, in.btraits, in.benv, ps);
}

} // namespace mml::app
