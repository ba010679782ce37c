// Unit tests of `mmaplab inspect` output built from fixture smaps: the JSON schema (sizes as
// numbers, other fields as printed, unknowable page facts as null) and the text table.
#include "abi.hpp"
#include "procfs.hpp"
#include "report.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace mml;

namespace {

Process fixture_process(bool pfn_known) {
    std::ifstream in(std::string(MMAPLAB_FIXTURES) + "/smaps.txt");
    std::stringstream ss;
    ss << in.rdbuf();
    Process p;
    p.pid = 4242;
    p.smaps_raw = ss.str();
    p.mappings = procfs::parse_smaps(p.smaps_raw);
    p.pfn_known = p.kpage_known = pfn_known;
    // [anon:my name] has 4 pages: 0 present+exclusive, 1 present (pfn+1), 2 not present,
    // 3 swapped.
    Mapping& m = p.mappings.at(3);
    m.pages.resize(4);
    const uint64_t present = 1ull << mml::abi::kPmPresentBit,
                   excl = 1ull << mml::abi::kPmExclusiveBit;
    m.pages[0].entry = present | excl | (pfn_known ? 0x1000 : 0);
    m.pages[1].entry = present | excl | (pfn_known ? 0x1001 : 0);
    m.pages[3].entry = (1ull << mml::abi::kPmSwappedBit) | 0x77;
    for (int i : {0, 1}) {
        m.pages[i].mapcount = 1;
        m.pages[i].kflags = (1ull << mml::abi::kKpfAnon) | (1ull << 11);
    }
    return p;
}

} // namespace

TEST(ReportJson, Schema) {
    Process p = fixture_process(true);
    nlohmann::json j = report::process_json(p, false);
    EXPECT_EQ(j["pid"], 4242);
    ASSERT_EQ(j["mappings"].size(), 11u);
    const auto& m = j["mappings"][3];
    EXPECT_EQ(m["start"], "0x7f1c00004000");
    EXPECT_EQ(m["end"], "0x7f1c00008000");
    EXPECT_EQ(m["perms"], "rw-p");
    EXPECT_EQ(m["offset"], 0);
    EXPECT_EQ(m["dev"], "00:00");
    EXPECT_EQ(m["inode"], 0);
    EXPECT_EQ(m["path"], "[anon:my name]");
    EXPECT_EQ(m["smaps"]["Rss"], 4);
    EXPECT_EQ(m["smaps"]["FutureField"], 12);
    EXPECT_EQ(m["smaps"]["THPeligible"], "1");
    EXPECT_EQ(m["smaps"]["ProtectionKey"], "0");
    EXPECT_EQ(m["vmflags"].back(), "zz");
    EXPECT_FALSE(m.contains("pages"));
    EXPECT_EQ(j["mappings"][0]["path"], "/opt/my lab/my prog");
    EXPECT_EQ(j["mappings"][10]["start"], "0xffffffffff600000");
}

TEST(ReportJson, PagesWithAndWithoutPrivilege) {
    nlohmann::json root = report::process_json(fixture_process(true), true);
    const auto& pages = root["mappings"][3]["pages"];
    ASSERT_EQ(pages.size(), 4u);
    EXPECT_EQ(pages[0]["index"], 0);
    EXPECT_EQ(pages[0]["present"], true);
    EXPECT_EQ(pages[0]["exclusive"], true);
    EXPECT_EQ(pages[0]["pfn"], 0x1000);
    EXPECT_EQ(pages[0]["mapcount"], 1);
    EXPECT_EQ(pages[0]["flags"], nlohmann::json({"MMAP", "ANON"}));
    EXPECT_TRUE(pages[2]["pfn"].is_null());
    EXPECT_TRUE(pages[2]["flags"].is_null());
    EXPECT_EQ(pages[3]["swapped"], true);
    EXPECT_TRUE(pages[3]["pfn"].is_null()); // a swap entry is not a frame
    EXPECT_EQ(root["mappings"][0]["pages"].size(), 0u);

    nlohmann::json user = report::process_json(fixture_process(false), true);
    const auto& up = user["mappings"][3]["pages"];
    EXPECT_EQ(up[0]["present"], true);
    EXPECT_TRUE(up[0]["pfn"].is_null());
    EXPECT_TRUE(up[0]["mapcount"].is_null());
    EXPECT_TRUE(up[0]["flags"].is_null());
}

TEST(ReportTable, RowsTotalsLegendAndRuns) {
    const std::string t = report::process_table(fixture_process(true), true);
    EXPECT_NE(t.find("Address range"), std::string::npos);
    EXPECT_NE(t.find("/opt/my lab/my prog"), std::string::npos);
    EXPECT_NE(t.find("[anon:my name]"), std::string::npos);
    EXPECT_NE(t.find("total (11 mappings)"), std::string::npos);
    EXPECT_NE(t.find("nh = "), std::string::npos);
    EXPECT_NE(t.find("zz = (a code this tool does not know)"), std::string::npos);
    EXPECT_NE(t.find("pages 0-1"), std::string::npos) << t;
    EXPECT_NE(t.find("pfn 0x1000-0x1001"), std::string::npos) << t;
    EXPECT_NE(t.find("pages 2             not present"), std::string::npos) << t;
    EXPECT_NE(t.find("pages 3             swapped"), std::string::npos) << t;
    const std::string plain = report::process_table(fixture_process(false), false);
    EXPECT_EQ(plain.find("pages 0"), std::string::npos);
}

TEST(ReportJson, DirectTextIsTheSameDocument) {
    for (bool pfn : {false, true})
        for (bool pages : {false, true}) {
            Process p = fixture_process(pfn);
            p.mappings.at(3).pages[1].kflags = 0; // derived from the exclusive bit: flags null
            p.mappings.at(4).path = "tab\there \"quoted\" \\ \x01 ünïcode";
            EXPECT_EQ(report::process_json_text(p, pages), report::process_json(p, pages).dump(2))
                << "pfn " << pfn << " pages " << pages;
        }
}
