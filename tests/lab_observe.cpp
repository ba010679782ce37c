// Real-kernel tests of the procfs readers on this test process itself (no lab process): a
// written page shows as the only present page, and observing never changes what is observed.
#include "abi.hpp"
#include "procfs.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace mml;

namespace {

const uint64_t kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));

// Four read-write private anonymous pages between two PROT_NONE guard pages, so the kernel
// cannot merge the mapping with a neighbour: its VMA is exactly these four pages.
struct Region {
    char* guard = nullptr;
    char* p = nullptr;
    Region() {
        void* g = mmap(nullptr, 6 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (g == MAP_FAILED) return;
        guard = static_cast<char*>(g);
        void* r = mmap(guard + kPage, 4 * kPage, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (r == MAP_FAILED) return;
        p = static_cast<char*>(r);
        madvise(p, 4 * kPage, MADV_NOHUGEPAGE);
    }
    ~Region() {
        if (guard) munmap(guard, 6 * kPage);
    }
    uint64_t addr() const { return reinterpret_cast<uintptr_t>(p); }
};

const Mapping* find(const Process& proc, uint64_t start) {
    const Mapping* m = proc.mapping_at(start);
    return m && m->start == start ? m : nullptr;
}

std::vector<bool> presence(const Mapping& m) {
    std::vector<bool> out;
    for (const Page& pg : m.pages) out.push_back(mml::abi::pm_present(pg.entry));
    return out;
}

} // namespace

TEST(Observe, OnlyTheWrittenPageIsPresent) {
    Region r;
    ASSERT_NE(r.p, nullptr);
    r.p[1 * kPage] = 42;
    Process proc;
    ASSERT_TRUE(procfs::read_process(getpid(), {}, proc)) << proc.error;
    const Mapping* m = find(proc, r.addr());
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->end, r.addr() + 4 * kPage);
    EXPECT_EQ(m->perms, "rw-p");
    EXPECT_EQ(m->kind(), MappingKind::Anonymous);
    EXPECT_TRUE(m->has_flag("nh"));
    ASSERT_EQ(m->pages.size(), 4u);
    EXPECT_EQ(presence(*m), (std::vector<bool>{false, true, false, false}));
    EXPECT_EQ(m->kb("Rss"), kPage / 1024);
    EXPECT_EQ(m->kb("Private_Dirty"), kPage / 1024);
    EXPECT_EQ(m->kb("Anonymous"), kPage / 1024);
    EXPECT_TRUE(mml::abi::pm_exclusive(m->pages[1].entry));
    EXPECT_FALSE(mml::abi::pm_file_shared(m->pages[1].entry));
    // The smaps block of this mapping is the literal text, and maps_text holds its header.
    EXPECT_NE(proc.maps_text.find(std::string(m->smaps_text.substr(0, m->smaps_text.find('\n')))),
              std::string::npos);
    EXPECT_GT(proc.status_kb("VmRSS"), 0u);
    EXPECT_GT(proc.minflt, 0u);
}

TEST(Observe, RootSeesTheFrame) {
    if (geteuid() != 0) GTEST_SKIP() << "PFNs and kpagecount need CAP_SYS_ADMIN";
    Region r;
    ASSERT_NE(r.p, nullptr);
    r.p[1 * kPage] = 7;
    Process proc;
    ASSERT_TRUE(procfs::read_process(getpid(), {}, proc)) << proc.error;
    EXPECT_TRUE(proc.pfn_known);
    EXPECT_TRUE(proc.kpage_known);
    const Mapping* m = find(proc, r.addr());
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->pages.size(), 4u);
    const Page& pg = m->pages[1];
    EXPECT_NE(mml::abi::pm_pfn(pg.entry), 0u);
    // Exclusive anonymous: the exclusive bit gives mapcount 1; kpageflags are not read.
    EXPECT_EQ(pg.mapcount, 1u);
    EXPECT_EQ(pg.kflags, 0u);
    // Asked for every frame, the same page has its flags read.
    procfs::ReadOptions all;
    all.kpage_all = true;
    ASSERT_TRUE(procfs::read_process(getpid(), all, proc)) << proc.error;
    m = find(proc, r.addr());
    ASSERT_NE(m, nullptr);
    const Page& full = m->pages[1];
    EXPECT_EQ(full.mapcount, 1u);
    EXPECT_TRUE((full.kflags >> mml::abi::kKpfAnon) & 1u)
        << mml::abi::kpageflags_to_string(full.kflags);
    EXPECT_FALSE((full.kflags >> mml::abi::kKpfZeroPage) & 1u);
    Capabilities caps = procfs::probe_capabilities();
    EXPECT_TRUE(caps.pfn);
    EXPECT_TRUE(caps.kpage);
    EXPECT_TRUE(caps.reason.find("CAP_SYS_ADMIN") == std::string::npos) << caps.reason;
}

TEST(Observe, ObservingNeverDisturbs) {
    Region touched, untouched;
    ASSERT_NE(touched.p, nullptr);
    ASSERT_NE(untouched.p, nullptr);
    touched.p[1 * kPage] = 1;
    touched.p[3 * kPage] = 1;
    Process a, b;
    ASSERT_TRUE(procfs::read_process(getpid(), {}, a)) << a.error;
    ASSERT_TRUE(procfs::read_process(getpid(), {}, b)) << b.error;
    const Mapping* ta = find(a, touched.addr());
    const Mapping* tb = find(b, touched.addr());
    ASSERT_TRUE(ta && tb);
    EXPECT_EQ(ta->kb("Rss"), tb->kb("Rss"));
    EXPECT_EQ(presence(*ta), presence(*tb));
    EXPECT_EQ(presence(*ta), (std::vector<bool>{false, true, false, true}));
    for (const Process* p : {&a, &b}) {
        const Mapping* u = find(*p, untouched.addr());
        ASSERT_NE(u, nullptr);
        EXPECT_EQ(u->kb("Rss"), 0u);
        ASSERT_EQ(u->pages.size(), 4u);
        EXPECT_EQ(presence(*u), std::vector<bool>(4, false));
    }
}

TEST(Observe, WithoutPagesNoPagemap) {
    Process proc;
    procfs::ReadOptions opt;
    opt.pages = false;
    ASSERT_TRUE(procfs::read_process(getpid(), opt, proc)) << proc.error;
    ASSERT_FALSE(proc.mappings.empty());
    for (const Mapping& m : proc.mappings) EXPECT_TRUE(m.pages.empty());
    for (const Mapping& m : proc.mappings) EXPECT_FALSE(m.vmflags.empty()) << m.path;
}

TEST(Observe, VsyscallIsSkippedAndErrorsAreWords) {
    Process proc;
    ASSERT_TRUE(procfs::read_process(getpid(), {}, proc)) << proc.error;
    for (const Mapping& m : proc.mappings)
        if (m.path == "[vsyscall]") {
            EXPECT_TRUE(m.pages.empty());
        }
    Process none;
    EXPECT_FALSE(procfs::read_process(999999999, {}, none));
    EXPECT_NE(none.error.find("999999999"), std::string::npos) << none.error;
}

TEST(Observe, ProbeSaysWhatItSees) {
    Capabilities c = procfs::probe_capabilities();
    EXPECT_FALSE(c.kernel.empty());
    EXPECT_EQ(c.page_size, kPage);
    EXPECT_FALSE(c.thp.empty());
    EXPECT_EQ(c.thp.find('['), std::string::npos);
    if (!c.pfn) {
        EXPECT_NE(c.reason.find("CAP_SYS_ADMIN"), std::string::npos);
    }
}

TEST(Observe, AnotherUsersProcessIsExplained) {
    if (geteuid() == 0) GTEST_SKIP() << "root may read every process";
    std::string status;
    if (!procfs::read_file("/proc/1/status", status)) GTEST_SKIP() << "no /proc/1";
    Process proc;
    ASSERT_FALSE(procfs::read_process(1, {}, proc));
    EXPECT_NE(proc.error.find("permission denied: /proc/1/smaps"), std::string::npos) << proc.error;
    EXPECT_NE(proc.error.find("CAP_SYS_PTRACE"), std::string::npos);
}
