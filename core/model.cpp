// Small lookups on the Snapshot model: smaps fields of a mapping, what kind of mapping it is,
// status values and rollups of a process, and a process of a snapshot.
#include "model.hpp"

#include <algorithm>
#include <charconv>

namespace mml {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// A shared object: ".so" followed by the end, a version (".so.6") or " (deleted)".
bool looks_like_library(std::string_view path) {
    for (size_t pos = path.find(".so"); pos != std::string_view::npos;
         pos = path.find(".so", pos + 1)) {
        size_t after = pos + 3;
        if (after == path.size() || path[after] == '.' || path[after] == ' ') return true;
    }
    return false;
}

// Leading decimal number of a value such as "  1740 kB"; 0 when there is none.
uint64_t leading_number(std::string_view v) {
    size_t i = v.find_first_not_of(" \t");
    if (i == std::string_view::npos) return 0;
    uint64_t n = 0;
    std::from_chars(v.data() + i, v.data() + v.size(), n);
    return n;
}

} // namespace

std::string_view to_string(MappingKind k) {
    switch (k) {
    case MappingKind::File:
        return "file";
    case MappingKind::Anonymous:
        return "anonymous";
    case MappingKind::SharedAnon:
        return "shared anonymous";
    case MappingKind::Shm:
        return "shared memory";
    case MappingKind::Heap:
        return "heap";
    case MappingKind::Stack:
        return "stack";
    case MappingKind::Library:
        return "library";
    case MappingKind::Vdso:
        return "vdso";
    case MappingKind::Other:
        return "other";
    }
    return "other";
}

const SmapsField* Mapping::field(std::string_view name) const {
    for (const SmapsField& f : smaps)
        if (f.name == name) return &f;
    return nullptr;
}

uint64_t Mapping::kb(std::string_view name) const {
    const SmapsField* f = field(name);
    return f && f->kb ? *f->kb : 0;
}

bool Mapping::has_flag(std::string_view code) const {
    return std::find(vmflags.begin(), vmflags.end(), code) != vmflags.end();
}

MappingKind Mapping::kind() const {
    const bool shared = perms.size() >= 4 && perms[3] == 's';
    if (path == "[heap]") return MappingKind::Heap;
    if (path == "[stack]" || starts_with(path, "[stack:")) return MappingKind::Stack;
    if (path == "[vdso]" || path == "[vvar]" || path == "[vvar_vclock]" || path == "[vsyscall]")
        return MappingKind::Vdso;
    if (starts_with(path, "/dev/shm/") || starts_with(path, "/SYSV") ||
        starts_with(path, "/memfd:"))
        return MappingKind::Shm;
    if (path.empty() || starts_with(path, "[anon:") || starts_with(path, "[anon_shmem:"))
        return shared ? MappingKind::SharedAnon : MappingKind::Anonymous;
    // MAP_SHARED|MAP_ANONYMOUS memory is a shmem file the kernel names "/dev/zero".
    if (shared && path == "/dev/zero (deleted)") return MappingKind::SharedAnon;
    if (path[0] != '/') return MappingKind::Other;
    if (looks_like_library(path)) return MappingKind::Library;
    return MappingKind::File;
}

Process::Process(const Process& o)
    : pid(o.pid), parent(o.parent), name(o.name), state(o.state), exit_code(o.exit_code),
      term_signal(o.term_signal), mappings(o.mappings), smaps_raw(o.smaps_raw),
      maps_text(o.maps_text), status(o.status), minflt(o.minflt), majflt(o.majflt),
      pfn_known(o.pfn_known), kpage_known(o.kpage_known), error(o.error), contents(o.contents),
      carried(o.carried), counters_pending(o.counters_pending), version(o.version) {
    rebase_views(o.smaps_raw);
}

Process& Process::operator=(const Process& o) {
    if (this != &o) {
        Process copy(o);
        *this = std::move(copy);
    }
    return *this;
}

// Points every smaps_text that pointed into `old` at the same bytes of smaps_raw.
void Process::rebase_views(std::string_view old) {
    for (Mapping& m : mappings) {
        const auto p = reinterpret_cast<uintptr_t>(m.smaps_text.data());
        const auto b = reinterpret_cast<uintptr_t>(old.data());
        if (m.smaps_text.empty() || p < b || p + m.smaps_text.size() > b + old.size()) continue;
        const size_t off = p - b;
        m.smaps_text = std::string_view(smaps_raw).substr(off, m.smaps_text.size());
    }
}

const Mapping* Process::mapping_at(uint64_t addr) const {
    auto it = std::upper_bound(mappings.begin(), mappings.end(), addr,
                               [](uint64_t a, const Mapping& m) { return a < m.start; });
    if (it == mappings.begin()) return nullptr;
    --it;
    return addr < it->end ? &*it : nullptr;
}

uint64_t Process::status_kb(std::string_view key) const {
    for (const auto& [k, v] : status)
        if (k == key) return leading_number(v);
    return 0;
}

uint64_t Process::rollup_kb(std::string_view field) const {
    uint64_t sum = 0;
    for (const Mapping& m : mappings) sum += m.kb(field);
    return sum;
}

const Process* Snapshot::process(int pid) const {
    for (const Process& p : processes)
        if (p.pid == pid) return &p;
    return nullptr;
}

bool Snapshot::counters_pending() const {
    for (const Process& p : processes)
        if (p.counters_pending) return true;
    return false;
}

} // namespace mml
