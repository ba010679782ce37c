// read_contents on the test process itself: a private file mapping with page 0 written and
// page 1 untouched shows the difference, and reading never faults page 1 in.
#include "abi.hpp"
#include "contents.hpp"
#include "procfs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));

uint64_t pagemap_entry(uint64_t addr) {
    int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    uint64_t e = 0;
    if (fd >= 0) {
        if (::pread(fd, &e, sizeof e, static_cast<off_t>(addr / kPage * sizeof e)) != sizeof e)
            e = 0;
        ::close(fd);
    }
    return e;
}

mml::Mapping find_mapping(uint64_t addr) {
    std::string text;
    EXPECT_TRUE(mml::procfs::read_file("/proc/self/maps", text));
    for (const mml::Mapping& m : mml::procfs::parse_maps(text))
        if (m.start <= addr && addr < m.end) return m;
    ADD_FAILURE() << "no mapping at " << std::hex << addr;
    return {};
}

class FileMapping : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mmaplab-contents-XXXXXX";
        fd_ = ::mkstemp(tmpl);
        ASSERT_GE(fd_, 0);
        path_ = tmpl;
        std::string data(2 * kPage, 'F');
        ASSERT_EQ(::write(fd_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
        void* p = ::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0);
        ASSERT_NE(p, MAP_FAILED);
        ::madvise(p, 2 * kPage, MADV_NOHUGEPAGE);
        base_ = static_cast<char*>(p);
    }
    void TearDown() override {
        if (base_) ::munmap(base_, 2 * kPage);
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    int fd_ = -1;
    std::string path_;
    char* base_ = nullptr;
};

TEST_F(FileMapping, PrivateWriteDiffersAndUntouchedPageStaysAbsent) {
    std::memcpy(base_, "private write", 13); // write fault: a private copy of page 0
    const uint64_t a = reinterpret_cast<uint64_t>(base_);
    ASSERT_TRUE(mml::abi::pm_present(pagemap_entry(a)));
    ASSERT_FALSE(mml::abi::pm_present(pagemap_entry(a + kPage)));

    mml::Mapping m = find_mapping(a);
    mml::Contents c;
    ASSERT_TRUE(mml::read_contents(::getpid(), m, a, 2 * kPage, c)) << c.note;
    EXPECT_EQ(c.addr, a);
    EXPECT_EQ(c.len, 2 * kPage);
    ASSERT_EQ(c.page_present.size(), 2u);
    EXPECT_TRUE(c.page_present[0]);
    EXPECT_FALSE(c.page_present[1]);
    ASSERT_TRUE(c.has_file) << c.note;
    ASSERT_EQ(c.mem.size(), 2 * kPage);
    ASSERT_EQ(c.file.size(), 2 * kPage);
    EXPECT_EQ(std::memcmp(c.mem.data(), "private write", 13), 0);
    EXPECT_EQ(c.file[0], 'F');
    EXPECT_EQ(c.mem[20], 'F');  // the untouched part of the copied page
    EXPECT_EQ(c.mem[kPage], 0); // not read: not present
    EXPECT_EQ(c.file[kPage], 'F');
    EXPECT_NE(c.note.find("not present"), std::string::npos) << c.note;

    EXPECT_FALSE(mml::abi::pm_present(pagemap_entry(a + kPage)))
        << "read_contents faulted page 1 in";
}

TEST_F(FileMapping, RangeIsClippedToTheMapping) {
    const uint64_t a = reinterpret_cast<uint64_t>(base_);
    mml::Mapping m = find_mapping(a);
    mml::Contents c;
    ASSERT_TRUE(mml::read_contents(::getpid(), m, a + kPage + 100, 10 * kPage, c));
    EXPECT_EQ(c.addr, a + kPage + 100);
    EXPECT_EQ(c.len, kPage - 100);
    EXPECT_EQ(c.page_present.size(), 1u);
    EXPECT_FALSE(mml::read_contents(::getpid(), m, a + 4 * kPage, kPage, c));
}

TEST(AnonContents, NeverFaultsAbsentPagesIn) {
    void* p =
        ::mmap(nullptr, 4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    ::madvise(p, 4 * kPage, MADV_NOHUGEPAGE);
    char* b = static_cast<char*>(p);
    b[2 * kPage] = 'x';
    const uint64_t a = reinterpret_cast<uint64_t>(b);
    mml::Mapping m = find_mapping(a);
    mml::Contents c;
    ASSERT_TRUE(mml::read_contents(::getpid(), m, a, 4 * kPage, c)) << c.note;
    EXPECT_FALSE(c.has_file);
    ASSERT_EQ(c.page_present.size(), 4u);
    EXPECT_TRUE(c.page_present[2]);
    EXPECT_EQ(c.mem[2 * kPage], 'x');
    for (uint64_t i : {0u, 1u, 3u}) {
        EXPECT_FALSE(c.page_present[i]);
        EXPECT_FALSE(mml::abi::pm_present(pagemap_entry(a + i * kPage))) << "page " << i;
    }
    ::munmap(p, 4 * kPage);
}

} // namespace
