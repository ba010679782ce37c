// libFuzzer target: pagemap words, kpageflags and kpagecount from fuzzed bytes, decoded and
// classified, then reported as JSON and as the table (`mmaplab inspect --pages`).
#include "page_class.hpp"
#include "report.hpp"

#include <cstdint>
#include <cstring>

namespace {

// Reads fuzzed values in order; zeros once the input is used up.
struct Bytes {
    const uint8_t* p;
    size_t n;
    template <class T> T take() {
        T v{};
        size_t k = n < sizeof v ? n : sizeof v;
        std::memcpy(&v, p, k);
        p += k;
        n -= k;
        return v;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Bytes in{data, size};
    mml::Snapshot snap;
    mml::Process proc;
    proc.pid = 4242;
    const auto bits = in.take<uint8_t>();
    proc.pfn_known = bits & 1;
    proc.kpage_known = bits & 2;
    const int mappings = 1 + in.take<uint8_t>() % 4;
    uint64_t addr = 0x10000;
    for (int i = 0; i < mappings && in.n > 0; ++i) {
        mml::Mapping m;
        const size_t pages = in.take<uint8_t>() % 64;
        m.start = addr;
        m.end = addr + pages * 4096;
        addr = m.end + 4096;
        static const char* const kPerms[] = {"rw-p", "r--s", "rw-s", "---p"};
        m.perms = kPerms[in.take<uint8_t>() % 4];
        m.path = (bits & 4) ? "/tmp/x (deleted)" : ((bits & 8) ? "/dev/zero (deleted)" : "");
        for (size_t k = 0; k < pages; ++k) {
            mml::Page pg;
            pg.entry = in.take<uint64_t>();
            pg.kflags = (bits & 16) ? in.take<uint64_t>() : 0;
            pg.mapcount = (bits & 32) ? in.take<uint32_t>() : 1;
            m.pages.push_back(pg);
        }
        proc.mappings.push_back(std::move(m));
    }
    snap.processes.push_back(proc);
    const mml::Process& p = snap.processes.front();
    mml::ClassifyEnv env = mml::classify_env(snap, p);
    for (const mml::Mapping& m : p.mappings) {
        mml::MappingTraits t = mml::MappingTraits::of(m);
        for (const mml::Page& pg : m.pages) (void)mml::explain(mml::classify_page(pg, t, env));
    }
    (void)mml::report::process_json(p, true).dump();
    (void)mml::report::process_table(p, true);
    return 0;
}
