// The action language's printer: statements in canonical C form (one space around binary
// operators, only the parentheses precedence needs, literals in the base they were written).
#include "script.hpp"

#include <cctype>
#include <fmt/core.h>

namespace mml::script {

namespace {

constexpr int kPrecUnary = 20;   // unary operators and casts
constexpr int kPrecPostfix = 30; // p[i], calls, names, literals

int precedence(const Expr& e) {
    switch (e.kind) {
    case ExprKind::Binary:
        return binary_precedence(e.text);
    case ExprKind::Unary:
    case ExprKind::Cast:
        return kPrecUnary;
    default:
        return kPrecPostfix;
    }
}

bool is_hex_digit(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_oct_digit(char c) {
    return c >= '0' && c <= '7';
}

// The escape for one byte; `next` is the byte after it in a string ('\0' for none).
std::string escape(uint8_t c, char quote, char next) {
    switch (c) {
    case '\n':
        return "\\n";
    case '\t':
        return "\\t";
    case '\r':
        return "\\r";
    case '\\':
        return "\\\\";
    case 0:
        return is_oct_digit(next) ? "\\000" : "\\0";
    default:
        break;
    }
    if (c == static_cast<uint8_t>(quote)) return std::string("\\") + quote;
    if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
    if (c >= 0x80 && quote == '"') return std::string(1, static_cast<char>(c)); // UTF-8 text
    if (is_hex_digit(next)) return fmt::format("\\{:03o}", c);
    return fmt::format("\\x{:02x}", c);
}

std::string int_literal(const Expr& e) {
    auto v = static_cast<uint64_t>(e.value);
    switch (e.base) {
    case IntBase::Hex:
        return fmt::format("0x{:x}{}", v, e.text);
    case IntBase::Oct:
        return fmt::format("0{:o}{}", v, e.text);
    case IntBase::Dec:
        break;
    }
    return fmt::format("{}{}", v, e.text);
}

void print_expr(const Expr& e, std::string& out);

void print_wrapped(const Expr& e, bool wrap, std::string& out) {
    if (wrap) out += '(';
    print_expr(e, out);
    if (wrap) out += ')';
}

void print_unary(const Expr& e, std::string& out) {
    const Expr& k = e.kids[0];
    // "- -x" would print as "--x", which reads as a decrement: keep the parentheses.
    bool same = k.kind == ExprKind::Unary && k.text == e.text && e.text == "-";
    print_wrapped(k, precedence(k) < kPrecUnary || same, out);
}

void print_expr(const Expr& e, std::string& out) {
    switch (e.kind) {
    case ExprKind::Int:
        out += int_literal(e);
        return;
    case ExprKind::Char:
        out += '\'' + escape(static_cast<uint8_t>(e.value), '\'', '\0') + '\'';
        return;
    case ExprKind::String:
        out += '"';
        for (size_t i = 0; i < e.text.size(); ++i)
            out += escape(static_cast<uint8_t>(e.text[i]), '"',
                          i + 1 < e.text.size() ? e.text[i + 1] : '\0');
        out += '"';
        return;
    case ExprKind::Name:
        out += e.text;
        return;
    case ExprKind::Call:
        out += e.text + '(';
        for (size_t i = 0; i < e.kids.size(); ++i) {
            if (i) out += ", ";
            print_expr(e.kids[i], out);
        }
        out += ')';
        return;
    case ExprKind::Index:
        print_wrapped(e.kids[0], precedence(e.kids[0]) < kPrecPostfix, out);
        out += '[';
        print_expr(e.kids[1], out);
        out += ']';
        return;
    case ExprKind::Unary:
        out += e.text;
        return print_unary(e, out);
    case ExprKind::Cast:
        out += '(' + e.text + ')';
        return print_unary(e, out);
    case ExprKind::Binary:
        break;
    }
    int p = binary_precedence(e.text);
    print_wrapped(e.kids[0], precedence(e.kids[0]) < p, out);
    out += ' ' + e.text + ' ';
    print_wrapped(e.kids[1], precedence(e.kids[1]) <= p, out);
}

} // namespace

std::string print(const Expr& e) {
    std::string out;
    print_expr(e, out);
    return out;
}

std::string print(const Stmt& s) {
    std::string out;
    if (!s.target.empty()) out += '@' + s.target + ": ";
    switch (s.kind) {
    case StmtKind::Decl:
        out += s.type;
        if (!s.type.ends_with('*')) out += ' ';
        out += s.name + " = ";
        break;
    case StmtKind::Assign:
        out += print(s.lhs) + " = ";
        break;
    case StmtKind::Expr:
        break;
    }
    out += print(s.value) + ';';
    return out;
}

std::string print(const Program& p) {
    std::string out;
    for (const Stmt& s : p.stmts) out += print(s) + '\n';
    return out;
}

} // namespace mml::script
