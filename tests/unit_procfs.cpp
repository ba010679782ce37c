// Unit tests of the /proc parsers and model lookups on fixture text: maps and smaps with
// awkward pathnames, unknown fields and codes, malformed lines, status and stat.
#include "procfs.hpp"

#include <fmt/core.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

using namespace mml;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(MMAPLAB_FIXTURES) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_TRUE(in.good() || in.eof()) << name;
    return ss.str();
}

} // namespace

TEST(Maps, EveryFieldAndPathsWithSpaces) {
    const std::string text = fixture("maps.txt");
    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_maps(text, &errors);
    EXPECT_TRUE(errors.empty());
    ASSERT_EQ(maps.size(), 11u);
    EXPECT_EQ(maps[0].start, 0x55d0c0a00000u);
    EXPECT_EQ(maps[0].end, 0x55d0c0a02000u);
    EXPECT_EQ(maps[0].perms, "r--p");
    EXPECT_EQ(maps[0].dev, "fe:00");
    EXPECT_EQ(maps[0].inode, 247498u);
    EXPECT_EQ(maps[0].path, "/opt/my lab/my prog");
    EXPECT_EQ(maps[1].path, "[heap]");
    EXPECT_EQ(maps[2].path, "/dev/shm/lab shm (deleted)");
    EXPECT_EQ(maps[2].inode, 1234u);
    EXPECT_EQ(maps[3].path, "[anon:my name]");
    EXPECT_EQ(maps[4].path, "");
    EXPECT_EQ(maps[6].offset, 0x26000u);
    EXPECT_EQ(maps[7].path, "[vvar]");
    EXPECT_EQ(maps[10].start, 0xffffffffff600000u);
    EXPECT_EQ(maps[10].path, "[vsyscall]");
}

TEST(Maps, LineKeepsInnerAndTrailingSpaces) {
    Mapping m;
    ASSERT_TRUE(
        procfs::parse_maps_line("1000-2000 rw-p 00000000 08:01 42    /a  b /c (deleted)", m));
    EXPECT_EQ(m.path, "/a  b /c (deleted)");
    ASSERT_TRUE(procfs::parse_maps_line("1000-2000 rw-p 00000000 00:00 0", m));
    EXPECT_EQ(m.path, "");
    ASSERT_TRUE(procfs::parse_maps_line("1000-2000 rw-p 00000000 00:00 0 \n", m));
    EXPECT_EQ(m.path, "");
}

TEST(Maps, MalformedLinesAreRejected) {
    Mapping m;
    EXPECT_FALSE(procfs::parse_maps_line("", m));
    EXPECT_FALSE(procfs::parse_maps_line("garbage", m));
    EXPECT_FALSE(procfs::parse_maps_line("2000-1000 rw-p 00000000 00:00 0", m)); // backwards
    EXPECT_FALSE(procfs::parse_maps_line("1000-2000 rwzp 00000000 00:00 0", m)); // perms
    EXPECT_FALSE(procfs::parse_maps_line("1000-2000 rw-p 00000000 0000 0", m));  // dev
    EXPECT_FALSE(procfs::parse_maps_line("1000-2000 rw-p 00000000 00:00", m));   // no inode
    EXPECT_FALSE(procfs::parse_maps_line("1000-2000 rw-p 0000g000 00:00 0", m)); // offset
    EXPECT_FALSE(procfs::parse_maps_line("1000-2000 rw-p 00000000 00:00 12x /p", m));
    EXPECT_FALSE(procfs::parse_maps_line("1000 2000 rw-p 00000000 00:00 0", m));

    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_maps("1000-2000 rw-p 00000000 00:00 0\nbad line\n"
                                   "3000-4000 r--p 00000000 00:00 0 [x]\n",
                                   &errors);
    EXPECT_EQ(maps.size(), 2u);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].line, 2);
}

TEST(Smaps, FieldsInOrderWithUnknownOnes) {
    const std::string text = fixture("smaps.txt");
    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_smaps(text, &errors);
    EXPECT_TRUE(errors.empty()) << errors.front().message;
    ASSERT_EQ(maps.size(), 11u);
    const Mapping& named = maps[3];
    EXPECT_EQ(named.path, "[anon:my name]");
    ASSERT_GE(named.smaps.size(), 3u);
    EXPECT_EQ(named.smaps[0].name, "Size");
    EXPECT_EQ(named.smaps[0].value, "16 kB");
    EXPECT_EQ(named.kb("Size"), 16u);
    EXPECT_EQ(named.kb("Swap"), 4u);
    EXPECT_EQ(named.kb("NoSuchField"), 0u);
    const SmapsField* future = named.field("FutureField");
    ASSERT_NE(future, nullptr);
    EXPECT_EQ(future->kb, 12u);
    const SmapsField* thp = named.field("THPeligible");
    ASSERT_NE(thp, nullptr);
    EXPECT_EQ(thp->value, "1");
    EXPECT_FALSE(thp->kb.has_value());
    EXPECT_EQ(named.smaps.back().name, "VmFlags");
    // The order is the kernel's: FutureField right after Locked.
    for (size_t i = 0; i + 1 < named.smaps.size(); ++i)
        if (named.smaps[i].name == "Locked") {
            EXPECT_EQ(named.smaps[i + 1].name, "FutureField");
        }
    std::vector<std::string> flags{"rd", "wr", "mr", "mw", "me", "ac", "sd", "nh", "zz"};
    EXPECT_EQ(named.vmflags, flags);
    EXPECT_TRUE(named.has_flag("zz"));
    EXPECT_FALSE(named.has_flag("lo"));
    EXPECT_TRUE(maps[4].has_flag("lo"));
}

TEST(Smaps, BlockTextPointsIntoInput) {
    const std::string text = fixture("smaps.txt");
    auto maps = procfs::parse_smaps(text);
    ASSERT_EQ(maps.size(), 11u);
    std::string joined;
    for (const Mapping& m : maps) {
        ASSERT_GE(m.smaps_text.data(), text.data());
        ASSERT_LE(m.smaps_text.data() + m.smaps_text.size(), text.data() + text.size());
        EXPECT_TRUE(m.smaps_text.starts_with(fmt::format("{:x}-{:x} ", m.start, m.end)));
        EXPECT_EQ(m.smaps_text.back(), '\n');
        EXPECT_NE(m.smaps_text.rfind("VmFlags:"), std::string_view::npos);
        joined += m.smaps_text;
    }
    EXPECT_EQ(joined, text); // the blocks tile the whole text
    // Header lines of smaps are the maps lines.
    auto from_maps = procfs::parse_maps(fixture("maps.txt"));
    ASSERT_EQ(from_maps.size(), maps.size());
    for (size_t i = 0; i < maps.size(); ++i) EXPECT_EQ(from_maps[i].path, maps[i].path);
}

TEST(Smaps, MalformedLinesGiveErrorsNotMappings) {
    const std::string text = fixture("smaps_bad.txt");
    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_smaps(text, &errors);
    ASSERT_EQ(maps.size(), 2u);
    EXPECT_EQ(maps[0].path, "[anon:ok]");
    EXPECT_EQ(maps[0].kb("Rss"), 4u);
    EXPECT_EQ(maps[0].vmflags.size(), 6u);
    EXPECT_EQ(maps[1].path, "[anon:second]");
    EXPECT_EQ(maps[1].smaps.size(), 3u);
    std::vector<int> lines;
    for (const auto& e : errors) lines.push_back(e.line);
    EXPECT_EQ(lines, (std::vector<int>{1, 4, 7, 8, 9}));
    for (const auto& e : errors) EXPECT_FALSE(e.message.empty());
    EXPECT_TRUE(procfs::parse_smaps("").empty());
    EXPECT_TRUE(procfs::parse_smaps("\n\n").empty());
}

// The parser scans 8 bytes at a time where 8 remain: names, blanks and values that cross
// those words, a text that ends without a newline inside one, and sizes too large for 64 bits.
TEST(Smaps, FieldsAcrossWordsAndAtTheEnd) {
    const std::string text = "1000-2000 rw-p 00000000 00:00 0\n"
                             "AVeryLongFieldNameX:          \t       123456 kB\n"
                             "Seventeen_chars_x:1 kB\n"
                             "Spaced_N ame:2 kB\n"
                             "Big: 18446744073709551615 kB\n"
                             "Bigger: 18446744073709551616 kB\n"
                             "Longer: 000000000000000000001 kB\n"
                             "Hex: 1a kB\n"
                             "\n"
                             "VmFlags: rd wr mr mw me ac sd nh \n"
                             "Last:   7 kB";
    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_smaps(text, &errors);
    ASSERT_EQ(maps.size(), 1u);
    const Mapping& m = maps[0];
    ASSERT_NE(m.field("AVeryLongFieldNameX"), nullptr);
    EXPECT_EQ(m.field("AVeryLongFieldNameX")->value, "123456 kB");
    EXPECT_EQ(m.kb("AVeryLongFieldNameX"), 123456u);
    EXPECT_EQ(m.kb("Seventeen_chars_x"), 1u);
    EXPECT_EQ(m.field("Spaced_N ame"), nullptr);
    EXPECT_EQ(m.kb("Big"), 18446744073709551615u);
    ASSERT_NE(m.field("Bigger"), nullptr);
    EXPECT_FALSE(m.field("Bigger")->kb.has_value());
    EXPECT_EQ(m.kb("Longer"), 1u);
    ASSERT_NE(m.field("Hex"), nullptr);
    EXPECT_FALSE(m.field("Hex")->kb.has_value());
    EXPECT_EQ(m.vmflags.size(), 8u);
    ASSERT_NE(m.field("Last"), nullptr);
    EXPECT_EQ(m.field("Last")->value, "7 kB");
    EXPECT_EQ(m.kb("Last"), 7u);
    EXPECT_EQ(m.smaps_text, text); // one block, to the last byte
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].line, 4);
}

// read_file reads what fits in the buffer in place and the rest in blocks: sizes at and around
// the block boundaries (16 KiB, then doubling), into a fresh buffer and a reused larger one.
TEST(ReadFile, WholeFileAtEverySizeAroundItsBlocks) {
    char path[] = "/tmp/mml-unit-read-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::string reused(200 * 1024, 'x');
    for (size_t size : {size_t{0}, size_t{1}, size_t{16383}, size_t{16384}, size_t{16385},
                        size_t{49152}, size_t{49153}, size_t{1} << 20, (size_t{3} << 20) + 7}) {
        std::string text(size, '\0');
        for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i * 7 % 26);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        std::string fresh;
        ASSERT_TRUE(procfs::read_file(path, fresh)) << size;
        EXPECT_TRUE(fresh == text) << size << " read " << fresh.size();
        ASSERT_TRUE(procfs::read_file(path, reused)) << size;
        EXPECT_TRUE(reused == text) << size << " read " << reused.size();
    }
    unlink(path);
    std::string err, gone = "old";
    EXPECT_FALSE(procfs::read_file(path, gone, &err));
    EXPECT_TRUE(gone.empty());
    EXPECT_NE(err.find(path), std::string::npos);
}

TEST(Smaps, RollupFields) {
    auto fields = procfs::parse_rollup(fixture("smaps_rollup.txt"));
    ASSERT_EQ(fields.size(), 7u);
    EXPECT_EQ(fields[0].name, "Rss");
    EXPECT_EQ(fields[0].kb, 1768u);
    EXPECT_EQ(fields[4].name, "Pss_File");
}

TEST(Model, KindOfEveryMapping) {
    auto maps = procfs::parse_smaps(fixture("smaps.txt"));
    ASSERT_EQ(maps.size(), 11u);
    std::vector<MappingKind> kinds;
    for (const Mapping& m : maps) kinds.push_back(m.kind());
    std::vector<MappingKind> want{
        MappingKind::File,      MappingKind::Heap,      MappingKind::Shm,
        MappingKind::Anonymous, MappingKind::Anonymous, MappingKind::SharedAnon,
        MappingKind::Library,   MappingKind::Vdso,      MappingKind::Vdso,
        MappingKind::Stack,     MappingKind::Vdso};
    EXPECT_EQ(kinds, want);
    Mapping m;
    m.perms = "rw-s";
    EXPECT_EQ(m.kind(), MappingKind::SharedAnon);
    m.path = "[anon:x y]";
    EXPECT_EQ(m.kind(), MappingKind::SharedAnon);
    m.path = "/SYSV00000000 (deleted)";
    EXPECT_EQ(m.kind(), MappingKind::Shm);
    m.path = "/home/me/data.sock";
    EXPECT_EQ(m.kind(), MappingKind::File);
    m.path = "/usr/lib/libfoo.so";
    EXPECT_EQ(m.kind(), MappingKind::Library);
    m.path = "[vvar_vclock]";
    EXPECT_EQ(m.kind(), MappingKind::Vdso);
    m.path = "[uprobes]";
    EXPECT_EQ(m.kind(), MappingKind::Other);
    EXPECT_EQ(to_string(MappingKind::SharedAnon), "shared anonymous");
}

TEST(Model, ProcessLookupsAndCopies) {
    Process p;
    p.smaps_raw = fixture("smaps.txt");
    p.mappings = procfs::parse_smaps(p.smaps_raw);
    p.status = procfs::parse_status(fixture("status.txt"));
    EXPECT_EQ(p.mapping_at(0x55d0c0a00000), &p.mappings[0]);
    EXPECT_EQ(p.mapping_at(0x55d0c0a01fff), &p.mappings[0]);
    EXPECT_EQ(p.mapping_at(0x55d0c0a02000), nullptr);
    EXPECT_EQ(p.mapping_at(0x1000), nullptr);
    EXPECT_EQ(p.mapping_at(0xffffffffff600800), &p.mappings[10]);
    EXPECT_EQ(p.rollup_kb("Swap"), 4u);
    EXPECT_EQ(p.rollup_kb("Rss"), 8u + 12 + 8 + 4 + 8 + 0 + 16 + 0 + 8 + 16 + 0);
    EXPECT_EQ(p.status_kb("VmRSS"), 1740u);
    EXPECT_EQ(p.status_kb("Missing"), 0u);

    Process copy = p;
    ASSERT_EQ(copy.mappings.size(), p.mappings.size());
    for (size_t i = 0; i < copy.mappings.size(); ++i) {
        EXPECT_EQ(copy.mappings[i].smaps_text, p.mappings[i].smaps_text);
        EXPECT_GE(copy.mappings[i].smaps_text.data(), copy.smaps_raw.data());
        EXPECT_LT(copy.mappings[i].smaps_text.data(),
                  copy.smaps_raw.data() + copy.smaps_raw.size());
    }
    Process moved = std::move(copy);
    EXPECT_GE(moved.mappings[0].smaps_text.data(), moved.smaps_raw.data());

    Snapshot s;
    s.processes.push_back(p);
    s.processes.back().pid = 77;
    EXPECT_NE(s.process(77), nullptr);
    EXPECT_EQ(s.process(78), nullptr);
}

TEST(Status, KeysInOrderAndTrimmed) {
    auto st = procfs::parse_status(fixture("status.txt"));
    ASSERT_GE(st.size(), 10u);
    EXPECT_EQ(st[0].first, "Name");
    EXPECT_EQ(st[0].second, "my prog");
    EXPECT_EQ(st[8].first, "VmRSS");
    EXPECT_EQ(st[8].second, "1740 kB");
}

TEST(Stat, CommWithSpacesAndParens) {
    uint64_t minflt = 0, majflt = 0;
    ASSERT_TRUE(procfs::parse_stat(fixture("stat.txt"), minflt, majflt));
    EXPECT_EQ(minflt, 321u);
    EXPECT_EQ(majflt, 7u);
    EXPECT_FALSE(procfs::parse_stat("", minflt, majflt));
    EXPECT_FALSE(procfs::parse_stat("12 (x) S 1 2", minflt, majflt));
    EXPECT_FALSE(procfs::parse_stat("12 x S 1 2 3 4 5 6 7 8 9 10", minflt, majflt));
    EXPECT_FALSE(procfs::parse_stat("12 (x) S 1 2 3 4 5 6 seven 8 9 10", minflt, majflt));
}

TEST(ReadFile, ReportsTheReason) {
    std::string buf, err;
    EXPECT_FALSE(procfs::read_file("/nonexistent/file", buf, &err));
    EXPECT_NE(err.find("No such file"), std::string::npos) << err;
    ASSERT_TRUE(procfs::read_file("/proc/self/status", buf, &err));
    EXPECT_NE(buf.find("VmRSS"), std::string::npos);
}

// The field scanner (one walk to the colon): names with a space are no field, a colon inside
// the value stays in it, " kB" needs its space, tabs and a trailing CR are trimmed.
TEST(Smaps, FieldEdgesOfTheColonAndTheUnit) {
    const std::string text = "1000-2000 rw-p 00000000 00:00 0 [x]\n"
                             "Rss:\t \t8 kB\r\n"
                             "Odd Name: 1 kB\n"
                             "Colon:a:b\n"
                             "NoSpace:  12kB\n"
                             "Empty:\n"
                             ":4 kB\n"
                             "NoColonHere 4 kB\n"
                             "VmFlags: rd wr\n";
    std::vector<procfs::ParseError> errors;
    auto maps = procfs::parse_smaps(text, &errors);
    ASSERT_EQ(maps.size(), 1u);
    const Mapping& m = maps[0];
    EXPECT_EQ(m.kb("Rss"), 8u);
    ASSERT_NE(m.field("Rss"), nullptr);
    EXPECT_EQ(m.field("Rss")->value, "8 kB");
    EXPECT_EQ(m.field("Odd Name"), nullptr);
    ASSERT_NE(m.field("Colon"), nullptr);
    EXPECT_EQ(m.field("Colon")->value, "a:b");
    ASSERT_NE(m.field("NoSpace"), nullptr);
    EXPECT_FALSE(m.field("NoSpace")->kb.has_value());
    ASSERT_NE(m.field("Empty"), nullptr);
    EXPECT_EQ(m.field("Empty")->value, "");
    EXPECT_EQ(m.vmflags, (std::vector<std::string>{"rd", "wr"}));
    std::vector<int> lines;
    for (const auto& e : errors) lines.push_back(e.line);
    EXPECT_EQ(lines, (std::vector<int>{3, 7, 8}));
}

namespace {

// The fields of two parses, compared field by field (names, values, sizes, codes, texts).
void expect_same_parse(const std::vector<Mapping>& a, const std::vector<Mapping>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        const std::string where = fmt::format("mapping {} ({})", i, a[i].path);
        EXPECT_EQ(a[i].start, b[i].start) << where;
        EXPECT_EQ(a[i].end, b[i].end) << where;
        EXPECT_EQ(a[i].perms, b[i].perms) << where;
        EXPECT_EQ(a[i].path, b[i].path) << where;
        EXPECT_EQ(a[i].smaps_text, b[i].smaps_text) << where;
        EXPECT_EQ(a[i].vmflags, b[i].vmflags.vec()) << where;
        ASSERT_EQ(a[i].smaps.size(), b[i].smaps.size()) << where;
        for (size_t k = 0; k < a[i].smaps.size(); ++k) {
            EXPECT_EQ(a[i].smaps[k].name, b[i].smaps[k].name) << where;
            EXPECT_EQ(a[i].smaps[k].value, b[i].smaps[k].value) << where;
            EXPECT_EQ(a[i].smaps[k].kb, b[i].smaps[k].kb) << where;
        }
    }
}

} // namespace

// A parse that may share the blocks of an earlier one equals a fresh parse of the same text,
// and shares exactly the blocks whose text did not change (a changed value, a block that
// grew a field, blocks added and removed around them, errors after a shared block).
TEST(Smaps, SharingUnchangedBlocksEqualsAFreshParse) {
    const std::string before = fixture("smaps.txt");
    const auto earlier = procfs::parse_smaps(before);
    ASSERT_GE(earlier.size(), 4u);

    const auto same = procfs::parse_smaps(before, earlier);
    expect_same_parse(same, procfs::parse_smaps(before));
    for (size_t i = 0; i < same.size(); ++i)
        EXPECT_TRUE(same[i].smaps.shares(earlier[i].smaps)) << i;

    // Block 1: one value changed (same length). Block 2: one field more at its end. Block 0
    // removed; a new block and a malformed line after the last one.
    std::string after(before);
    const auto b1 = static_cast<size_t>(earlier[1].smaps_text.data() - before.data());
    const size_t rss = after.find("Rss:", b1);
    ASSERT_NE(rss, std::string::npos);
    const size_t digit = after.find_first_of("0123456789", rss);
    after[digit] = after[digit] == '9' ? '8' : '9';
    const auto b2 = static_cast<size_t>(earlier[2].smaps_text.data() - before.data());
    after.insert(b2 + earlier[2].smaps_text.size(), "Extra:                 7 kB\n");
    after.erase(0, earlier[1].smaps_text.data() - before.data());
    after += "7fff00000000-7fff00001000 rw-p 00000000 00:00 0 \nRss: 4 kB\nno colon here\n";

    std::vector<procfs::ParseError> shared_errors, fresh_errors;
    const auto fresh = procfs::parse_smaps(after, &fresh_errors);
    const auto shared = procfs::parse_smaps(after, earlier, &shared_errors);
    expect_same_parse(shared, fresh);
    ASSERT_EQ(shared_errors.size(), 1u);
    ASSERT_EQ(fresh_errors.size(), 1u);
    EXPECT_EQ(shared_errors[0].line, fresh_errors[0].line);
    EXPECT_FALSE(shared[0].smaps.shares(earlier[1].smaps)) << "changed value";
    EXPECT_FALSE(shared[1].smaps.shares(earlier[2].smaps)) << "grew a field";
    EXPECT_EQ(shared[1].kb("Extra"), 7u);
    for (size_t i = 2; i + 1 < shared.size(); ++i)
        EXPECT_TRUE(shared[i].smaps.shares(earlier[i + 1].smaps)) << i;
    EXPECT_EQ(shared.back().kb("Rss"), 4u);
}
