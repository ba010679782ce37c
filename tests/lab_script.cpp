// Lab-process tests of the action language: statements run in real lab processes through the
// Lab, and the results (addresses, bytes, errno, faults, deaths) are the kernel's.
#include "lab.hpp"
#include "script/runner.hpp"
#include "script/script.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace mml;
using namespace mml::script;

namespace {

LabOptions lab_options() {
    LabOptions o;
    o.subject_path = MMAPLAB_SUBJECT;
    return o;
}

int64_t page_size() {
    return sysconf(_SC_PAGESIZE);
}

class ScriptLab : public ::testing::Test {
protected:
    Lab lab{lab_options()};
    Interpreter in{lab};

    void SetUp() override {
        std::string err;
        ASSERT_GT(in.start(&err), 0) << err;
    }

    // Parses one or more statements and runs them; returns the last result.
    StepResult run(std::string_view text) {
        Program p;
        Diagnostic d;
        EXPECT_TRUE(parse(text, "", p, d)) << d.str();
        StepResult last;
        for (const Stmt& s : p.stmts) {
            last = in.run(s);
            EXPECT_TRUE(last.error.empty()) << last.statement << ": " << last.error;
        }
        return last;
    }

    int64_t var(const std::string& name) {
        Value v;
        EXPECT_TRUE(in.lookup(name, v)) << name;
        return v.v;
    }
};

constexpr const char* kMap4 = "char *p = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, "
                              "MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);";

} // namespace

TEST_F(ScriptLab, MapWriteForkAndChildWrite) {
    StepResult m = run(kMap4);
    ASSERT_TRUE(m.ran);
    EXPECT_EQ(m.pid, in.default_pid());
    EXPECT_EQ(m.process, "main");
    EXPECT_GT(m.value, 0);
    EXPECT_EQ(m.value % page_size(), 0);
    EXPECT_EQ(m.result_text(), fmt::format("= 0x{:x}", m.value));

    StepResult w = run("p[0] = 'A';");
    EXPECT_EQ(w.result_text(), "= 'A' (0x41)");
    StepResult c = run("char c = p[0];");
    EXPECT_EQ(c.value, 'A');
    EXPECT_EQ(c.result_text(), "= 'A' (0x41)");

    StepResult f = run("pid_t child = fork();");
    ASSERT_GT(f.value, 0);
    EXPECT_EQ(var("child"), f.value);
    EXPECT_TRUE(lab.alive(static_cast<int>(f.value)));
    EXPECT_EQ(f.result_text(), fmt::format("= {}", f.value));

    StepResult cw = run("@child: p[3 * PAGE_SIZE] = 'B';");
    EXPECT_EQ(cw.pid, f.value);
    EXPECT_EQ(cw.process, "child");
    EXPECT_EQ(run("@child: char d = p[3 * PAGE_SIZE];").value, 'B');
    EXPECT_EQ(run("char e = p[3 * PAGE_SIZE];").value, 0); // the parent's copy is untouched
    EXPECT_EQ(run("@child: char g = *p;").value, 'A');     // inherited before the fork
    EXPECT_EQ(run("@main: char h = *(p + 3 * PAGE_SIZE);").value, 0);
    EXPECT_EQ(run(fmt::format("@{}: char k = p[0];", f.value)).value, 'A');
}

TEST_F(ScriptLab, ErrnoResults) {
    StepResult r = run("char *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, "
                       "100);");
    EXPECT_TRUE(r.ran);
    EXPECT_EQ(r.err, EINVAL);
    EXPECT_EQ(r.value, -1);
    EXPECT_EQ(r.result_text(), "= MAP_FAILED EINVAL (Invalid argument)");
    StepResult c = run("close(12345);");
    EXPECT_EQ(c.err, EBADF);
    EXPECT_EQ(c.result_text(), "= -1 EBADF (Bad file descriptor)");
    StepResult u = run("int x = munmap((char *)4097, 4096);");
    EXPECT_EQ(u.result_text(), "= -1 EINVAL (Invalid argument)");
}

TEST_F(ScriptLab, WriteToReadOnlyPageFaultsAndCarriesOn) {
    run(kMap4);
    int64_t p = var("p");
    EXPECT_EQ(run("mprotect(p + PAGE_SIZE, PAGE_SIZE, PROT_READ);").value, 0);
    StepResult w = run("p[PAGE_SIZE + 5] = 'x';");
    EXPECT_TRUE(w.ran);
    EXPECT_FALSE(w.died);
    EXPECT_EQ(w.fault.sig, SIGSEGV);
    EXPECT_EQ(w.fault.code, SEGV_ACCERR);
    EXPECT_EQ(w.fault.addr, static_cast<uint64_t>(p + page_size() + 5));
    EXPECT_TRUE(w.fault.write);
    EXPECT_EQ(w.result_text(), fmt::format("SIGSEGV SEGV_ACCERR at 0x{:x} (write) \u2014 the "
                                           "process carries on",
                                           p + page_size() + 5));
    EXPECT_EQ(run("char r = p[PAGE_SIZE + 5];").value, 0); // reading is allowed
    EXPECT_EQ(run("p[0] = 'y';").value, 'y');              // the process carries on
}

TEST_F(ScriptLab, UseAfterMunmapIsMapErr) {
    run(kMap4);
    int64_t p = var("p");
    EXPECT_EQ(run("munmap(p, 4 * PAGE_SIZE);").value, 0);
    Program prog;
    Diagnostic d;
    ASSERT_TRUE(parse("char c = p[10];", "", prog, d));
    StepResult r = in.run(prog.stmts[0]);
    EXPECT_EQ(r.fault.sig, SIGSEGV);
    EXPECT_EQ(r.fault.code, SEGV_MAPERR);
    EXPECT_EQ(r.fault.addr, static_cast<uint64_t>(p + 10));
    EXPECT_FALSE(r.fault.write);
    Value c;
    EXPECT_FALSE(in.lookup("c", c)); // a faulting load binds nothing
}

TEST_F(ScriptLab, FilesStringsAndHelpers) {
    EXPECT_GE(run("int fd = open(\"notes.txt\", O_RDWR | O_CREAT, 0644);").value, 0);
    EXPECT_EQ(run("write(fd, \"hello\\n\", 6);").value, 6);
    EXPECT_EQ(run("ftruncate(fd, 8192);").value, 0);
    StepResult m = run("char *f = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);");
    EXPECT_GT(m.value, 0);
    EXPECT_EQ(run("char h = f[4];").value, 'o');
    EXPECT_EQ(run("char z = f[4096];").value, 0);
    EXPECT_EQ(run("strcpy(f + 100, \"text\");").value, var("f") + 100);
    EXPECT_EQ(run("char t = f[103];").value, 't');
    EXPECT_EQ(run("char n = f[104];").value, 0);
    EXPECT_EQ(run("msync(f, 8192, MS_SYNC);").value, 0);
    EXPECT_EQ(run("munmap(f, 8192);").value, 0);
    EXPECT_EQ(run("close(fd);").value, 0);
    EXPECT_EQ(run("unlink(\"notes.txt\");").value, 0);

    run(kMap4);
    EXPECT_EQ(run("memset(p, 'x', 2 * PAGE_SIZE);").value, var("p"));
    EXPECT_EQ(run("char x = p[PAGE_SIZE + 7];").value, 'x');
    EXPECT_EQ(run("write_pages(p + 2 * PAGE_SIZE, 2 * PAGE_SIZE);").value, 2);
    EXPECT_EQ(run("read_pages(p, 4 * PAGE_SIZE);").value, 'x' + 'x' + 1 + 1);
    EXPECT_EQ(run("madvise(p, 4 * PAGE_SIZE, MADV_DONTNEED);").value, 0);
    EXPECT_EQ(run("char gone = p[0];").value, 0);
    // A stride: every other page (pages 0 and 2 of 4), the others stay untouched.
    EXPECT_EQ(run("write_pages(p, 4 * PAGE_SIZE, 'y', 2 * PAGE_SIZE);").value, 2);
    EXPECT_EQ(run("read_pages(p, 4 * PAGE_SIZE);").value, 'y' + 'y');
    EXPECT_EQ(run("madvise(p, 4 * PAGE_SIZE, MADV_DONTNEED);").value, 0);
    // Kernels without CONFIG_ANON_VMA_NAME answer EINVAL.
    StepResult named = run("prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, p, 4 * PAGE_SIZE, \"demo\");");
    EXPECT_TRUE(named.ran);
    EXPECT_TRUE(named.value == 0 || named.err == EINVAL) << named.result_text();
    EXPECT_EQ(run("mlock(p, PAGE_SIZE);").value, 0);
    EXPECT_EQ(run("munlock(p, PAGE_SIZE);").value, 0);
    StepResult q = run("char *q = mremap(p, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE);");
    EXPECT_GT(q.value, 0);
    EXPECT_EQ(run("getpid();").value, in.default_pid());

    EXPECT_GE(run("int sfd = shm_open(\"/mml_script_test\", O_CREAT | O_RDWR, 0600);").value, 0);
    EXPECT_EQ(run("shm_unlink(\"/mml_script_test\");").value, 0);
    StepResult s = run("const char *name = \"/mml_x\";");
    EXPECT_EQ(s.result_text(), "= \"/mml_x\"");
}

TEST_F(ScriptLab, LetCrashKillAndExit) {
    run(kMap4);
    StepResult f = run("pid_t child = fork();");
    ASSERT_GT(f.value, 0);
    run("@child: let_crash(1);");
    run("@child: mprotect(p, PAGE_SIZE, PROT_NONE);");
    StepResult d = run("@child: p[0] = 1;");
    EXPECT_TRUE(d.died);
    ASSERT_TRUE(WIFSIGNALED(d.wait_status));
    EXPECT_EQ(WTERMSIG(d.wait_status), SIGSEGV);
    EXPECT_EQ(d.result_text().rfind(fmt::format("process {} was killed by SIGSEGV", f.value), 0),
              0u)
        << d.result_text();
    StepResult gone = in.run([] {
        Program p;
        Diagnostic dd;
        parse("@child: close(3);", "", p, dd);
        return p.stmts[0];
    }());
    EXPECT_TRUE(gone.error.starts_with(
        fmt::format("{0} (child) is not running: process {0} was killed by SIGSEGV", f.value)))
        << gone.error;

    StepResult g = run("pid_t other = fork();");
    ASSERT_GT(g.value, 0);
    StepResult k = run("kill(other, SIGKILL);");
    EXPECT_EQ(k.value, 0);
    EXPECT_FALSE(lab.alive(static_cast<int>(g.value)));
    ASSERT_EQ(k.ended.size(), 1u);
    EXPECT_EQ(k.ended[0], g.value);

    StepResult h = run("pid_t third = fork();");
    StepResult e = run("@third: exit(3);");
    EXPECT_TRUE(e.died);
    EXPECT_EQ(e.result_text(), fmt::format("process {} exited with status 3", h.value));
}

TEST_F(ScriptLab, RunnerPrintsLinesAndStopsOnParseErrors) {
    std::ostringstream out, err;
    EXPECT_EQ(run_script_text("int x = 1;\nclose(3)\n", "demo.mml", in, out, err), 2);
    EXPECT_EQ(err.str(), "demo.mml:2:9: expected ';' after the statement\n");
    EXPECT_TRUE(out.str().empty());

    err.str("");
    EXPECT_EQ(run_script_text("int x = 1;\nchar c = q[0];\n", "demo.mml", in, out, err), 2);
    EXPECT_EQ(err.str(), "demo.mml:2:10: unknown name 'q'\n");

    err.str("");
    std::string script = std::string(kMap4) +
                         "\np[0] = 'A';\npid_t child = fork();\n@child: p[1] = 'B';\n"
                         "mprotect(p, PAGE_SIZE, PROT_READ);\np[2] = 'C';\n"
                         "kill(child, SIGKILL);\n";
    EXPECT_EQ(run_script_text(script, "demo.mml", in, out, err), 0) << err.str();
    std::string text = out.str();
    std::string main_label = fmt::format("[{} main]", in.default_pid());
    EXPECT_NE(text.find(main_label + " "), std::string::npos) << text;
    EXPECT_NE(text.find("p[0] = 'A';"), std::string::npos) << text;
    EXPECT_NE(text.find("= 'A' (0x41)"), std::string::npos) << text;
    EXPECT_NE(text.find("SIGSEGV SEGV_ACCERR"), std::string::npos) << text;
    EXPECT_NE(text.find("was killed by SIGKILL"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 8) << text;
}
