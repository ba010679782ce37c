// Unit tests of the Lab's safety checks as pure decisions: sizes in words, the RAM check, the
// mappings a request may add, lab file growth, paths inside the lab and shm names.
#include "lab_guard.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using namespace mml;

Request req(Op op, std::initializer_list<uint64_t> args) {
    Request r;
    r.op = op;
    size_t i = 0;
    for (uint64_t a : args) r.a[i++] = a;
    return r;
}

constexpr uint64_t GiB = uint64_t{1} << 30;

TEST(Guard, BytesInWords) {
    EXPECT_EQ(guard::bytes_text(0), "0 bytes");
    EXPECT_EQ(guard::bytes_text(1023), "1023 bytes");
    EXPECT_EQ(guard::bytes_text(4096), "4 KiB");
    EXPECT_EQ(guard::bytes_text(100 * GiB), "100 GiB");
    EXPECT_EQ(guard::bytes_text(static_cast<uint64_t>(21.3 * static_cast<double>(GiB))),
              "21.3 GiB");
    EXPECT_EQ(guard::bytes_text(UINT64_MAX), "16 EiB");
}

TEST(Guard, PopulateBeyondMemAvailableIsRefusedWithAdvice) {
    Request r = req(Op::Mmap, {0, 100 * GiB, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, uint64_t(-1), 0});
    guard::MemoryUse use = guard::memory_use(r);
    EXPECT_EQ(use.bytes, 100 * GiB);
    const uint64_t avail = static_cast<uint64_t>(21.3 * static_cast<double>(GiB));
    EXPECT_EQ(guard::check_memory(use, 0.5, avail),
              "refused: MAP_POPULATE of 100 GiB would need 100 GiB of RAM and only 21.3 GiB is "
              "available; without MAP_POPULATE the kernel would reserve it lazily (try "
              "MAP_NORESERVE)");
    // More than the share but less than all of it: the share is named.
    use.bytes = 15 * GiB;
    EXPECT_NE(guard::check_memory(use, 0.5, avail).find("more than the 50% of the 21.3 GiB"),
              std::string::npos);
    use.bytes = 10 * GiB;
    EXPECT_EQ(guard::check_memory(use, 0.5, avail), "");
    EXPECT_EQ(guard::check_memory(use, 0.5, 0), ""); // MemAvailable unknown: the kernel decides
}

TEST(Guard, WhatTakesRamUpFront) {
    const uint64_t anon = MAP_PRIVATE | MAP_ANONYMOUS;
    EXPECT_EQ(guard::memory_use(req(Op::Mmap, {0, GiB, 3, anon, uint64_t(-1), 0})).bytes, 0u);
    EXPECT_EQ(guard::memory_use(req(Op::Mmap, {0, GiB, 3, anon | MAP_NORESERVE})).bytes, 0u);
    EXPECT_EQ(guard::memory_use(req(Op::Mmap, {0, GiB, 3, anon | MAP_LOCKED})).what, "MAP_LOCKED");
    EXPECT_EQ(guard::memory_use(req(Op::Mlock, {0, GiB})).what, "mlock");
    EXPECT_EQ(guard::memory_use(req(Op::Fill, {0, GiB, 1})).what, "memset");
    EXPECT_EQ(guard::memory_use(req(Op::TouchWrite, {0, GiB, 1})).what, "write_pages");
    EXPECT_EQ(guard::memory_use(req(Op::TouchWrite, {0, GiB, 1})).bytes, GiB);
    const uint64_t ps = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    EXPECT_EQ(guard::memory_use(req(Op::TouchWrite, {0, GiB, 1, 2 * ps})).bytes, GiB / 2);
    EXPECT_EQ(guard::memory_use(req(Op::Madvise, {0, GiB, MADV_WILLNEED})).bytes, 0u);
    EXPECT_EQ(guard::memory_use(req(Op::Madvise, {0, GiB, MADV_DONTNEED})).bytes, 0u);
    EXPECT_EQ(guard::memory_use(req(Op::Madvise, {0, GiB, 23})).what, "MADV_POPULATE_WRITE");
    EXPECT_TRUE(guard::memory_use(req(Op::Fill, {0, uint64_t(-1), 1})).signed_negative);
}

TEST(Guard, MappingsARequestMayAdd) {
    EXPECT_EQ(guard::mappings_added(req(Op::Mmap, {0, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS})), 1);
    EXPECT_EQ(guard::mappings_added(req(Op::Mmap, {0, 4096, 3, MAP_PRIVATE | MAP_FIXED})), 2);
    EXPECT_EQ(guard::mappings_added(req(Op::Mprotect, {0, 4096, 1})), 2);
    EXPECT_EQ(guard::mappings_added(req(Op::Munmap, {0, 4096})), 1);
    EXPECT_EQ(guard::mappings_added(req(Op::Fill, {0, 4096, 1})), 0);
}

TEST(Guard, LabFileGrowth) {
    EXPECT_EQ(guard::check_file_growth("ftruncate to 1 GiB", 0, GiB, 4 * GiB, 0.5, 10 * GiB), "");
    EXPECT_EQ(guard::check_file_growth("ftruncate to 8 GiB", 0, 8 * GiB, 4 * GiB, 0.5, UINT64_MAX),
              "refused: ftruncate to 8 GiB would make the file 8 GiB; lab files are limited to "
              "4 GiB (raise it in Preferences)");
    EXPECT_EQ(guard::check_file_growth("ftruncate to 3 GiB", GiB, 3 * GiB, 4 * GiB, 0.5, 2 * GiB),
              "refused: ftruncate to 3 GiB would grow the file by 2 GiB and only 2 GiB is free "
              "on its file system (mmaplab lets lab files take at most 50% of it)");
    EXPECT_EQ(guard::check_file_growth("shrink", 8 * GiB, GiB, 4 * GiB, 0.5, 0), "");
}

TEST(Guard, PathsInsideTheLab) {
    EXPECT_TRUE(guard::inside("/tmp/lab/a.txt", "/tmp/lab"));
    EXPECT_TRUE(guard::inside("/tmp/lab", "/tmp/lab"));
    EXPECT_FALSE(guard::inside("/tmp/lab2/a.txt", "/tmp/lab"));
    EXPECT_FALSE(guard::inside("/tmp/a.txt", ""));
    EXPECT_EQ(guard::canonical("/no-such-dir/x/../y"), "/no-such-dir/y");
    EXPECT_TRUE(guard::wants_write(O_RDWR));
    EXPECT_TRUE(guard::wants_write(O_RDONLY | O_TRUNC));
    EXPECT_TRUE(guard::wants_write(O_RDONLY | O_CREAT));
    EXPECT_FALSE(guard::wants_write(O_RDONLY | O_CLOEXEC));
    EXPECT_EQ(guard::check_open("/etc/hostname", O_RDONLY, "/tmp/lab", false), "");
    EXPECT_NE(guard::check_open("/tmp/lab/../x", O_RDWR, "/tmp/lab", false)
                  .find("refused: /tmp/x is outside the lab directory /tmp/lab"),
              std::string::npos);
    EXPECT_EQ(guard::check_open("/tmp/x", O_RDWR, "/tmp/lab", true), "");
    EXPECT_NE(guard::check_open("/sys/x", O_WRONLY, "/tmp/lab", true).find("is in /sys"),
              std::string::npos);
    EXPECT_NE(guard::check_unlink("/dev/shm/x", "/tmp/lab", true).find("is in /dev"),
              std::string::npos);
}

TEST(Guard, ShmNames) {
    EXPECT_EQ(guard::check_shm_name("/mml_demo"), "");
    EXPECT_EQ(guard::check_shm_name("mml_demo"), "");
    EXPECT_NE(guard::check_shm_name("/a/b").find("has a '/' after the first character"),
              std::string::npos);
    EXPECT_NE(guard::check_shm_name("/.."), "");
}

} // namespace
