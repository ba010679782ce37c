// The command line as a user runs it: `mmaplab inspect` agrees with /proc field by field on a
// process nobody here wrote, and `mmaplab run` prints the kernel's answers.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Ran {
    int status = -1;
    std::string out;
};

Ran run(const std::string& cmd) {
    Ran r;
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return r;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
    r.status = pclose(f);
    return r;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A process nobody here wrote: sleep(1), started by the shell.
struct Sleeper {
    pid_t pid = 0;
    Sleeper() {
        pid = fork();
        if (pid == 0) {
            execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
            _exit(127);
        }
        usleep(100 * 1000);
    }
    ~Sleeper() {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};

// An independent reading of one maps header line: five whitespace fields, then the path.
struct MapsLine {
    std::string range, perms, offset, dev, inode, path;
};
MapsLine split_maps_line(const std::string& line) {
    MapsLine m;
    std::istringstream in(line);
    in >> m.range >> m.perms >> m.offset >> m.dev >> m.inode;
    std::string rest;
    std::getline(in, rest);
    size_t i = rest.find_first_not_of(' ');
    m.path = i == std::string::npos ? "" : rest.substr(i);
    return m;
}

// Pss and the Shared_/Private_ split depend on how many processes map a page at the moment
// of reading, and mmaplab itself maps the same libc while it reads: those fields are checked
// through invariants (Private+Shared sums, Pss <= Rss) instead of equality.
bool depends_on_other_processes(const std::string& key) {
    return key.rfind("Pss", 0) == 0 || key.rfind("Shared_", 0) == 0 ||
           key.rfind("Private_", 0) == 0 || key == "SwapPss";
}

void expect_invariants(const nlohmann::json& smaps, const std::string& proc_block_sums) {
    auto kb = [&](const char* k) { return smaps.value(k, uint64_t{0}); };
    EXPECT_LE(kb("Pss"), kb("Rss"));
    EXPECT_EQ(std::to_string(kb("Shared_Clean") + kb("Private_Clean")) + "/" +
                  std::to_string(kb("Shared_Dirty") + kb("Private_Dirty")),
              proc_block_sums);
}

void expect_field(const nlohmann::json& smaps, const std::string& key, const std::string& value) {
    ASSERT_TRUE(smaps.contains(key)) << key;
    if (depends_on_other_processes(key)) return;
    if (value.size() > 3 && value.compare(value.size() - 3, 3, " kB") == 0)
        EXPECT_EQ(smaps[key].get<uint64_t>(), std::stoull(value)) << key;
    else
        EXPECT_EQ(smaps[key].get<std::string>(), value) << key;
}

} // namespace

TEST(Cli, InspectAgreesWithProcFieldByField) {
    Sleeper s;
    Ran r = run(std::string(MMAPLAB_APP) + " inspect " + std::to_string(s.pid) + " --json");
    ASSERT_EQ(r.status, 0) << r.out;
    std::string smaps = slurp("/proc/" + std::to_string(s.pid) + "/smaps");
    nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["pid"].get<int>(), s.pid);
    const auto& maps = j["mappings"];
    std::istringstream in(smaps);
    std::string line;
    int idx = -1;
    int fields = 0;
    uint64_t clean = 0, dirty = 0;
    auto close_block = [&] {
        if (idx >= 0)
            expect_invariants(maps[idx]["smaps"],
                              std::to_string(clean) + "/" + std::to_string(dirty));
        clean = dirty = 0;
    };
    while (std::getline(in, line)) {
        size_t colon = line.find(':');
        if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
            line.find('-') < line.find(' ')) {
            close_block();
            ++idx;
            ASSERT_LT(idx, static_cast<int>(maps.size()));
            MapsLine m = split_maps_line(line);
            const auto& jm = maps[idx];
            std::string range = m.range;
            EXPECT_EQ(jm["start"].get<std::string>(), "0x" + range.substr(0, range.find('-')));
            EXPECT_EQ(jm["end"].get<std::string>(), "0x" + range.substr(range.find('-') + 1));
            EXPECT_EQ(jm["perms"].get<std::string>(), m.perms);
            EXPECT_EQ(jm["offset"].get<uint64_t>(), std::stoull(m.offset, nullptr, 16));
            EXPECT_EQ(jm["dev"].get<std::string>(), m.dev);
            EXPECT_EQ(jm["inode"].get<uint64_t>(), std::stoull(m.inode));
            EXPECT_EQ(jm["path"].get<std::string>(), m.path);
            continue;
        }
        ASSERT_GE(idx, 0);
        std::string key = line.substr(0, colon);
        std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
        if (key == "VmFlags") {
            std::istringstream codes(value);
            std::vector<std::string> v;
            for (std::string c; codes >> c;) v.push_back(c);
            EXPECT_EQ(maps[idx]["vmflags"].get<std::vector<std::string>>(), v);
        } else {
            expect_field(maps[idx]["smaps"], key, value);
        }
        if (key == "Shared_Clean" || key == "Private_Clean") clean += std::stoull(value);
        if (key == "Shared_Dirty" || key == "Private_Dirty") dirty += std::stoull(value);
        ++fields;
    }
    close_block();
    EXPECT_EQ(idx + 1, static_cast<int>(maps.size()));
    EXPECT_GT(fields, 100);
}

TEST(Cli, InspectTableAndPages) {
    Sleeper s;
    Ran r = run(std::string(MMAPLAB_APP) + " inspect " + std::to_string(s.pid) + " --pages");
    ASSERT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("[stack]"), std::string::npos);
    Ran j = run(std::string(MMAPLAB_APP) + " inspect " + std::to_string(s.pid) +
                " --json --pages 2>/dev/null");
    ASSERT_EQ(j.status, 0);
    auto doc = nlohmann::json::parse(j.out);
    bool any_present = false;
    for (const auto& m : doc["mappings"])
        for (const auto& p : m["pages"]) {
            if (!p["present"].get<bool>()) continue;
            any_present = true;
            if (geteuid() == 0)
                EXPECT_TRUE(p["pfn"].is_number());
            else
                EXPECT_TRUE(p["pfn"].is_null());
        }
    EXPECT_TRUE(any_present);
}

TEST(Cli, InspectOfAMissingProcessSaysSo) {
    Ran r = run(std::string(MMAPLAB_APP) + " inspect 999999999 2>&1");
    EXPECT_NE(WEXITSTATUS(r.status), 0);
    EXPECT_NE(r.out.find("999999999"), std::string::npos) << r.out;
    Ran z = run(std::string(MMAPLAB_APP) + " inspect 0 2>&1");
    EXPECT_NE(WEXITSTATUS(z.status), 0);
    EXPECT_NE(z.out.find("not a process ID"), std::string::npos) << z.out;
}

TEST(Cli, RunPrintsTheKernelsAnswers) {
    char path[] = "/tmp/mmaplab-cli-test-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string script =
        "char *p = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | "
        "MAP_ANONYMOUS, -1, 0);\np[0] = 'A';\npid_t child = fork();\n@child: p[0] = 'B';\n"
        "char c = p[0];\nmprotect(p, PAGE_SIZE, PROT_READ);\np[0] = 'x';\n";
    ASSERT_EQ(write(fd, script.data(), script.size()), static_cast<ssize_t>(script.size()));
    close(fd);
    Ran r = run(std::string(MMAPLAB_APP) + " run " + path + " 2>&1");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("= 'A' (0x41)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SIGSEGV SEGV_ACCERR"), std::string::npos) << r.out;
    Ran j = run(std::string(MMAPLAB_APP) + " run " + path + " --json 2>/dev/null");
    EXPECT_EQ(j.status, 0);
    auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["processes"].size(), 2u);
    std::ofstream(path) << "int x = 1;\nchar *p = mmap(NULL, 4096;\n";
    Ran e = run(std::string(MMAPLAB_APP) + " run " + path + " 2>&1");
    EXPECT_NE(WEXITSTATUS(e.status), 0);
    EXPECT_NE(e.out.find(std::string(path) + ":2:"), std::string::npos) << e.out;
    unlink(path);
}
