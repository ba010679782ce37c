// Bad input gets a clear error and mmaplab carries on: one table of wrong statements (numbers,
// lengths, alignment, files, /proc and /dev, syntax, names, types, limits), each row asserting
// the message and that a normal statement still works afterwards in the same lab.
#include "lab_util.hpp"
#include "script/runner.hpp"
#include "script/script.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using namespace labtest;

struct Row {
    const char* name;
    const char* setup;  // statements that must run cleanly first ("" for none)
    const char* input;  // the bad input
    int rc;             // run_script_text's answer: 0 ran, 1 a statement failed, 2 parse/check
    const char* expect; // a substring of what was printed (stdout and stderr)
    const char* expect_root = nullptr; // what root sees instead, when that differs
    bool main_dies = false;            // the row ends the main lab process on purpose
};

// gtest prints a failing row by its name and input.
[[maybe_unused]] void PrintTo(const Row& r, std::ostream* os) {
    *os << r.name << ": " << r.input;
}

// The normal statement after every row: a fresh mapping, a store, a load.
constexpr const char* kAfterwards =
    "char *ok = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "ok[0] = 'k';\n"
    "char kk = ok[0];\n";

// clang-format off
const Row kRows[] = {
    // numbers: zero, negative, huge, not a number
    {"LengthZero", "", "char *z = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);", 0, "= MAP_FAILED EINVAL"},
    {"LengthNegative", "", "char *n = mmap(NULL, -4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);", 0, "= MAP_FAILED ENOMEM"},
    {"HugeLazyMappingIsAllowed", "", "char *big = mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);", 0, "= 0x"},
    {"HugePopulateIsRefused", "", "char *q = mmap(NULL, 100L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);", 1, "refused: MAP_POPULATE of 100 TiB would need 100 TiB of RAM and only"},
    {"HugePopulateSaysWhatWorks", "", "char *q = mmap(NULL, 100L << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);", 1, "without MAP_POPULATE the kernel would reserve it lazily (try MAP_NORESERVE)"},
    {"HugeLockedIsRefused", "", "char *q = mmap(NULL, 100L << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);", 1, "refused: MAP_LOCKED of 100 TiB"},
    {"WriteOverHugeLazyMappingIsRefused", "char *big = mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);", "memset(big, 1, 1L << 40);", 1, "refused: memset of 1 TiB would need 1 TiB of RAM"},
    {"WritePagesOverHugeRangeIsRefused", "char *big = mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);", "write_pages(big, 1L << 40);", 1, "refused: write_pages of 1 TiB"},
    {"MlockHugeIsRefused", "", "mlock(p, 1L << 50);", 1, "refused: mlock of 1 PiB"},
    {"PopulateWriteHugeIsRefused", "", "madvise(p, 1L << 50, MADV_POPULATE_WRITE);", 1, "refused: MADV_POPULATE_WRITE of 1 PiB"},
    {"WillneedHugeIsLeftToTheKernel", "", "madvise(p, 1L << 50, MADV_WILLNEED);", 0, "= -1 ENOMEM"},
    {"MemsetNegativeLength", "", "memset(p, 1, -1);", 1, "memset of 16 EiB (-1 as a signed number)"},
    {"NotANumber", "", "char *q = mmap(NULL, four, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);", 2, "input.c:1:22: unknown name 'four'"},
    {"StringForANumber", "", "mmap(NULL, \"4096\", PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);", 2, "input.c:1:12:"},
    {"BadDigits", "", "char *q = 12abc;", 2, "input.c:1:13: invalid suffix 'ABC' on a number"},
    {"NumberTooLarge", "", "long v = 123456789012345678901234567890;", 2, "number too large for 64 bits"},
    {"DivisionByZero", "", "int a = 1 / 0;", 1, "division by zero"},
    {"ShiftOutOfRange", "", "long s = 1L << 64;", 1, "shift count 64 is out of range"},
    // alignment
    {"UnalignedMunmap", "", "munmap(p + 1, 4096);", 0, "= -1 EINVAL"},
    {"UnalignedMprotect", "", "mprotect(p + 100, 4096, PROT_READ);", 0, "= -1 EINVAL"},
    {"UnalignedFixedAddress", "", "char *f = mmap(p + 1, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);", 0, "= MAP_FAILED EINVAL"},
    {"UnalignedOffset", "int g = open(\"/etc/hostname\", O_RDONLY);", "char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, g, 100);", 0, "= MAP_FAILED EINVAL"},
    {"UnmappedAddress", "", "char c = p[-4096000];", 0, "SIGSEGV SEGV_MAPERR"},
    // files
    {"MissingFile", "", "int m = open(\"no-such-file.txt\", O_RDONLY);", 0, "= -1 ENOENT"},
    {"DirectoryForWriting", "", "int d = open(\".\", O_RDWR);", 0, "= -1 EISDIR"},
    {"MappingADirectory", "int d = open(\"/tmp\", O_RDONLY);", "char *dm = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, d, 0);", 0, "= MAP_FAILED ENODEV"},
    {"BadDescriptor", "", "close(999);", 0, "= -1 EBADF"},
    {"ReadOnlyFileMappedSharedWritable", "int g = open(\"/etc/hostname\", O_RDONLY);", "char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g, 0);", 0, "= MAP_FAILED EACCES"},
    {"PermissionDenied", "int pf = open(\"locked.txt\", O_RDWR | O_CREAT, 0); close(pf);", "int pd = open(\"locked.txt\", O_RDONLY);", 0, "= -1 EACCES", "int pd = open(\"locked.txt\", O_RDONLY);  = "},
    {"WriteOutsideLab", "", "int o = open(\"/tmp/mmaplab-outside.txt\", O_RDWR | O_CREAT, 0600);", 1, "refused: /tmp/mmaplab-outside.txt is outside the lab directory"},
    {"DotDotEscape", "", "int o = open(\"../escape.txt\", O_WRONLY | O_CREAT, 0600);", 1, "is outside the lab directory"},
    {"TruncateOutsideLab", "", "int o = open(\"/etc/hostname\", O_RDONLY | O_TRUNC);", 1, "refused: /etc/hostname is outside the lab directory"},
    {"ReadOutsideLabIsFine", "", "int o = open(\"/etc/hostname\", O_RDONLY);", 0, "= 4"},
    {"UnlinkOutsideLab", "", "unlink(\"/etc/hostname\");", 1, "refused: /etc/hostname is outside the lab directory"},
    {"ProcForWriting", "", "int pm = open(\"/proc/self/mem\", O_RDWR);", 1, "refused: /proc/self/mem is in /proc, which mmaplab never opens for writing"},
    {"ProcForReading", "", "int pm = open(\"/proc/self/maps\", O_RDONLY);", 0, "= 4"},
    {"SysForWriting", "", "int s = open(\"/sys/kernel/mm/transparent_hugepage/enabled\", O_WRONLY);", 1, "is in /sys, which mmaplab never opens for writing"},
    {"DevShmThroughOpen", "", "int s = open(\"/dev/shm/mml-x\", O_RDWR | O_CREAT, 0600);", 1, "for shared memory use shm_open"},
    {"DeviceOtherThanZero", "", "int t = open(\"/dev/tty\", O_RDONLY);", 1, "refused: /dev/tty is a device"},
    {"DevZeroIsFine", "", "int z = open(\"/dev/zero\", O_RDONLY);", 0, "= 4"},
    {"UnlinkInProc", "", "unlink(\"/proc/self/maps\");", 1, "is in /proc, where mmaplab never removes anything"},
    {"ShmNameWithSlash", "", "int s = shm_open(\"/a/b\", O_RDWR | O_CREAT, 0600);", 1, "has a '/' after the first character"},
    {"ShmUnlinkMissing", "", "shm_unlink(\"/mmaplab-never-created\");", 0, "= -1 ENOENT"},
    {"WriteToTheChannel", "", "write(3, \"x\", 1);", 1, "refused: fd 3 is the command channel"},
    {"CloseTheChannel", "", "close(3);", 1, "closing it would cut the process off"},
    {"HugeLabFile", "int f = open(\"big.bin\", O_RDWR | O_CREAT, 0600);", "ftruncate(f, 100L << 30);", 1, "refused: ftruncate to 100 GiB would make the file 100 GiB; lab files are limited to 4 GiB"},
    {"NegativeFileSize", "int f = open(\"neg.bin\", O_RDWR | O_CREAT, 0600);", "ftruncate(f, -1);", 0, "= -1 EINVAL"},
    // syntax, names, types
    {"MissingParenthesis", "", "char *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS;", 2, "input.c:1:"},
    {"MissingSemicolon", "", "munmap(p, 4096) munmap(p, 4096);", 2, "input.c:1:17:"},
    {"SecondLineError", "", "int a = 1;\nint b = ;", 2, "input.c:2:9:"},
    {"UnterminatedString", "", "int f = open(\"x, O_RDONLY);", 2, "input.c:1:14:"},
    {"UnknownFunction", "", "frobnicate(1);", 2, "unknown function 'frobnicate'"},
    {"UnknownProcess", "", "@nosuch: getpid();", 2, "nosuch"},
    {"IndexingAnInt", "int fd = 3;", "fd[0] = 1;", 2, "input.c:1:"},
    {"StringIntoAByte", "", "p[0] = \"s\";", 2, "input.c:1:"},
    {"WrongArgumentCount", "", "munmap(p);", 2, "munmap"},
    {"BadSleep", "", "sleep(-1);", 1, "sleep(-1): give 0 to 3600 seconds"},
    // processes
    {"KillNoSuchProcess", "", "kill(999999, SIGKILL);", 0, "= -1 ESRCH"},
    {"ExitMain", "", "exit(3);", 0, "exited with status 3", nullptr, true},
    {"KillMain", "", "kill(getpid(), SIGKILL);", 0, "was killed by SIGKILL", nullptr, true},
    {"DeadProcess", "exit(0);", "@main: char c = p[0];", 1, "not running", nullptr, true},
};
// clang-format on

class BadInput : public ::testing::TestWithParam<Row> {
protected:
    // Runs `text` (named input.c); returns what run_script_text printed, both streams.
    std::string run(const std::string& text, int& rc) {
        std::ostringstream out, err;
        rc = mml::script::run_script_text(text, "input.c", interp, out, err);
        return out.str() + err.str();
    }

    mml::Lab lab{options()};
    mml::script::Interpreter interp{lab};
};

TEST_P(BadInput, ClearMessageAndCarriesOn) {
    const Row& row = GetParam();
    ASSERT_GT(interp.start(), 0);
    int rc = -1;
    std::string prelude = "char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | "
                          "MAP_ANONYMOUS, -1, 0);\npid_t spare = fork();\n";
    std::string got = run(prelude + row.setup, rc);
    ASSERT_EQ(rc, 0) << got;

    got = run(row.input, rc);
    const char* expect = root() && row.expect_root != nullptr ? row.expect_root : row.expect;
    EXPECT_NE(got.find(expect), std::string::npos) << "expected: " << expect << "\ngot: " << got;
    EXPECT_EQ(rc, root() && row.expect_root != nullptr ? 0 : row.rc) << got;

    // Everything still works: the same process (or the spare one when main ended on purpose).
    std::string after = kAfterwards;
    if (row.main_dies) {
        after = "@spare: char *ok = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | "
                "MAP_ANONYMOUS, -1, 0);\n@spare: ok[0] = 'k';\n@spare: char kk = ok[0];\n";
    }
    got = run(after, rc);
    EXPECT_EQ(rc, 0) << got;
    EXPECT_NE(got.find("char kk = ok[0];"), std::string::npos) << got;
    EXPECT_NE(got.find("= 'k'"), std::string::npos) << got;
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInput, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace
