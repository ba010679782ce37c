// The Sampler's quick snapshot after an action: the acting process is read again, and so is
// every process mapping a frame whose page table entries the action changed; the others are
// carried over from the snapshot before (lab processes run only when commanded).
#include "abi.hpp"
#include "action_scope.hpp"
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
void diff_frames(const Process& a, const Process& b, uint64_t ps, bool only_missing, Changes& out) {
    PageCursor other(b, ps);
    size_t bi = 0;
    for (const Mapping& m : a.mappings) {
        const Mapping* twin = twin_of(m, b, bi);
        if (twin && only_missing) continue;
        for (size_t i = 0; i < m.pages.size(); ++i) {
            const uint64_t e = m.pages[i].entry;
            const Page* o = twin ? &twin->pages[i] : other.at(m.start + i * ps);
            if (o && o->entry == e) continue;
            out.note(e);
            if (o) out.note(o->entry);
        }
    }
}

void sort_unique(Frames& f) {
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
}

bool maps_any(const Process& p, const Frames& frames) {
    for (const Mapping& m : p.mappings)
        for (const Page& pg : m.pages) {
            const uint64_t pfn = abi::pm_pfn(pg.entry);
            if (pfn != 0 && std::binary_search(frames.begin(), frames.end(), pfn)) return true;
        }
    return false;
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

// Mappings whose kpage values are always read in full (procfs_kpage.cpp: huge-page capable,
// KSM-mergeable): nothing of them is carried.
bool never_carried(const Mapping& m) {
    return m.has_flag("hg") || m.has_flag("mg") || m.kb("AnonHugePages") ||
           m.kb("ShmemPmdMapped") || m.kb("FilePmdMapped") || m.kb("Shared_Hugetlb") ||
           m.kb("Private_Hugetlb");
}

// kpage values of `now` (a fresh read of `was`'s process): carried from `was` for an anonymous
// page whose entry is bit-identical at the same address and whose frame is not in `changed` (its
// mapcount and flags can then only have moved by the kernel's own doing, as in
// procfs_kpage.cpp's reuse), read for the other present pages (file pages always: processes
// outside the lab map them too). False when the kpage files cannot be read.
bool fill_kpage(Process& now, const Process& was, const Frames& changed, uint64_t ps) {
    PageCursor before(was, ps);
    size_t bi = 0;
    Process scratch; // the pages to read, under copies of their mappings
    scratch.pid = now.pid;
    scratch.pfn_known = now.pfn_known;
    std::vector<Page*> back; // where each scratch page goes
    for (Mapping& m : now.mappings) {
        const bool carry = was.kpage_known && !never_carried(m);
        const Mapping* twin = twin_of(m, was, bi);
        Mapping* sm = nullptr;
        for (size_t i = 0; i < m.pages.size(); ++i) {
            Page& pg = m.pages[i];
            const uint64_t pfn = abi::pm_pfn(pg.entry);
            if (pfn == 0) continue;
            const Page* o = !carry ? nullptr : twin ? &twin->pages[i] : before.at(m.start + i * ps);
            if (o && o->entry == pg.entry && !abi::pm_file_shared(pg.entry) &&
                !std::binary_search(changed.begin(), changed.end(), pfn)) {
                pg.mapcount = o->mapcount;
                pg.kflags = o->kflags;
                pg.kread = o->kread;
                continue;
            }
            if (!sm) {
                Mapping copy = m;
                copy.pages.clear();
                scratch.mappings.push_back(std::move(copy));
                sm = &scratch.mappings.back();
            }
            sm->pages.push_back(pg);
            back.push_back(&pg);
        }
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
void settle(int pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    std::string text;
    for (int i = 0; i < 100; ++i) {
        if (!procfs::read_file(path, text)) return;
        const size_t close = text.rfind(") ");
        if (close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'R')
            return;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

// One process read again for a quick snapshot (pagemap, no kpage yet); false on any error.
bool reread(int pid, const Process& was, Process& out) {
    procfs::ReadOptions opt;
    opt.kpage = false;
    out.parent = was.parent;
    out.name = was.name;
    return procfs::read_process(pid, opt, out) && all_pages(out);
}

// The acting processes of the journal since `before` (acted[i]: lab process i), or false when
// a quick snapshot cannot be shown equal to a full one: a wide action, a changed set of lab
// processes, an acting process not fully read before.
bool quick_scope(Lab& lab, const Snapshot& before, std::vector<LabProcess>& lps,
                 std::vector<bool>& acted) {
    std::vector<LabDeed> deeds;
    if (!lab.journal_since(before.lab_seq, deeds)) return false;
    lab.reap();
    lps = lab.processes();
    if (!same_processes(lps, before)) return false;
    acted.assign(lps.size(), false);
    for (const LabDeed& d : deeds) {
        if (action_scope(d, before.process(d.pid)).wide) return false;
        for (size_t i = 0; i < lps.size(); ++i) acted[i] = acted[i] || lps[i].pid == d.pid;
    }
    return true;
}

// Reads the acting processes again, then every other one that maps a frame they changed
// (mapcount, exclusive bit, Pss moved); carries the rest. False on any read error.
bool quick_read(const Snapshot& before, const std::vector<LabProcess>& lps,
                const std::vector<bool>& acted, uint64_t ps, Snapshot& snap, uint64_t& reads) {
    snap.processes.resize(lps.size());
    Changes ch;
    for (size_t i = 0; i < lps.size(); ++i) {
        if (!acted[i]) continue;
        const Process& was = before.processes[i];
        settle(lps[i].pid);
        if (!reread(lps[i].pid, was, snap.processes[i])) return false;
        diff_frames(snap.processes[i], was, ps, false, ch);
        diff_frames(was, snap.processes[i], ps, true, ch);
    }
    sort_unique(ch.all);
    sort_unique(ch.shared);
    for (size_t i = 0; i < lps.size(); ++i) {
        if (!acted[i]) continue;
        if (!fill_kpage(snap.processes[i], before.processes[i], ch.all, ps)) return false;
        drop_zero_page(snap.processes[i], ch.shared);
        ++reads;
    }
    for (size_t i = 0; i < lps.size(); ++i) {
        const Process& was = before.processes[i];
        Process& p = snap.processes[i];
        if (acted[i]) continue;
        if (ok_alive(was) && !ch.shared.empty() && maps_any(was, ch.shared)) {
            if (!reread(lps[i].pid, was, p) || !fill_kpage(p, was, ch.all, ps)) return false;
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
    std::shared_ptr<Snapshot> snap = quick(*before);
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

// The quick snapshot after `before`, or nullptr when it cannot be shown equal to a full one.
std::shared_ptr<Snapshot> Sampler::quick(const Snapshot& before) {
    if (!opts_.pages || !caps_.pfn || !caps_.kpage) return nullptr;
    auto snap = std::make_shared<Snapshot>();
    snap->lab_seq = lab_.journal_seq(); // counted before reading, as in take()
    snap->action_seq = lab_.action_count();
    snap->taken = Clock::now();
    snap->caps = caps_;
    snap->quick = true;
    std::vector<LabProcess> lps;
    std::vector<bool> acted;
    uint64_t reads = 0;
    if (!quick_scope(lab_, before, lps, acted) ||
        !quick_read(before, lps, acted, caps_.page_size, *snap, reads))
        return nullptr;
    Watch w;
    {
        std::lock_guard lock(mu_);
        w = watch_;
        stats_.quick_reads += reads;
        stats_.quick_carried += lps.size() - reads;
    }
    for (Process& p : snap->processes)
        if (w.pid == p.pid && ok_alive(p)) read_watched(p, w.addr, w.len);
    return snap;
}

} // namespace mml
