// The pure page classifier: pagemap entry + kpagecount/kpageflags -> what the UI shows,
// with every inference marked as such (see page_class.hpp).
#include "page_class.hpp"

#include "abi.hpp"

namespace mml {

namespace {

bool kflag(uint64_t flags, int bit) {
    return (flags >> bit) & 1u;
}

// Sharing: mapcount when read; else the pagemap exclusive bit, which the kernel sets for
// pages mapped exactly once. A present page without it and without the file bit has no
// struct page the kernel could count (zero page) or is anonymous and mapped more than once.
void classify_sharing(const Page& p, PageClass& c) {
    if (c.kpage_read) {
        c.mapcount = p.mapcount;
        c.shared = p.mapcount > 1 ? Know::Yes : Know::No;
        return;
    }
    if (c.exclusive == Know::Yes) {
        c.shared = Know::No;
        return;
    }
    c.shared = Know::Yes;
    c.shared_guess = !c.file_page; // could also be the zero page: we cannot tell without PFNs
}

void classify_dirty(const Page& p, const MappingTraits& m, PageClass& c) {
    if (c.flags_read) {
        if (kflag(p.kflags, abi::kKpfDirty)) {
            c.dirty = Know::Yes;
            c.dirty_src = DirtySource::KpfDirty;
        } else if (kflag(p.kflags, abi::kKpfAnon)) {
            c.dirty = Know::Yes;
            c.dirty_src = (m.file && m.priv) ? DirtySource::CowCopy : DirtySource::AnonWrite;
        } else {
            c.dirty = Know::No;
            c.dirty_src = DirtySource::KpfDirty;
        }
        return;
    }
    if (!c.file_page) {
        // An anonymous page (or a private copy of a file page) exists because of a write,
        // unless it is the zero page, which only PFNs or kpageflags could reveal. The zero
        // page is never counted: a page with kpagecount >= 1 is a real anonymous frame.
        if (c.exclusive == Know::Yes || (c.kpage_read && p.mapcount > 0)) {
            c.dirty = Know::Yes;
            c.dirty_src = (m.file && m.priv) ? DirtySource::CowCopy : DirtySource::AnonWrite;
        } else {
            c.dirty = Know::Unknown;
            c.dirty_src = DirtySource::Unknown;
        }
        return;
    }
    if (m.file && m.priv) {
        // A page cache page in a private mapping: this mapping never wrote it (a write would
        // have made a private copy); the page cache may still be dirty through another mapping.
        c.dirty = Know::No;
        c.dirty_src = DirtySource::FileClean;
        return;
    }
    c.dirty = Know::Unknown;
    c.dirty_src = DirtySource::Unknown;
}

} // namespace

MappingTraits MappingTraits::of(const Mapping& m) {
    MappingTraits t;
    t.priv = m.perms.size() < 4 || m.perms[3] != 's';
    switch (m.kind()) {
    case MappingKind::File:
    case MappingKind::Library:
        t.file = true;
        break;
    case MappingKind::SharedAnon:
    case MappingKind::Shm:
        t.shmem = true;
        break;
    default:
        break;
    }
    return t;
}

PageClass classify_page(const Page& p, const MappingTraits& m, const ClassifyEnv& env) {
    PageClass c;
    const uint64_t e = p.entry;
    c.soft_dirty = abi::pm_soft_dirty(e);
    c.file_page = abi::pm_file_shared(e);
    if (!abi::pm_present(e)) {
        c.base = abi::pm_swapped(e) ? PageBase::Swapped : PageBase::NotPresent;
        c.shared = c.exclusive = c.dirty = Know::Unknown;
        c.dirty_src = DirtySource::None;
        return c;
    }
    c.base = PageBase::Present;
    c.exclusive = abi::pm_exclusive(e) ? Know::Yes : Know::No;
    c.pfn = env.pfn_known ? abi::pm_pfn(e) : 0;
    // What the sampler read for this page (Page::kread; a page with flags also has its count).
    c.kpage_read = env.kpage_known && p.count_read();
    c.count_src = p.count_source();
    c.flags_read = env.kpage_known && p.flags_read();
    const bool zero_flag = c.flags_read && kflag(p.kflags, abi::kKpfZeroPage);
    const bool zero_pfn = c.pfn != 0 && env.zero_pfn != 0 && c.pfn == env.zero_pfn;
    if (zero_flag || zero_pfn) {
        c.base = PageBase::ZeroPage;
        c.shared = Know::Yes; // one frame for every reader in the system
        c.dirty = Know::No;
        c.dirty_src = DirtySource::None;
        c.mapcount = c.kpage_read ? p.mapcount : 0;
        return c;
    }
    classify_sharing(p, c);
    classify_dirty(p, m, c);
    return c;
}

uint64_t find_zero_pfn(const Snapshot& s) {
    if (!s.caps.pfn) return 0;
    for (const Process& proc : s.processes) {
        if (!proc.kpage_known) continue;
        for (const Mapping& m : proc.mappings)
            for (const Page& pg : m.pages)
                if (abi::pm_present(pg.entry) && kflag(pg.kflags, abi::kKpfZeroPage))
                    return abi::pm_pfn(pg.entry);
    }
    return 0;
}

ClassifyEnv classify_env(const Snapshot& s, const Process& p) {
    ClassifyEnv env;
    env.pfn_known = p.pfn_known;
    env.kpage_known = p.kpage_known;
    env.zero_pfn = find_zero_pfn(s);
    return env;
}

std::string explain(const PageClass& c) {
    std::string out;
    switch (c.base) {
    case PageBase::NotPresent:
        return "not present: no page table entry (never touched, or dropped)";
    case PageBase::Swapped:
        return "swapped out: the contents are in swap, not in RAM";
    case PageBase::ZeroPage:
        return "the shared zero page: a read of untouched memory maps this one frame of zeros "
               "(not counted in Rss)";
    case PageBase::Present:
        break;
    }
    if (c.shared == Know::Yes && c.shared_guess)
        out = "probably shared: not exclusively mapped (or the zero page) - mapcount unavailable, "
              "needs CAP_SYS_ADMIN";
    else if (c.shared == Know::Yes)
        out = c.kpage_read ? "shared: mapped " + std::to_string(c.mapcount) + " times"
                           : "shared: not exclusively mapped (pagemap exclusive bit clear)";
    else
        out = "mapped once (exclusive)";
    switch (c.dirty_src) {
    case DirtySource::KpfDirty:
        out += c.dirty == Know::Yes ? "; dirty (kpageflags DIRTY)" : "; clean (kpageflags)";
        break;
    case DirtySource::AnonWrite:
        out += "; written (an anonymous page exists only after a write)";
        break;
    case DirtySource::CowCopy:
        out += "; written: a private copy of the file page";
        break;
    case DirtySource::FileClean:
        out += "; clean: the file's page, never written through this mapping";
        break;
    case DirtySource::Unknown:
        out += "; dirty: unknown (the kernel does not say without kpageflags)";
        break;
    case DirtySource::None:
        break;
    }
    return out;
}

const char* to_string(PageBase b) {
    switch (b) {
    case PageBase::NotPresent:
        return "not present";
    case PageBase::ZeroPage:
        return "zero page";
    case PageBase::Swapped:
        return "swapped";
    case PageBase::Present:
        return "present";
    }
    return "?";
}

const char* to_string(Know k) {
    switch (k) {
    case Know::No:
        return "no";
    case Know::Yes:
        return "yes";
    case Know::Unknown:
        return "unknown";
    }
    return "?";
}

} // namespace mml
