// The Sampler's quick snapshot after an action: the acting process is read again, and so is
// every process mapping a frame whose page table entries the action changed; the others are
// carried over from the snapshot before (lab processes run only when commanded). Of a process
// read again, smaps, status and stat are read in full, its pagemap only where the action can
// have changed it (quick_pages.cpp); diffs and kpage reads cover only those pages.
#include "abi.hpp"
#include "action_scope.hpp"
#include "quick_pages.hpp"
#include "sampler.hpp"

#include <algorithm>
#include <sys/wait.h>
#include <thread>

namespace mml {

namespace {

using Clock = std::chrono::steady_clock;
using Frames = std::vector<uint64_t>; // sorted, unique PFNs

bool ok_alive(const Process& p) {
    return p.state == ProcState::Alive && p.error.empty();
}

// Every mapping has its pagemap entries (none skipped as too large): then a comparison of two
// reads sees every page table change.
bool all_pages(const Process& p) {
    for (const Mapping& m : p.mappings)
        if (m.pages.empty() && m.path != "[vsyscall]") return false;
    return true;
}

// Pages of one read of a process, looked up by address in ascending order.
class PageCursor {
public:
    explicit PageCursor(const Process& p, uint64_t ps) : p_(p), ps_(ps) {}
    const Page* at(uint64_t addr) {
        const auto& ms = p_.mappings;
        while (mi_ < ms.size() && ms[mi_].end <= addr) ++mi_;
        if (mi_ == ms.size() || ms[mi_].start > addr || ms[mi_].pages.empty()) return nullptr;
        return &ms[mi_].pages[(addr - ms[mi_].start) / ps_];
    }

private:
    const Process& p_;
    uint64_t ps_;
    size_t mi_ = 0;
};

// The mapping of `b` with exactly m's range and pages, or nullptr (mappings in address order;
// `bi` is a cursor).
const Mapping* twin_of(const Mapping& m, const Process& b, size_t& bi) {
    const auto& ms = b.mappings;
    while (bi < ms.size() && ms[bi].start < m.start) ++bi;
    if (bi == ms.size() || ms[bi].start != m.start || ms[bi].end != m.end ||
        ms[bi].pages.size() != m.pages.size())
        return nullptr;
    return &ms[bi];
}

// Frames whose page table entries changed between two reads of one process, compared by
// address: `all` every PFN of an entry that changed (old and new), `shared` those of them whose
// entry lacks the exclusive bit (only these can be mapped by another process: an exclusive
// page is mapped once, and a process that did not act cannot have mapped it since).
struct Changes {
    Frames all, shared;
    void note(uint64_t e) {
        const uint64_t pfn = abi::pm_pfn(e);
        if (pfn == 0) return;
        all.push_back(pfn);
        if (!abi::pm_exclusive(e)) shared.push_back(pfn);
    }
};

// Notes entries of `a` that differ from `b`'s at the same address (or that `b` does not
// have); with `only_missing`, only those at addresses `b` does not map with the same range.
// With `fresh` (a's pages read again, quick_pages.hpp), only those: a carried page's entry is
// b's, a copy.
void diff_frames(const Process& a, const Process& b, uint64_t ps, bool only_missing, Changes& out,
                 const quick::Fresh* fresh = nullptr) {
    PageCursor other(b, ps);
    size_t bi = 0;
    for (size_t k = 0; k < a.mappings.size(); ++k) {
        const Mapping& m = a.mappings[k];
        const Mapping* twin = twin_of(m, b, bi);
        if (twin && only_missing) continue;
        const auto diff = [&](size_t first, size_t last) {
            for (size_t i = first; i < last; ++i) {
                const uint64_t e = m.pages[i].entry;
                const Page* o = twin ? &twin->pages[i] : other.at(m.start + i * ps);
                if (o && o->entry == e) continue;
                out.note(e);
                if (o) out.note(o->entry);
            }
        };
        if (!fresh) {
            diff(0, m.pages.size());
            continue;
        }
        for (const auto& [first, last] : (*fresh)[k]) diff(first, last);
    }
}

void sort_unique(Frames& f) {
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
}

// Drops from `f` the zero page (its flags read in `p`): mapping it changes nothing another
// process shows, so it is no reason to read them again.
void drop_zero_page(const Process& p, Frames& f) {
    if (f.empty()) return;
    for (const Mapping& m : p.mappings)
        for (const Page& pg : m.pages)
            if (pg.flags_read() && (pg.kflags >> abi::kKpfZeroPage) & 1 &&
                std::binary_search(f.begin(), f.end(), abi::pm_pfn(pg.entry)))
                std::erase(f, abi::pm_pfn(pg.entry));
}

// kpage values of `now` (a fresh read of `was`'s process, `fresh` its pages read again):
// carried from `was` for an anonymous page whose entry is bit-identical at the same address and
// whose frame is not in `changed` (its mapcount and flags can then only have moved by the
// kernel's own doing, as in procfs_kpage.cpp's reuse), read for the other present pages (file
// pages always: processes outside the lab map them too). A page not read again has `was`'s
// entry and values already; they are read again on the same terms (a frame in `changed` mapped
// there too can only be the zero page, whose entry never changes: a windowed mapping is private
// anonymous, see quick_pages.cpp). False when the kpage files cannot be read.
bool fill_kpage(Process& now, const Process& was, const Frames& changed, uint64_t ps,
                const quick::Fresh& fresh) {
    PageCursor before(was, ps);
    size_t bi = 0;
    Process scratch; // the pages to read, under copies of their mappings (without pages)
    scratch.pid = now.pid;
    scratch.pfn_known = now.pfn_known;
    std::vector<Page*> back; // where each scratch page goes
    const uint64_t lo = changed.empty() ? 1 : changed.front();
    const uint64_t hi = changed.empty() ? 0 : changed.back();
    const auto is_changed = [&](uint64_t pfn) {
        return pfn >= lo && pfn <= hi && std::binary_search(changed.begin(), changed.end(), pfn);
    };
    for (size_t k = 0; k < now.mappings.size(); ++k) {
        Mapping& m = now.mappings[k];
        const bool carry = was.kpage_known && !quick::never_carried(m);
        const Mapping* twin = twin_of(m, was, bi);
        Mapping* sm = nullptr;
        const auto read = [&](Page& pg) {
            if (!sm) {
                PageVec pages; // not shared with the copy: `back` points into m's
                pages.swap(m.pages);
                scratch.mappings.push_back(m);
                pages.swap(m.pages);
                sm = &scratch.mappings.back();
            }
            sm->pages.push_back(pg);
            back.push_back(&pg);
        };
        const auto kept = [&](size_t first, size_t last) { // not read again
            for (size_t i = first; i < last; ++i) {
                Page& pg = m.pages[i];
                const uint64_t pfn = abi::pm_pfn(pg.entry);
                if (pfn != 0 && (!carry || abi::pm_file_shared(pg.entry) || is_changed(pfn)))
                    read(pg);
            }
        };
        size_t i = 0;
        for (const auto& [first, last] : fresh[k]) {
            kept(i, first);
            for (i = first; i < last; ++i) {
                Page& pg = m.pages[i];
                const uint64_t pfn = abi::pm_pfn(pg.entry);
                if (pfn == 0) continue;
                const Page* o = !carry ? nullptr
                                : twin ? &twin->pages[i]
                                       : before.at(m.start + i * ps);
                if (o && o->entry == pg.entry && !abi::pm_file_shared(pg.entry) &&
                    !is_changed(pfn)) {
                    pg.mapcount = o->mapcount;
                    pg.kflags = o->kflags;
                    pg.kread = o->kread;
                    continue;
                }
                read(pg);
            }
        }
        kept(i, m.pages.size());
    }
    now.kpage_known = now.pfn_known;
    if (back.empty() || !now.pfn_known) return true;
    Process* one = &scratch;
    if (!procfs::read_kpage(std::span(&one, 1), procfs::ReadOptions{})) return false;
    size_t k = 0;
    for (const Mapping& sm : scratch.mappings)
        for (const Page& pg : sm.pages) *back[k++] = pg;
    now.kpage_known = scratch.kpage_known;
    return true;
}

// The lab's processes are those of `before`, alive or dead alike.
bool same_processes(const std::vector<LabProcess>& lps, const Snapshot& before) {
    if (lps.size() != before.processes.size()) return false;
    for (size_t i = 0; i < lps.size(); ++i) {
        const Process& q = before.processes[i];
        if (q.pid != lps[i].pid || lps[i].alive != (q.state == ProcState::Alive)) return false;
        if (lps[i].alive && (!ok_alive(q) || !all_pages(q))) return false;
    }
    return true;
}

// Waits (up to ~10 ms) until lab process `pid` sleeps: it has sent its reply and may still be
// returning to its command loop (the subject frees what a request allocated before replying,
// but the first stack writes after a fork can still copy a page). Sleeping, it waits for the
// next request and writes nothing.
bool settle(int pid, std::string& text) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    for (int i = 0; i < 100; ++i) {
        if (!procfs::read_file(path, text)) return false;
        const size_t close = text.rfind(") ");
        if (close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'R')
            return true;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
}

// A lab process that did not act, settled, has faulted nothing since `was` was read: its page
// table entries are then those of `was` but for what other processes did to frames it maps
// (the exclusive bit) and the kernel's own doing. A fork child still returning to its command
// loop when `was` was read is not (it faults in the library code it runs).
bool quiet_since(int pid, const Process& was) {
    std::string text;
    uint64_t minflt = 0, majflt = 0;
    return settle(pid, text) && procfs::parse_stat(text, minflt, majflt) && minflt == was.minflt &&
           majflt == was.majflt;
}

// Where the acting processes' page table entries can have changed, per lab process.
struct Reach {
    bool any = false;      // the process acted
    bool anywhere = false; // read all its pages
    std::vector<quick::Range> ranges;
};

// The acting processes of the journal since `before` and what their deeds reach, or false when
// a quick snapshot cannot be shown equal to a full one: a wide action, a changed set of lab
// processes, an acting process not fully read before.
bool quick_scope(Lab& lab, const Snapshot& before, std::vector<LabProcess>& lps,
                 std::vector<Reach>& reach) {
    std::vector<LabDeed> deeds;
    if (!lab.journal_since(before.lab_seq, deeds)) return false;
    lab.reap();
    lps = lab.processes();
    if (!same_processes(lps, before)) return false;
    reach.assign(lps.size(), {});
    size_t actors = 0;
    for (const LabDeed& d : deeds) {
        if (action_scope(d, before.process(d.pid)).wide) return false;
        const ActionReach r = action_reach(d);
        for (size_t i = 0; i < lps.size(); ++i) {
            if (lps[i].pid != d.pid) continue;
            actors += !reach[i].any;
            reach[i].any = true;
            reach[i].anywhere |= r.anywhere;
            reach[i].ranges.insert(reach[i].ranges.end(), r.ranges.begin(), r.ranges.end());
        }
    }
    // Two acting processes: one's entries for frames the other changed (the exclusive bit) lie
    // outside its own reach. Rare (a script acting in several processes); read them in full.
    if (actors > 1)
        for (Reach& r : reach) r.anywhere = true;
    return true;
}

// Addresses of `p`'s pages that map a frame of `frames`: a process that did not act sees its
// entries change only there (the exclusive bit follows the frame's mapcount).
std::vector<quick::Range> mapping_pages(const Process& p, const Frames& frames, uint64_t ps) {
    std::vector<quick::Range> out;
    if (frames.empty()) return out;
    for (const Mapping& m : p.mappings)
        for (size_t i = 0; i < m.pages.size(); ++i) {
            const uint64_t pfn = abi::pm_pfn(m.pages[i].entry);
            if (pfn != 0 && std::binary_search(frames.begin(), frames.end(), pfn))
                out.emplace_back(m.start + i * ps, m.start + (i + 1) * ps);
        }
    return out;
}

// Reads the acting processes again (their pagemap only where their deeds reach, see
// quick_pages.cpp), then every other one that maps a frame they changed (mapcount, exclusive
// bit, Pss moved; its pagemap only around those pages); carries the rest. Without `counters`,
// what is read again is all but smaps (quick::reread_pages). False on any read error.
bool quick_read(const Snapshot& before, const std::vector<LabProcess>& lps,
                const std::vector<Reach>& reach, uint64_t ps, bool counters, Snapshot& snap,
                uint64_t& reads) {
    snap.processes.resize(lps.size());
    std::vector<quick::Fresh> fresh(lps.size());
    Changes ch;
    for (size_t i = 0; i < lps.size(); ++i) {
        if (!reach[i].any) continue;
        const Process& was = before.processes[i];
        Process& now = snap.processes[i];
        std::string stat;
        settle(lps[i].pid, stat);
        const std::vector<quick::Range> win = quick::windows(reach[i].ranges);
        if (!counters &&
            (reach[i].anywhere || !quick::reread_pages(lps[i].pid, was, win, ps, now, fresh[i])))
            return false;
        if (counters &&
            !quick::reread(lps[i].pid, was, reach[i].anywhere ? nullptr : &win, ps, now, fresh[i]))
            return false;
        diff_frames(now, was, ps, false, ch, &fresh[i]);
        diff_frames(was, now, ps, true, ch);
    }
    sort_unique(ch.all);
    sort_unique(ch.shared);
    for (size_t i = 0; i < lps.size(); ++i) {
        if (!reach[i].any) continue;
        if (!fill_kpage(snap.processes[i], before.processes[i], ch.all, ps, fresh[i])) return false;
        drop_zero_page(snap.processes[i], ch.shared);
        ++reads;
    }
    for (size_t i = 0; i < lps.size(); ++i) {
        const Process& was = before.processes[i];
        Process& p = snap.processes[i];
        if (reach[i].any) continue;
        // One that ran on its own may have changed frames others map: left to a full snapshot.
        if (ok_alive(was) && !quiet_since(lps[i].pid, was)) return false;
        const std::vector<quick::Range> win =
            ok_alive(was) ? quick::windows(mapping_pages(was, ch.shared, ps))
                          : std::vector<quick::Range>{};
        if (!win.empty()) {
            const bool read = counters ? quick::reread(lps[i].pid, was, &win, ps, p, fresh[i])
                                       : quick::reread_pages(lps[i].pid, was, win, ps, p, fresh[i]);
            if (!read || !fill_kpage(p, was, ch.all, ps, fresh[i])) return false;
            ++reads;
            continue;
        }
        p = was;
        p.contents.reset();
        p.carried = true;
    }
    return true;
}

} // namespace

SnapshotPtr Sampler::sample_quick(const SnapshotPtr& before) {
    if (!before) return nullptr;
    std::lock_guard quick_lock(quick_mu_);
    const auto t0 = Clock::now();
    std::shared_ptr<Snapshot> snap = quick(*before, true);
    const bool published = snap && publish(snap);
    std::lock_guard lock(mu_);
    if (!published) {
        ++stats_.quick_declined;
        return nullptr;
    }
    ++stats_.quick;
    stats_.last_quick_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return snap;
}

SnapshotPtr Sampler::sample_pages(const SnapshotPtr& before) {
    if (!before) return nullptr;
    std::lock_guard quick_lock(quick_mu_);
    const auto t0 = Clock::now();
    std::shared_ptr<Snapshot> pages = quick(*before, false);
    if (!pages || !publish(pages, false)) return nullptr;
    std::lock_guard lock(mu_);
    ++stats_.pages_first;
    stats_.last_pages_first_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return pages;
}

// The quick snapshot after `before`, or nullptr when it cannot be shown equal to a full one
// (without `counters`: but for the smaps counters, Process::counters_pending).
std::shared_ptr<Snapshot> Sampler::quick(const Snapshot& before, bool counters) {
    if (!opts_.pages || !caps_.pfn || !caps_.kpage) return nullptr;
    auto snap = std::make_shared<Snapshot>();
    snap->lab_seq = lab_.journal_seq(); // counted before reading, as in take()
    snap->action_seq = lab_.action_count();
    snap->taken = Clock::now();
    snap->caps = caps_;
    snap->quick = true;
    std::vector<LabProcess> lps;
    std::vector<Reach> reach;
    uint64_t reads = 0;
    if (!quick_scope(lab_, before, lps, reach) ||
        !quick_read(before, lps, reach, caps_.page_size, counters, *snap, reads))
        return nullptr;
    Watch w;
    {
        std::lock_guard lock(mu_);
        w = watch_;
        if (counters) {
            stats_.quick_reads += reads;
            stats_.quick_carried += lps.size() - reads;
        }
    }
    for (Process& p : snap->processes)
        if (w.pid == p.pid && ok_alive(p)) read_watched(p, w.addr, w.len);
    return snap;
}

} // namespace mml
