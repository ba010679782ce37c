// Lesson check expressions ("rss_pages(p) == 4", "same_frame(main, child, p)"): a small C-like
// expression language with comparisons and logic, parsed once and evaluated against snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mml::lesson {

enum class XKind { Int, Bool, Str, Name, Call, Unary, Binary };

struct XExpr {
    XKind kind = XKind::Int;
    int64_t i = 0; // Int, Bool
    std::string s; // Str bytes, Name, Call function, operator
    std::vector<XExpr> kids;
    int col = 0; // 1-based column in the source line (for messages)
};

// A value: an integer, a truth value or a byte string.
struct Val {
    enum Kind { Int, Bool, Str } kind = Int;
    int64_t i = 0;
    std::string s;
    static Val of_int(int64_t v) { return {Int, v, {}}; }
    static Val of_bool(bool b) { return {Bool, b ? 1 : 0, {}}; }
    static Val of_str(std::string v) { return {Str, 0, std::move(v)}; }
    bool operator==(const Val& o) const;
    std::string str() const; // 4096, true, "hello\n" (quoted, escaped)
};

// Parses one expression. False with `err` ("col N: message") on a syntax error.
bool parse_expr(std::string_view text, XExpr& out, std::string& err);
// Prints an expression back in canonical form.
std::string print_expr(const XExpr& e);

// Per-function facts, for load-time checking and for the evaluator.
struct FuncInfo {
    std::string_view name;
    int min_args, max_args;
    std::string_view help;
};
const FuncInfo* find_func(std::string_view name);
std::vector<FuncInfo> all_funcs();

// Constants known to check expressions (PAGE_SIZE, SIGSEGV, SEGV_ACCERR, EINVAL, ...).
bool find_const(std::string_view name, int64_t& out);

// Checks names and calls: every Call names a known function with a fitting number of
// arguments, every Name is a constant or in `known` (variables, process names, measures).
// Returns the first problem as "col N: message", or "" when fine.
std::string check_expr(const XExpr& e, const std::vector<std::string>& known);

} // namespace mml::lesson
