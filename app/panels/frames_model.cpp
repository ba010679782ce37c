// Builds the Frames view's model: columns of classified virtual pages, their unique frames in
// display order, and a short story of what the last action changed.
#include "panels/frames_model.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace mml::app {

std::vector<int> compare_pids(const Snapshot& s, const Selection& sel) {
    std::vector<int> out;
    auto alive = [&](int pid) {
        const Process* p = s.process(pid);
        return p && p->state == ProcState::Alive;
    };
    if (!sel.compare.empty()) {
        for (int pid : sel.compare)
            if (alive(pid)) out.push_back(pid);
        return out;
    }
    const Process* me = s.process(sel.pid);
    if (!me) return out;
    if (me->parent && alive(me->parent)) out.push_back(me->parent);
    out.push_back(me->pid);
    for (const Process& q : s.processes)
        if (q.parent == me->pid && q.state == ProcState::Alive) out.push_back(q.pid);
    return out;
}

namespace {

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

// Classification of the page at `addr` of process `pid` in snapshot `s` (false when absent).
bool page_at(const Snapshot& s, int pid, uint64_t addr, const ClassifyEnv& env, PageClass& out) {
    const Process* p = s.process(pid);
    if (!p) return false;
    const Mapping* m = p->mapping_at(addr);
    if (!m || m->pages.empty()) return false;
    const uint64_t ps = s.caps.page_size ? s.caps.page_size : 4096;
    const size_t i = static_cast<size_t>((addr - m->start) / ps);
    if (i >= m->pages.size()) return false;
    out = classify_page(m->pages[i], MappingTraits::of(*m), env);
    return true;
}

std::string column_role(const Snapshot& s, const Process& p, const std::vector<int>& pids) {
    for (int pid : pids)
        if (const Process* q = s.process(pid); q && q->parent == p.pid) return "parent";
    if (p.parent && std::find(pids.begin(), pids.end(), p.parent) != pids.end()) return "child";
    return "";
}

void fill_column(const Snapshot& s, const Snapshot* before, const FramesModel& fm,
                 uint64_t zero_pfn, uint64_t before_zero, FrameColumn& col) {
    const Process* p = s.process(col.pid);
    ClassifyEnv env;
    env.pfn_known = p->pfn_known;
    env.kpage_known = p->kpage_known;
    env.zero_pfn = zero_pfn;
    ClassifyEnv benv = env;
    benv.zero_pfn = before_zero;
    col.rows.resize(static_cast<size_t>(fm.rows));
    col.moved.assign(static_cast<size_t>(fm.rows), 0);
    col.pfn_before.assign(static_cast<size_t>(fm.rows), 0);
    col.state_before.assign(static_cast<size_t>(fm.rows), -1);
    col.frame.assign(static_cast<size_t>(fm.rows), -1);
    col.has_mapping = p->mapping_at(fm.base + fm.first * fm.page_size) != nullptr;
    for (int r = 0; r < fm.rows; ++r) {
        const uint64_t addr = fm.base + (fm.first + static_cast<uint64_t>(r)) * fm.page_size;
        PageClass& c = col.rows[static_cast<size_t>(r)];
        if (!page_at(s, col.pid, addr, env, c)) c = PageClass{};
        PageClass b;
        if (before && page_at(*before, col.pid, addr, benv, b)) {
            col.pfn_before[static_cast<size_t>(r)] = b.pfn;
            col.state_before[static_cast<size_t>(r)] = static_cast<int8_t>(page_state(b));
            if (c.pfn != b.pfn && c.pfn != 0) col.moved[static_cast<size_t>(r)] = 1;
        }
    }
}

void collect_frames(FramesModel& fm, const std::vector<uint64_t>& before_pfns, bool have_before,
                    bool order_by_pfn) {
    std::unordered_map<uint64_t, int> index;
    // Row by row, so a copy made by a write lands right next to the frame it was copied from.
    for (size_t r = 0; r < static_cast<size_t>(fm.rows); ++r)
        for (FrameColumn& col : fm.cols) {
            const PageClass& c = col.rows[r];
            if (c.pfn == 0) continue;
            auto [it, fresh] = index.try_emplace(c.pfn, static_cast<int>(fm.frames.size()));
            if (fresh) {
                PhysFrame f;
                f.pfn = c.pfn;
                f.zero = c.base == PageBase::ZeroPage;
                f.mapcount = c.kpage_read ? c.mapcount : 0;
                f.count_src = c.count_src;
                f.state = page_state(c);
                f.is_new = have_before &&
                           !std::binary_search(before_pfns.begin(), before_pfns.end(), c.pfn);
                fm.frames.push_back(f);
            }
            ++fm.frames[static_cast<size_t>(it->second)].refs;
            col.frame[r] = it->second;
        }
    if (!order_by_pfn) return;
    std::vector<int> order(fm.frames.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        return fm.frames[static_cast<size_t>(a)].pfn < fm.frames[static_cast<size_t>(b)].pfn;
    });
    std::vector<int> where(order.size());
    std::vector<PhysFrame> sorted;
    for (size_t i = 0; i < order.size(); ++i) {
        where[static_cast<size_t>(order[i])] = static_cast<int>(i);
        sorted.push_back(fm.frames[static_cast<size_t>(order[i])]);
    }
    fm.frames = std::move(sorted);
    for (FrameColumn& col : fm.cols)
        for (int& f : col.frame)
            if (f >= 0) f = where[static_cast<size_t>(f)];
}

void tell_story(const Snapshot* before, FramesModel& fm) {
    if (!before) return;
    for (const FrameColumn& col : fm.cols) {
        if (!before->process(col.pid)) {
            fm.story.push_back(col.name + " (pid " + std::to_string(col.pid) +
                               ") is new: its pages map the same frames as its parent's");
            continue;
        }
        int told = 0, got = 0, shared = 0;
        for (size_t r = 0; r < col.rows.size(); ++r) {
            const int8_t was = col.state_before[r];
            if (page_state(col.rows[r]) == PageState::Shared && was >= 0 &&
                was != static_cast<int8_t>(PageState::Shared))
                ++shared;
            if (!col.moved[r]) continue;
            const uint64_t page = fm.first + r;
            if (col.pfn_before[r] == 0) {
                ++got;
                continue;
            }
            if (told++ >= 2) continue;
            fm.story.push_back(col.name + ": page " + std::to_string(page) +
                               " moved to a new frame PFN " + hex(col.rows[r].pfn) +
                               " (it was in PFN " + hex(col.pfn_before[r]) + ")");
        }
        if (shared)
            fm.story.push_back(col.name + ": " + std::to_string(shared) +
                               (shared == 1 ? " page is now shared" : " pages are now shared") +
                               " (same frame in two processes)");
        if (got)
            fm.story.push_back(col.name + ": " + std::to_string(got) +
                               (got == 1 ? " page got a frame" : " pages got a frame"));
    }
}

} // namespace

bool window_needs_zero_pfn(const Snapshot& s, const Snapshot* before, const std::vector<int>& pids,
                           uint64_t base, uint64_t first, int rows) {
    const uint64_t ps = s.caps.page_size ? s.caps.page_size : 4096;
    const auto needs = [&](const Snapshot& snap, int pid) {
        const Process* p = snap.process(pid);
        for (int r = 0; p && r < rows; ++r) {
            const uint64_t addr = base + (first + static_cast<uint64_t>(r)) * ps;
            const Mapping* m = p->mapping_at(addr);
            if (!m || m->pages.empty()) continue;
            const size_t i = static_cast<size_t>((addr - m->start) / ps);
            if (i < m->pages.size() && zero_pfn_matters(m->pages[i], p->pfn_known, p->kpage_known))
                return true;
        }
        return false;
    };
    for (int pid : pids)
        if (needs(s, pid) || (before && needs(*before, pid))) return true;
    return false;
}

std::vector<uint64_t> source_versions(const Snapshot& s, const std::vector<int>& pids,
                                      int sel_pid) {
    std::vector<uint64_t> out;
    out.reserve(pids.size() + 1);
    for (size_t i = 0; i <= pids.size(); ++i) {
        const Process* p = s.process(i < pids.size() ? pids[i] : sel_pid);
        if (p && p->version == 0) return {UINT64_MAX, s.seq};
        out.push_back(p ? p->version : 0);
    }
    return out;
}

void build_frames(const Snapshot& s, const Snapshot* before, const std::vector<int>& pids,
                  int sel_pid, uint64_t base, uint64_t first, int rows, bool order_by_pfn,
                  uint64_t zero_pfn, FramesModel& out) {
    out = FramesModel{};
    out.base = base;
    out.page_size = s.caps.page_size ? s.caps.page_size : 4096;
    out.first = first;
    out.rows = rows;
    const Process* sp = s.process(sel_pid);
    const Mapping* sm = sp ? sp->mapping_at(base) : nullptr;
    out.pages = sm ? sm->page_count(out.page_size) : 0;
    out.pfn_known = sp && sp->pfn_known;
    const uint64_t zero = zero_pfn, bzero = zero_pfn; // a boot constant
    std::vector<uint64_t> before_pfns;
    for (int pid : pids) {
        const Process* p = s.process(pid);
        if (!p) continue;
        FrameColumn col;
        col.pid = pid;
        col.name = p->name.empty() ? "pid " + std::to_string(pid) : p->name;
        col.role = column_role(s, *p, pids);
        fill_column(s, before, out, zero, bzero, col);
        for (uint64_t b : col.pfn_before)
            if (b) before_pfns.push_back(b);
        out.cols.push_back(std::move(col));
    }
    std::sort(before_pfns.begin(), before_pfns.end());
    collect_frames(out, before_pfns, before != nullptr, order_by_pfn);
    tell_story(before, out);
}

} // namespace mml::app
