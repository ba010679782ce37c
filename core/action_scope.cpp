// The quick-snapshot rule (action_scope.hpp). An action is narrow when its only way to change
// what another process shows is through page table entries of the acting process: the Sampler
// then sees every frame it mapped or unmapped by comparing that process's pagemap before and
// after, and re-reads every process that maps one of those frames. Everything else is wide.
#include "action_scope.hpp"

#include <sys/mman.h>

namespace mml {

namespace {

// madvise advice whose effect on other processes goes only through the caller's page table
// entries (zapped or faulted in) or that changes only the caller's VMA flags. Not here, so
// wide: WILLNEED, FREE, REMOVE, (UN)MERGEABLE (KSM), (NO)HUGEPAGE, COLD, PAGEOUT, COLLAPSE
// and anything newer: they change page cache, LRU or flags of frames others may map.
bool narrow_advice(uint64_t advice, bool& writes) {
    constexpr uint64_t kPopulateRead = 22, kPopulateWrite = 23, kDontneedLocked = 24;
    writes = advice == kPopulateWrite;
    switch (advice) {
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_DONTNEED:
    case MADV_DONTFORK:
    case MADV_DOFORK:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
    case kPopulateRead:
    case kPopulateWrite:
    case kDontneedLocked:
        return true;
    default:
        return false;
    }
}

// Whether [addr, addr + len) overlaps a MAP_SHARED mapping of `p`: a write there can dirty a
// frame others map without changing any page table entry (an already writable one).
bool touches_shared(const Process& p, uint64_t addr, uint64_t len) {
    const uint64_t end = addr + len < addr ? ~uint64_t{0} : addr + len;
    for (const Mapping& m : p.mappings)
        if (m.start < end && addr < m.end && (m.perms.size() < 4 || m.perms[3] != 'p')) return true;
    return false;
}

ActionScope narrow() {
    return {false, ""};
}

ActionScope wide(const char* why) {
    return {true, why};
}

// A write of [addr, addr + len): narrow in private memory only.
ActionScope write_scope(const Process* before, uint64_t addr, uint64_t len) {
    if (!before) return wide("no snapshot of the process before the write");
    return touches_shared(*before, addr, len) ? wide("a write to shared memory") : narrow();
}

ActionScope request_scope(const LabDeed& d, const Process* before) {
    switch (d.op) {
    case Op::Ping:
    case Op::SetVmaName:
    case Op::SetCrash:
    case Op::Load:
    case Op::TouchRead:
    case Op::Mmap:
    case Op::Munmap:
    case Op::Mprotect:
    case Op::Mremap:
        return narrow();
    case Op::Store:
        return write_scope(before, d.a[0], d.data_len);
    case Op::Fill:
    case Op::TouchWrite:
        return write_scope(before, d.a[0], d.a[1]);
    case Op::Madvise: {
        bool writes = false;
        if (!narrow_advice(d.a[2], writes)) return wide("madvise advice beyond page tables");
        return writes ? write_scope(before, d.a[0], d.a[1]) : narrow();
    }
    default: // files, shm, msync, mlock, exit, fork and anything new
        return wide("files, shm, msync, mlock, exit or fork");
    }
}

} // namespace

ActionScope action_scope(const LabDeed& d, const Process* before) {
    switch (d.kind) {
    case LabDeed::Kind::Fork:
        return wide("fork");
    case LabDeed::Kind::Kill:
        return wide("kill");
    case LabDeed::Kind::Spawn:
        return wide("a new lab process");
    case LabDeed::Kind::Request:
        break;
    }
    if (d.died) return wide("the process died");
    if (!d.delivered) return wide("no reply (the request's effect is unknown)");
    return request_scope(d, before);
}

namespace {

// [addr, addr + len), or false when it wraps.
bool add(ActionReach& r, uint64_t addr, uint64_t len) {
    if (addr + len < addr) return false;
    if (len) r.ranges.emplace_back(addr, addr + len);
    return true;
}

} // namespace

ActionReach action_reach(const LabDeed& d) {
    ActionReach r;
    if (d.kind != LabDeed::Kind::Request) return r;
    bool ok = true;
    switch (d.op) {
    case Op::Ping:
    case Op::SetCrash:
    case Op::SetVmaName: // names a VMA (a changed VMA is read in full); no page table entry
        break;
    case Op::Store:
        ok = add(r, d.a[0], d.data_len);
        break;
    case Op::Load:
    case Op::Fill:
    case Op::TouchRead:
    case Op::TouchWrite:
    case Op::Madvise:
    case Op::Mprotect:
    case Op::Munmap:
        ok = add(r, d.a[0], d.a[1]);
        break;
    case Op::Mmap: // MAP_FIXED may replace what was at a[0]; the new mapping is at the result
        ok = ((d.a[3] & MAP_FIXED) == 0 || add(r, d.a[0], d.a[1])) &&
             (d.ret == -1 || add(r, static_cast<uint64_t>(d.ret), d.a[1]));
        break;
    default: // mremap (moves entries), files, shm, msync, mlock, exit, and anything new
        return r;
    }
    r.anywhere = !ok;
    if (!ok) r.ranges.clear();
    return r;
}

} // namespace mml
