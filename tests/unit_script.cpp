// Unit tests of the action language without lab processes: lexing, parsing, canonical
// printing (round trip), C precedence, literals, the checker, and every diagnostic's position.
#include "script/constants.hpp"
#include "script/script.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace mml::script;

namespace {

Program parse_ok(std::string_view text) {
    Program p;
    Diagnostic d;
    EXPECT_TRUE(parse(text, "", p, d)) << text << "\n" << d.str();
    return p;
}

Stmt one(std::string_view text) {
    Program p = parse_ok(text);
    EXPECT_EQ(p.stmts.size(), 1u) << text;
    return p.stmts.empty() ? Stmt{} : p.stmts[0];
}

// print(parse(x)) == x for canonical text, and parse(print(ast)) == ast.
void round_trip(std::string_view canonical) {
    Stmt s = one(canonical);
    EXPECT_EQ(print(s), canonical);
    Stmt again = one(print(s));
    EXPECT_TRUE(again == s) << canonical;
}

Diagnostic parse_error(std::string_view text) {
    Program p;
    Diagnostic d;
    EXPECT_FALSE(parse(text, "", p, d)) << text;
    return d;
}

Diagnostic check_error(std::string_view text) {
    Program p = parse_ok(text);
    Scope scope;
    Diagnostic d;
    EXPECT_FALSE(check(p, scope, d)) << text;
    return d;
}

void expect_diag(const Diagnostic& d, int line, int col, std::string_view msg) {
    EXPECT_EQ(d.line, line) << d.str();
    EXPECT_EQ(d.col, col) << d.str();
    EXPECT_EQ(d.message, msg);
}

} // namespace

TEST(ScriptParse, CanonicalStatementsRoundTrip) {
    const char* stmts[] = {
        "int fd = open(\"notes.txt\", O_RDWR | O_CREAT, 0644);",
        "char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, "
        "-1, 0);",
        "p[0] = 'A';",
        "char c = p[8192];",
        "mprotect(p + 4096, 4096, PROT_READ);",
        "pid_t child = fork();",
        "@child: p[3 * PAGE_SIZE] = 'B';",
        "@main: p[0] = 'C';",
        "@1234: munmap(p, 4096);",
        "write(fd, \"hello\\n\", 6);",
        "ftruncate(fd, 8192);",
        "close(fd);",
        "int sfd = shm_open(\"/mml_demo\", O_CREAT | O_RDWR, 0600);",
        "shm_unlink(\"/mml_demo\");",
        "unlink(\"notes.txt\");",
        "msync(p, len, MS_SYNC | MS_INVALIDATE);",
        "madvise(p, len, MADV_DONTNEED);",
        "char *q = mremap(p, old, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, p + 0x100000);",
        "mlock(p, len);",
        "munlock(p, len);",
        "memset(p, 'x', len);",
        "strcpy(p, \"text\");",
        "read_pages(p, len);",
        "write_pages(p, len);",
        "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, p, len, \"name\");",
        "exit(0);",
        "kill(child, SIGKILL);",
        "let_crash(1);",
        "void *v = (void *)p;",
        "unsigned char u = *(p + 4096);",
        "const char *name = \"/mml_demo\";",
        "size_t len = 16 * PAGE_SIZE;",
        "off_t off = 0x2000;",
        "long x = -1;",
        "ssize_t n = write(fd, \"a\", 1);",
        "*p = 'z';",
        "x = x + 1;",
        "char e = '\\n';",
        "char q0 = '\\0';",
        "char hx = '\\xff';",
        "char sq = '\\'';",
        "write(fd, \"tab\\there \\\"q\\\" \\\\ \\x01 \\0011\", 12);",
        "long m = 4096UL;",
        "int k = ~PROT_WRITE & 7;",
        "int b = !0;",
        "char *r = (char *)(p + 1);",
    };
    for (const char* s : stmts) round_trip(s);
}

TEST(ScriptParse, NormalisesSpacingCommentsAndParentheses) {
    Program p = parse_ok("  int   fd=open( \"a\" ,O_RDWR|O_CREAT,0644 ) ; // a comment\n"
                         "/* block\n comment */ p [ 0 ]='A';\n"
                         "x = ((1 + 2));\n;;\n"
                         "x = (a * b) + c;\n"
                         "x = a - (b - c);\n"
                         "x = (a - b) - c;\n"
                         "x = -(-1);\n"
                         "x = 0X1F;\n"
                         "x = \"ab\" \"cd\";\n");
    ASSERT_EQ(p.stmts.size(), 9u);
    EXPECT_EQ(print(p), "int fd = open(\"a\", O_RDWR | O_CREAT, 0644);\n"
                        "p[0] = 'A';\n"
                        "x = 1 + 2;\n"
                        "x = a * b + c;\n"
                        "x = a - (b - c);\n"
                        "x = a - b - c;\n"
                        "x = -(-1);\n"
                        "x = 0x1f;\n"
                        "x = \"abcd\";\n");
    Program again = parse_ok(print(p));
    EXPECT_TRUE(again == p);
}

TEST(ScriptParse, Precedence) {
    // * binds tighter than +, + than <<, << than &, & than ^, ^ than |.
    Stmt s = one("x = a | b ^ c & d << e + f * g;");
    const Expr* e = &s.value;
    for (const char* op : {"|", "^", "&", "<<", "+", "*"}) {
        ASSERT_EQ(e->kind, ExprKind::Binary);
        EXPECT_EQ(e->text, op);
        EXPECT_EQ(e->kids[0].kind, ExprKind::Name);
        e = &e->kids[1];
    }
    EXPECT_EQ(print(s), "x = a | b ^ c & d << e + f * g;");
    // Left associativity.
    Stmt l = one("x = 100 - 10 - 1;");
    EXPECT_EQ(l.value.kids[0].kind, ExprKind::Binary);
    EXPECT_EQ(print(one("x = (a | b) & c;")), "x = (a | b) & c;");
    EXPECT_EQ(print(one("x = (1 + 2) * 3;")), "x = (1 + 2) * 3;");
    EXPECT_EQ(print(one("x = *(p + 1);")), "x = *(p + 1);");
    EXPECT_EQ(print(one("x = -a * b;")), "x = -a * b;");
    // Indexing binds tighter than unary operators.
    Stmt d = one("x = *p[1];");
    EXPECT_EQ(d.value.kind, ExprKind::Unary);
    EXPECT_EQ(d.value.kids[0].kind, ExprKind::Index);
}

TEST(ScriptParse, Literals) {
    EXPECT_EQ(one("x = 0644;").value.value, 0644);
    EXPECT_EQ(one("x = 0644;").value.base, IntBase::Oct);
    EXPECT_EQ(one("x = 0x7f3a1c000000;").value.value, 0x7f3a1c000000);
    EXPECT_EQ(one("x = 0;").value.base, IntBase::Dec);
    EXPECT_EQ(one("x = 18446744073709551615;").value.value, -1);
    EXPECT_EQ(one("x = 'A';").value.value, 'A');
    EXPECT_EQ(one("x = '\\x41';").value.value, 0x41);
    EXPECT_EQ(one("x = '\\101';").value.value, 0101);
    EXPECT_EQ(one("x = '\\0';").value.value, 0);
    EXPECT_EQ(one("x = '\"';").value.value, '"');
    EXPECT_EQ(one("x = \"a\\tb\\0c\";").value.text, std::string("a\tb\0c", 5));
    EXPECT_EQ(print(one("x = 1ul;")), "x = 1UL;");
    EXPECT_EQ(print(one("x = '\\x7';")), "x = '\\x07';");
    // A byte before a digit keeps its escape unambiguous.
    EXPECT_EQ(print(one("x = \"\\x01\" \"2\";")), "x = \"\\0012\";");
    EXPECT_EQ(one(print(one("x = \"\\x01\" \"2\";"))).value.text, "\0012");
}

TEST(ScriptParse, Targets) {
    Stmt s = one("@child: p[3 * PAGE_SIZE] = 'B';");
    EXPECT_EQ(s.target, "child");
    EXPECT_EQ(s.kind, StmtKind::Assign);
    EXPECT_EQ(s.target_pos.col, 2);
    EXPECT_EQ(one("@4242: close(3);").target, "4242");
}

TEST(ScriptParse, Types) {
    EXPECT_EQ(one("unsigned char u = 1;").type, "unsigned char");
    EXPECT_EQ(one("const char *s = \"x\";").type, "const char *");
    EXPECT_EQ(one("char* p = NULL;").type, "char *");
    EXPECT_EQ(one("void * p = NULL;").type, "void *");
    EXPECT_EQ(one("pid_t c = fork();").type, "pid_t");
    EXPECT_EQ(one("x = (unsigned char)200;").value.text, "unsigned char");
}

TEST(ScriptErrors, PositionsAndMessages) {
    expect_diag(parse_error("int x = 5\nint y = 6;"), 1, 10, "expected ';' after the statement");
    expect_diag(parse_error("int x = 5 int y = 6;"), 1, 11, "expected ';' after the statement");
    expect_diag(parse_error("close(3)"), 1, 9, "expected ';' after the statement");
    expect_diag(parse_error("char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1);"), 1, 11,
                "mmap takes 6 arguments, got 5");
    expect_diag(parse_error("open();"), 1, 1, "open takes 2 or 3 arguments, got 0");
    expect_diag(parse_error("fork(1);"), 1, 1, "fork takes no arguments, got 1");
    expect_diag(parse_error("close(1, 2);"), 1, 1, "close takes 1 argument, got 2");
    expect_diag(parse_error("write(fd, \"abc, 3);"), 1, 11, "unterminated string");
    expect_diag(parse_error("x = 'A;"), 1, 5, "unterminated character literal");
    expect_diag(parse_error("x = '';"), 1, 5, "empty character literal ''");
    expect_diag(parse_error("x = 'AB';"), 1, 5,
                "a character literal holds one character; use \"...\" for a string");
    expect_diag(parse_error("x = 1; /* open"), 1, 8, "unterminated comment");
    expect_diag(parse_error("x = 09;"), 1, 6, "invalid digit '9' in octal number");
    expect_diag(parse_error("x = 0x;"), 1, 5, "a hexadecimal number needs digits after '0x'");
    expect_diag(parse_error("x = 12abc;"), 1, 7, "invalid suffix 'ABC' on a number");
    expect_diag(parse_error("x = $;"), 1, 5, "unexpected character '$'");
    expect_diag(parse_error("x = \"\\q\";"), 1, 6, "unknown escape sequence '\\q'");
    expect_diag(parse_error("foo(1);"), 1, 1, "unknown function 'foo'");
    expect_diag(parse_error("x = (1 + 2;"), 1, 11, "expected ')'");
    expect_diag(parse_error("x = p[1;"), 1, 8, "expected ']' after the index");
    expect_diag(parse_error("x = ;"), 1, 5, "expected an expression, found ';'");
    expect_diag(parse_error("x = 1 +"), 1, 8, "expected an expression, found the end of the text");
    expect_diag(parse_error("int = 3;"), 1, 5, "expected a variable name after 'int', found '='");
    expect_diag(parse_error("int x;"), 1, 6,
                "expected '=' and a value after 'x' (every declaration needs a value)");
    expect_diag(parse_error("1 + 2 = 3;"), 1, 3,
                "cannot assign to this expression: assign to a variable, p[i] or *p");
    expect_diag(parse_error("x = a == b;"), 1, 7,
                "operator '==' is not supported in mmaplab statements");
    expect_diag(parse_error("x += 1;"), 1, 3, "'+=' is not supported; write 'x = x + ...'");
    expect_diag(parse_error("@: x = 1;"), 1, 2,
                "expected a process after '@': a pid_t variable, 'main' or a pid");
    expect_diag(parse_error("@child x = 1;"), 1, 8, "expected ':' after '@child'");
    expect_diag(parse_error("int *ip = NULL;"), 1, 1,
                "'int *' is not supported: use char * or void * (an index reads or writes one "
                "byte)");
    expect_diag(parse_error("char **pp = NULL;"), 1, 6,
                "only one level of pointer ('char *') is supported");
    expect_diag(parse_error("x = &p;"), 1, 5, "'&' (address of) is not supported");
    expect_diag(parse_error("int mmap = 1;"), 1, 5,
                "'mmap' is a function; choose another name for the variable");
}

TEST(ScriptErrors, Limits) {
    std::string deep = "x = " + std::string(300, '(') + "1" + std::string(300, ')') + ";";
    EXPECT_EQ(parse_error(deep).message, "expression nested too deeply");
    std::string lng = "x = 1";
    for (int i = 0; i < 1500; ++i) lng += " + 1";
    EXPECT_EQ(parse_error(lng + ";").message, "statement too long: more than 1000 operators");
    std::string ok = "x = 1";
    for (int i = 0; i < 999; ++i) ok += " + 1";
    round_trip(ok + ";");
}

TEST(ScriptErrors, DiagnosticText) {
    Program p;
    Diagnostic d;
    ASSERT_FALSE(parse("close(3);\nclose(3)", "demo.c", p, d));
    EXPECT_EQ(d.str(), "demo.c:2:9: expected ';' after the statement");
    EXPECT_TRUE(p.stmts.empty());
    d.file.clear();
    EXPECT_EQ(d.str(), "2:9: expected ';' after the statement");
}

TEST(ScriptCheck, NamesAndTypes) {
    Program ok = parse_ok(
        "int fd = open(\"notes.txt\", O_RDWR | O_CREAT, 0644);\n"
        "char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, "
        "-1, 0);\n"
        "pid_t child = fork();\n"
        "@child: p[3 * PAGE_SIZE] = 'B';\n"
        "char c = p[8192];\n"
        "const char *name = \"/mml_demo\";\n"
        "int sfd = shm_open(name, O_CREAT | O_RDWR, 0600);\n"
        "long d = (p + 8) - p;\n");
    Scope scope;
    Diagnostic d;
    EXPECT_TRUE(check(ok, scope, d)) << d.str();
    EXPECT_EQ(scope.vars.at("p").type, "char *");
    EXPECT_EQ(scope.vars.at("c").type, "char");
    EXPECT_TRUE(scope.vars.at("name").is_string);

    expect_diag(check_error("char *p = NULL;\np[0] = q;"), 2, 8, "unknown name 'q'");
    expect_diag(check_error("int fd = 3;\nchar c = fd[2];"), 2, 10,
                "cannot index 'fd': it is an int, not a pointer");
    expect_diag(check_error("int fd = 3;\n*fd = 1;"), 2, 2,
                "cannot dereference 'fd': it is an int, not a pointer");
    expect_diag(check_error("@child: close(3);"), 1, 2,
                "unknown process 'child': use a pid_t variable set by fork(), 'main' or a pid");
    expect_diag(check_error("open(3, O_RDWR);"), 1, 6,
                "argument 1 of open must be a string, like \"notes.txt\"");
    expect_diag(check_error("close(\"x\");"), 1, 7, "argument 1 of close cannot be a string");
    expect_diag(check_error("int x = \"abc\";"), 1, 9, "cannot store a string in an int 'x'");
    expect_diag(check_error("char *p = NULL;\nx = p * 2;"), 2, 7,
                "operator '*' needs integers, not a char *");
    expect_diag(check_error("char *p = NULL;\nx = p + p;"), 2, 7, "cannot add two pointers");
    expect_diag(check_error("PROT_READ = 1;"), 1, 1, "cannot assign to the constant 'PROT_READ'");
    expect_diag(check_error("int MAP_SHARED = 1;"), 1, 5,
                "'MAP_SHARED' is a constant; choose another name for the variable");
    expect_diag(check_error("int x = mmap;"), 1, 9, "'mmap' is a function: call it as mmap(...)");
    expect_diag(check_error("int x = 3;\nmemset(x, 0, 1);"), 2, 8,
                "cannot memset into 'x': it is an int, not a pointer");
}

TEST(ScriptConstants, ValuesFromSystemHeaders) {
    int64_t v = 0;
    std::string type;
    ASSERT_TRUE(constant_value("MAP_FIXED_NOREPLACE", v));
    EXPECT_EQ(v, MAP_FIXED_NOREPLACE);
    ASSERT_TRUE(constant_value("MADV_POPULATE_WRITE", v));
    EXPECT_EQ(v, MADV_POPULATE_WRITE);
    ASSERT_TRUE(constant_value("O_CREAT", v));
    EXPECT_EQ(v, O_CREAT);
    ASSERT_TRUE(constant_value("SIGKILL", v));
    EXPECT_EQ(v, SIGKILL);
    ASSERT_TRUE(constant_value("MAP_FAILED", v, &type));
    EXPECT_EQ(v, -1);
    EXPECT_EQ(type, "void *");
    ASSERT_TRUE(constant_value("PAGE_SIZE", v));
    EXPECT_EQ(v, sysconf(_SC_PAGESIZE));
    for (const char* n :
         {"MADV_DONTNEED", "MADV_FREE",      "MADV_WILLNEED",      "MADV_SEQUENTIAL",
          "MADV_RANDOM",   "MADV_NORMAL",    "MADV_HUGEPAGE",      "MADV_NOHUGEPAGE",
          "MADV_DONTFORK", "MADV_DOFORK",    "MADV_WIPEONFORK",    "MADV_KEEPONFORK",
          "MADV_COLD",     "MADV_PAGEOUT",   "MADV_POPULATE_READ", "MAP_FIXED",
          "MAP_POPULATE",  "MAP_LOCKED",     "MAP_NORESERVE",      "MAP_SHARED_VALIDATE",
          "MAP_GROWSDOWN", "MREMAP_MAYMOVE", "MREMAP_FIXED",       "MS_SYNC",
          "MS_ASYNC",      "MS_INVALIDATE",  "PR_SET_VMA",         "PR_SET_VMA_ANON_NAME",
          "NULL",          "SIGSEGV"})
        EXPECT_TRUE(is_constant(n)) << n;
    EXPECT_FALSE(is_constant("MAP_NOPE"));
}

TEST(ScriptParse, MutatedInputNeverCrashesAndRoundTrips) {
    const std::string base =
        "int fd = open(\"notes.txt\", O_RDWR | O_CREAT, 0644);\n"
        "char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0x10);\n"
        "@child: p[3 * PAGE_SIZE] = '\\x42'; /* c */ x = -(~a << 2) % (b - c) ^ *(p + 1);\n";
    const std::string alphabet = "()[]*+-/%|&^~!=;:@'\"\\x0 \n7aZ/";
    uint32_t seed = 12345;
    auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
    int parsed = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text = base;
        for (int k = 0; k < 3; ++k) {
            size_t at = next() % text.size();
            if (next() % 2)
                text.erase(at, 1);
            else
                text.insert(at, 1, alphabet[next() % alphabet.size()]);
        }
        Program p;
        Diagnostic d;
        if (!parse(text, "", p, d)) {
            EXPECT_GT(d.line, 0) << text;
            EXPECT_GT(d.col, 0) << text;
            EXPECT_FALSE(d.message.empty());
            continue;
        }
        ++parsed;
        Program again;
        ASSERT_TRUE(parse(print(p), "", again, d)) << text << "\n" << print(p) << d.str();
        EXPECT_TRUE(again == p) << text;
        EXPECT_EQ(print(again), print(p));
    }
    EXPECT_GT(parsed, 50);
}
