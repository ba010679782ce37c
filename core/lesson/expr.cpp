// Lesson check expressions: tokenizer, precedence-climbing parser, printer, the table of
// functions and constants, and the load-time name check.
#include "lesson/expr.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <unistd.h>

namespace mml::lesson {

namespace {

struct Tk {
    enum Kind { Num, Str, Chr, Id, Op, End } kind = End;
    std::string text;
    int64_t v = 0;
    int col = 0;
};

// One escape after a backslash: \n \t \\ \' \" \xHH and octal \0 .. \377.
bool read_escape(std::string_view t, size_t& i, char& out) {
    if (i >= t.size()) return false;
    char c = t[i++];
    static const std::string_view plain = "n\nt\t\\\\''\"\"";
    for (size_t k = 0; k < plain.size(); k += 2)
        if (plain[k] == c) return out = plain[k + 1], true;
    int v = 0, n = 0;
    if (c == 'x') {
        for (; n < 2 && i < t.size() && std::isxdigit(static_cast<unsigned char>(t[i])); ++n) {
            int h = std::tolower(static_cast<unsigned char>(t[i++]));
            v = v * 16 + (h <= '9' ? h - '0' : h - 'a' + 10);
        }
    } else if (c >= '0' && c <= '7') {
        v = c - '0';
        for (n = 1; n < 3 && i < t.size() && t[i] >= '0' && t[i] <= '7'; ++n)
            v = v * 8 + (t[i++] - '0');
    }
    out = static_cast<char>(v);
    return n > 0;
}

bool lex_quoted(std::string_view t, size_t& i, Tk& tk, std::string& err) {
    char q = t[i++];
    std::string s;
    while (i < t.size() && t[i] != q) {
        char c = t[i++];
        if (c == '\\' && !read_escape(t, i, c)) {
            err = fmt::format("col {}: unknown escape in quoted text", i);
            return false;
        }
        s += c;
    }
    if (i >= t.size()) {
        err = fmt::format("col {}: unterminated {}", tk.col, q == '"' ? "string" : "character");
        return false;
    }
    ++i;
    if (q == '\'') {
        if (s.size() != 1) {
            err = fmt::format("col {}: a character literal holds one character", tk.col);
            return false;
        }
        tk.kind = Tk::Chr;
        tk.v = static_cast<unsigned char>(s[0]);
    } else {
        tk.kind = Tk::Str;
    }
    tk.text = s;
    return true;
}

bool lex(std::string_view t, std::vector<Tk>& out, std::string& err) {
    static const char* ops2[] = {"==", "!=", "<=", ">=", "&&", "||", "<<", ">>"};
    size_t i = 0;
    while (true) {
        while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
        Tk tk;
        tk.col = static_cast<int>(i) + 1;
        if (i >= t.size()) {
            out.push_back(tk);
            return true;
        }
        unsigned char c = t[i];
        if (std::isdigit(c)) {
            size_t j = i;
            while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])))) ++j;
            std::string num(t.substr(i, j - i));
            errno = 0;
            char* end = nullptr;
            tk.v = static_cast<int64_t>(std::strtoull(num.c_str(), &end, 0));
            if (errno || *end) {
                err = fmt::format("col {}: bad number '{}'", tk.col, num);
                return false;
            }
            tk.kind = Tk::Num;
            tk.text = num;
            i = j;
        } else if (std::isalpha(c) || c == '_') {
            size_t j = i;
            while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_'))
                ++j;
            tk.kind = Tk::Id;
            tk.text = std::string(t.substr(i, j - i));
            i = j;
        } else if (c == '"' || c == '\'') {
            if (!lex_quoted(t, i, tk, err)) return false;
        } else {
            tk.kind = Tk::Op;
            for (const char* o : ops2)
                if (t.substr(i, 2) == o) tk.text.assign(o, 2);
            if (tk.text.empty()) {
                if (std::string_view("+-*/%<>&|^!~(),").find(static_cast<char>(c)) ==
                    std::string_view::npos) {
                    err = fmt::format("col {}: unexpected character '{}'", tk.col, t[i]);
                    return false;
                }
                tk.text = std::string(1, static_cast<char>(c));
            }
            i += tk.text.size();
        }
        out.push_back(std::move(tk));
    }
}

int precedence(const std::string& op) {
    static const std::pair<const char*, int> table[] = {
        {"||", 1}, {"&&", 2}, {"|", 3},  {"^", 4},  {"&", 5},  {"==", 6},
        {"!=", 6}, {"<", 7},  {"<=", 7}, {">", 7},  {">=", 7}, {"<<", 8},
        {">>", 8}, {"+", 9},  {"-", 9},  {"*", 10}, {"/", 10}, {"%", 10}};
    for (auto& [o, p] : table)
        if (op == o) return p;
    return 0;
}

struct Parser {
    std::vector<Tk> tk;
    size_t at = 0;
    std::string err;

    const Tk& peek() const { return tk[at]; }
    bool is_op(const char* o) const { return peek().kind == Tk::Op && peek().text == o; }
    bool fail(const std::string& m) {
        if (err.empty()) err = fmt::format("col {}: {}", peek().col, m);
        return false;
    }

    bool primary(XExpr& e) {
        const Tk& t = peek();
        e.col = t.col;
        if (t.kind == Tk::Num || t.kind == Tk::Chr) {
            e.kind = XKind::Int;
            e.i = t.v;
            e.s = t.kind == Tk::Chr ? "'" + t.text + "'" : t.text;
            ++at;
            return true;
        }
        if (t.kind == Tk::Str) {
            e.kind = XKind::Str;
            e.s = t.text;
            ++at;
            return true;
        }
        if (t.kind == Tk::Id) {
            e.s = t.text;
            ++at;
            if (e.s == "true" || e.s == "false") {
                e.kind = XKind::Bool;
                e.i = e.s == "true";
                return true;
            }
            if (!is_op("(")) {
                e.kind = XKind::Name;
                return true;
            }
            e.kind = XKind::Call;
            ++at;
            if (is_op(")")) return ++at, true;
            while (true) {
                XExpr a;
                if (!binary(a, 1)) return false;
                e.kids.push_back(std::move(a));
                if (is_op(")")) return ++at, true;
                if (!is_op(",")) return fail("expected ',' or ')' in the arguments");
                ++at;
            }
        }
        if (is_op("(")) {
            ++at;
            if (!binary(e, 1)) return false;
            if (!is_op(")")) return fail("expected ')'");
            ++at;
            return true;
        }
        return fail(t.kind == Tk::End ? "expression ends too early"
                                      : fmt::format("unexpected '{}'", t.text));
    }

    bool unary(XExpr& e) {
        if (is_op("-") || is_op("!") || is_op("~")) {
            e.kind = XKind::Unary;
            e.s = peek().text;
            e.col = peek().col;
            ++at;
            XExpr k;
            if (!unary(k)) return false;
            e.kids.push_back(std::move(k));
            return true;
        }
        return primary(e);
    }

    bool binary(XExpr& e, int min_prec) {
        if (!unary(e)) return false;
        while (peek().kind == Tk::Op && precedence(peek().text) >= min_prec) {
            XExpr n;
            n.kind = XKind::Binary;
            n.s = peek().text;
            n.col = peek().col;
            int p = precedence(n.s);
            ++at;
            XExpr rhs;
            if (!binary(rhs, p + 1)) return false;
            n.kids.push_back(std::move(e));
            n.kids.push_back(std::move(rhs));
            e = std::move(n);
        }
        return true;
    }
};

std::string quote(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '\n')
            r += "\\n";
        else if (c == '\t')
            r += "\\t";
        else if (c == '\0')
            r += "\\0";
        else if (c == '"' || c == '\\')
            r += std::string("\\") + c;
        else
            r += c;
    }
    return r + "\"";
}

const FuncInfo kFuncs[] = {
    {"present", 1, 2, "[proc,] addr: the page at addr is present (pagemap)"},
    {"present_pages", 2, 3, "[proc,] addr, len: pages present in the range"},
    {"resident_pages", 2, 3, "[proc,] addr, len: present pages that are not the zero page"},
    {"exclusive", 1, 2, "[proc,] addr: the page is mapped exclusively (pagemap bit 56)"},
    {"file_page", 1, 2, "[proc,] addr: file-backed or shared page (pagemap bit 61)"},
    {"pfn", 1, 2, "[proc,] addr: page frame number (root)"},
    {"same_frame", 3, 4, "procA, procB, addr | procA, addrA, procB, addrB: one frame (root)"},
    {"mapcount", 1, 2, "[proc,] addr: /proc/kpagecount of the frame (root)"},
    {"kflag", 2, 3, "[proc,] addr, \"NAME\": a /proc/kpageflags bit (root)"},
    {"zero_page", 1, 2, "[proc,] addr: the frame is the shared zero page (root)"},
    {"rss_pages", 1, 2, "[proc,] addr: smaps Rss of the mapping holding addr, in pages"},
    {"smaps", 2, 3, "[proc,] addr, \"Field\": an smaps field of that mapping, kB"},
    {"vmflag", 2, 3, "[proc,] addr, \"xx\": the mapping has this VmFlags code"},
    {"perms", 1, 2, "[proc,] addr: the mapping's permissions (\"rw-p\")"},
    {"path", 1, 2, "[proc,] addr: the mapping's path field"},
    {"mapped", 1, 2, "[proc,] addr: some mapping holds addr"},
    {"vma_start", 1, 2, "[proc,] addr: start of the mapping holding addr"},
    {"vma_size", 1, 2, "[proc,] addr: size in bytes of the mapping holding addr"},
    {"vmas", 2, 3, "[proc,] addr, len: mappings overlapping the range"},
    {"vma_count", 0, 1, "[proc]: number of mappings"},
    {"kind_count", 1, 2, "[proc,] \"heap|stack|library|vdso|file|anonymous|shm\": mappings"},
    {"kind_kb", 2, 3, "[proc,] \"kind\", \"Field\": an smaps field summed over a kind, kB"},
    {"status", 1, 2, "[proc,] \"VmRSS\": a /proc/PID/status value (kB for sizes)"},
    {"rollup", 1, 2, "[proc,] \"Pss\": an smaps field summed over all mappings, kB"},
    {"minflt", 0, 1, "[proc]: minor faults so far (/proc/PID/stat)"},
    {"majflt", 0, 1, "[proc]: major faults so far"},
    {"alive", 1, 1, "proc: the lab process is alive"},
    {"term_signal", 1, 1, "proc: the signal that killed it, 0 if none"},
    {"delta", 1, 1, "expr: its change since the step began (after - before)"},
    {"before", 1, 1, "expr: its value when the step began"},
    {"errno", 0, 0, "the errno of the step's last failing statement, 0 if none failed"},
    {"result", 0, 1, "[n]: the value of the step's last (or n-th) statement"},
    {"signal", 0, 0, "the signal of the step's last fault or death, 0 if none"},
    {"si_code", 0, 0, "the si_code of the step's last fault"},
    {"fault_addr", 0, 0, "the si_addr of the step's last fault"},
    {"file", 1, 3, "path [, off, len]: bytes of a file (relative: the lab dir)"},
    {"file_size", 1, 1, "path: size of a file in bytes"},
    {"byte", 1, 2, "[proc,] addr: the byte at addr, when its page is present"},
    {"mem", 2, 3, "[proc,] addr, len: bytes of present pages (never faults one in)"},
    {"step_us", 0, 0, "wall time of the step's statements, microseconds"},
    {"thp_mode", 0, 0, "the selected /sys/kernel/mm/transparent_hugepage/enabled mode"},
    {"min", 2, 2, "a, b"},
    {"max", 2, 2, "a, b"},
    {"len", 1, 1, "string length"},
};

} // namespace

bool Val::operator==(const Val& o) const {
    if ((kind == Str) != (o.kind == Str)) return false;
    return kind == Str ? s == o.s : i == o.i;
}

std::string Val::str() const {
    if (kind == Bool) return i ? "true" : "false";
    if (kind == Str) return quote(s);
    return std::to_string(i);
}

bool parse_expr(std::string_view text, XExpr& out, std::string& err) {
    Parser p;
    if (!lex(text, p.tk, err)) return false;
    if (!p.binary(out, 1)) {
        err = p.err;
        return false;
    }
    if (p.peek().kind != Tk::End) {
        p.fail(fmt::format("unexpected '{}' after the expression", p.peek().text));
        err = p.err;
        return false;
    }
    return true;
}

std::string print_expr(const XExpr& e) {
    switch (e.kind) {
    case XKind::Int:
        return e.s.empty() ? std::to_string(e.i) : e.s;
    case XKind::Bool:
        return e.i ? "true" : "false";
    case XKind::Str:
        return quote(e.s);
    case XKind::Name:
        return e.s;
    case XKind::Unary: {
        bool paren = e.kids[0].kind == XKind::Binary;
        return e.s + (paren ? "(" : "") + print_expr(e.kids[0]) + (paren ? ")" : "");
    }
    case XKind::Call: {
        std::string r = e.s + "(";
        for (size_t i = 0; i < e.kids.size(); ++i) r += (i ? ", " : "") + print_expr(e.kids[i]);
        return r + ")";
    }
    case XKind::Binary: {
        auto side = [&](const XExpr& k, bool right) {
            bool paren = k.kind == XKind::Binary && (precedence(k.s) < precedence(e.s) ||
                                                     (right && precedence(k.s) == precedence(e.s)));
            std::string inner = print_expr(k);
            if (!paren) return inner;
            std::string r(1, '(');
            r.append(inner).push_back(')');
            return r;
        };
        return side(e.kids[0], false) + " " + e.s + " " + side(e.kids[1], true);
    }
    }
    return {};
}

const FuncInfo* find_func(std::string_view name) {
    for (const auto& f : kFuncs)
        if (f.name == name) return &f;
    return nullptr;
}

std::vector<FuncInfo> all_funcs() {
    return {std::begin(kFuncs), std::end(kFuncs)};
}

bool find_const(std::string_view name, int64_t& out) {
    static const std::pair<std::string_view, int64_t> table[] = {
        {"SIGSEGV", SIGSEGV},
        {"SIGBUS", SIGBUS},
        {"SIGKILL", SIGKILL},
        {"SIGTERM", SIGTERM},
        {"SEGV_MAPERR", SEGV_MAPERR},
        {"SEGV_ACCERR", SEGV_ACCERR},
        {"BUS_ADRALN", BUS_ADRALN},
        {"BUS_ADRERR", BUS_ADRERR},
        {"BUS_OBJERR", BUS_OBJERR},
        {"EINVAL", EINVAL},
        {"EACCES", EACCES},
        {"EBADF", EBADF},
        {"ENOMEM", ENOMEM},
        {"ENOENT", ENOENT},
        {"EEXIST", EEXIST},
        {"EPERM", EPERM},
        {"EAGAIN", EAGAIN},
        {"ENODEV", ENODEV},
        {"EFAULT", EFAULT},
        {"EOVERFLOW", EOVERFLOW},
        {"NULL", 0},
        {"MAP_FAILED", -1},
        {"KiB", 1024},
        {"MiB", 1024 * 1024},
    };
    if (name == "PAGE_SIZE") {
        out = sysconf(_SC_PAGESIZE);
        return true;
    }
    for (auto& [n, v] : table)
        if (n == name) return out = v, true;
    return false;
}

std::string check_expr(const XExpr& e, const std::vector<std::string>& known) {
    if (e.kind == XKind::Name) {
        int64_t v;
        if (find_const(e.s, v) || std::find(known.begin(), known.end(), e.s) != known.end())
            return {};
        return fmt::format("col {}: unknown name '{}' (not a variable declared in an earlier "
                           "statement, a lab process or a constant)",
                           e.col, e.s);
    }
    if (e.kind == XKind::Call) {
        const FuncInfo* f = find_func(e.s);
        if (!f) return fmt::format("col {}: unknown function '{}'", e.col, e.s);
        int n = static_cast<int>(e.kids.size());
        if (n < f->min_args || n > f->max_args)
            return fmt::format("col {}: {}() takes {}{} argument{} ({}), not {}", e.col, e.s,
                               f->min_args == f->max_args ? "" : fmt::format("{} to ", f->min_args),
                               f->max_args, f->max_args == 1 ? "" : "s", f->help, n);
    }
    for (const auto& k : e.kids) {
        std::string m = check_expr(k, known);
        if (!m.empty()) return m;
    }
    return {};
}

} // namespace mml::lesson
