// The action language's parser: tokens to statements (declarations, assignments, calls) by
// recursive descent with C precedence. Errors carry the offending token's line:column.
#include "functions.hpp"
#include "lexer.hpp"
#include "script.hpp"

#include <algorithm>
#include <array>
#include <fmt/core.h>

namespace mml::script {

namespace {

constexpr std::string_view kTypeWords[] = {"int",     "char",     "void",   "long",
                                           "short",   "pid_t",    "size_t", "off_t",
                                           "ssize_t", "unsigned", "signed", "const"};
constexpr std::string_view kBaseTypes[] = {"int",   "char",   "void",  "long",   "short",
                                           "pid_t", "size_t", "off_t", "ssize_t"};
constexpr std::string_view kUnsupported[] = {"==", "!=", "<=", ">=", "&&", "||", "++",
                                             "--", "+=", "-=", "*=", "/=", "|=", "&=",
                                             "->", "<",  ">",  "?",  ".",  "{",  "}"};
constexpr int kMaxDepth = 200;      // nesting of parentheses, unary operators, indexes
constexpr int kMaxOperators = 1000; // binary operators in one statement

bool one_of(std::string_view s, std::span<const std::string_view> set) {
    return std::find(set.begin(), set.end(), s) != set.end();
}

// "+=", "|=", ...: C's compound assignments, which the language leaves out.
bool compound_assignment(const Token& t) {
    return t.kind == Tok::Punct && t.text.size() == 2 && t.text[1] == '=' &&
           std::string_view("+-*/|&").find(t.text[0]) != std::string_view::npos;
}

bool is_type_word(const Token& t) {
    return t.kind == Tok::Ident && one_of(t.text, kTypeWords);
}

struct ParseFailure {
    Pos pos;
    std::string message;
};

class Parser {
public:
    explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

    bool program(Program& out, ParseFailure& fail) {
        while (cur().kind != Tok::End) {
            if (is_punct(";")) {
                ++i_;
                continue;
            }
            Stmt s;
            if (!statement(s)) {
                fail = fail_;
                return false;
            }
            out.stmts.push_back(std::move(s));
        }
        return true;
    }

private:
    std::vector<Token> t_;
    size_t i_ = 0;
    int depth_ = 0;
    int operators_ = 0;
    ParseFailure fail_;

    const Token& cur() const { return t_[i_]; }
    const Token& ahead(size_t k) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
    bool is_punct(std::string_view p) const { return cur().kind == Tok::Punct && cur().text == p; }
    bool accept(std::string_view p) {
        if (!is_punct(p)) return false;
        ++i_;
        return true;
    }
    bool fail(Pos p, std::string msg) {
        fail_ = ParseFailure{p, std::move(msg)};
        return false;
    }
    // Where a missing token belongs: at the current token when it is on the same line as
    // the previous one, else just after the previous token (as compilers point).
    Pos missing_pos() const {
        if (i_ == 0) return cur().pos;
        const Token& prev = t_[i_ - 1];
        return cur().kind != Tok::End && cur().pos.line == prev.end.line ? cur().pos : prev.end;
    }
    static std::string describe(const Token& t) {
        switch (t.kind) {
        case Tok::Ident:
            return fmt::format("'{}'", t.text);
        case Tok::Punct:
            return fmt::format("'{}'", t.text);
        case Tok::Int:
            return "a number";
        case Tok::Char:
            return "a character literal";
        case Tok::String:
            return "a string";
        case Tok::End:
            break;
        }
        return "the end of the text";
    }

    bool statement(Stmt& s) {
        s.pos = cur().pos;
        operators_ = 0;
        if (accept("@")) {
            s.target_pos = cur().pos;
            if (cur().kind == Tok::Ident) {
                s.target = cur().text;
            } else if (cur().kind == Tok::Int) {
                s.target = std::to_string(static_cast<uint64_t>(cur().value));
            } else {
                return fail(cur().pos, "expected a process after '@': a pid_t variable, "
                                       "'main' or a pid");
            }
            ++i_;
            if (!accept(":")) return fail(cur().pos, "expected ':' after '@" + s.target + "'");
        }
        bool ok = is_type_word(cur()) ? declaration(s) : expression_statement(s);
        if (!ok) return false;
        if (!accept(";")) return fail(missing_pos(), "expected ';' after the statement");
        return true;
    }

    bool declaration(Stmt& s) {
        s.kind = StmtKind::Decl;
        if (!type(s.type)) return false;
        if (cur().kind != Tok::Ident || is_type_word(cur()))
            return fail(cur().pos, fmt::format("expected a variable name after '{}', found {}",
                                               s.type, describe(cur())));
        s.name = cur().text;
        s.name_pos = cur().pos;
        if (find_function(s.name))
            return fail(cur().pos, fmt::format("'{}' is a function; choose another name for the "
                                               "variable",
                                               s.name));
        ++i_;
        if (!accept("="))
            return fail(cur().pos, fmt::format("expected '=' and a value after '{}' (every "
                                               "declaration needs a value)",
                                               s.name));
        return expr(s.value);
    }

    // [const] [unsigned|signed] base {'*'}  ->  canonical text ("const char *").
    bool type(std::string& out) {
        Pos start = cur().pos;
        std::string text;
        if (cur().kind == Tok::Ident && cur().text == "const") {
            text = "const ";
            ++i_;
        }
        bool sign = false;
        if (cur().kind == Tok::Ident && (cur().text == "unsigned" || cur().text == "signed")) {
            text += cur().text;
            sign = true;
            ++i_;
        }
        if (cur().kind == Tok::Ident && one_of(cur().text, kBaseTypes)) {
            if (sign && cur().text != "char" && cur().text != "int" && cur().text != "long" &&
                cur().text != "short")
                return fail(cur().pos, fmt::format("'{}' cannot be {}", cur().text, text));
            text += (sign ? " " : "") + cur().text;
            ++i_;
        } else if (!sign) {
            return fail(cur().pos, fmt::format("expected a type, found {}", describe(cur())));
        }
        int stars = 0;
        Pos star_pos = cur().pos;
        while (accept("*")) ++stars;
        if (stars > 1) return fail(star_pos, "only one level of pointer ('char *') is supported");
        bool bytes = text.ends_with("char") || text.ends_with("void");
        if (stars == 1 && !bytes)
            return fail(start, fmt::format("'{} *' is not supported: use char * or void * (an "
                                           "index reads or writes one byte)",
                                           text));
        if (stars == 0 && text.ends_with("void")) return fail(start, "a variable cannot be void");
        out = stars ? text + " *" : text;
        return true;
    }

    bool expression_statement(Stmt& s) {
        Expr e;
        if (!expr(e)) return false;
        if (!is_punct("=")) {
            s.value = std::move(e);
            return true;
        }
        bool deref = e.kind == ExprKind::Unary && e.text == "*";
        if (e.kind != ExprKind::Name && e.kind != ExprKind::Index && !deref)
            return fail(e.pos, "cannot assign to this expression: assign to a variable, "
                               "p[i] or *p");
        ++i_;
        s.kind = StmtKind::Assign;
        s.lhs = std::move(e);
        return expr(s.value);
    }

    bool expr(Expr& out) {
        if (++depth_ > kMaxDepth) return fail(cur().pos, "expression nested too deeply");
        bool ok = binary(0, out);
        --depth_;
        return ok;
    }

    bool binary(int min_prec, Expr& out) {
        if (!unary(out)) return false;
        for (;;) {
            if (cur().kind != Tok::Punct) return true;
            if (compound_assignment(cur()))
                return fail(cur().pos, fmt::format("'{}' is not supported; write 'x = x {} ...'",
                                                   cur().text, cur().text[0]));
            if (one_of(cur().text, kUnsupported))
                return fail(cur().pos, fmt::format("operator '{}' is not supported in mmaplab "
                                                   "statements",
                                                   cur().text));
            int prec = binary_precedence(cur().text);
            if (prec == 0 || prec < min_prec) return true;
            if (++operators_ > kMaxOperators)
                return fail(cur().pos, "statement too long: more than 1000 operators");
            Expr b;
            b.kind = ExprKind::Binary;
            b.text = cur().text;
            b.pos = cur().pos;
            ++i_;
            Expr rhs;
            if (!binary(prec + 1, rhs)) return false;
            b.kids.push_back(std::move(out));
            b.kids.push_back(std::move(rhs));
            out = std::move(b);
        }
    }

    bool unary(Expr& out) {
        if (++depth_ > kMaxDepth) return fail(cur().pos, "expression nested too deeply");
        bool ok = unary_inner(out);
        --depth_;
        return ok;
    }

    bool unary_inner(Expr& out) {
        if (cur().kind == Tok::Punct &&
            one_of(cur().text, std::array<std::string_view, 4>{"-", "~", "!", "*"})) {
            out.kind = ExprKind::Unary;
            out.text = cur().text;
            out.pos = cur().pos;
            ++i_;
            out.kids.emplace_back();
            return unary(out.kids[0]);
        }
        if (is_punct("&")) return fail(cur().pos, "'&' (address of) is not supported");
        if (is_punct("(") && is_type_word(ahead(1))) {
            out.kind = ExprKind::Cast;
            out.pos = cur().pos;
            ++i_;
            if (!type(out.text)) return false;
            if (!accept(")")) return fail(cur().pos, "expected ')' after the type of the cast");
            out.kids.emplace_back();
            return unary(out.kids[0]);
        }
        return postfix(out);
    }

    bool postfix(Expr& out) {
        if (!primary(out)) return false;
        while (is_punct("[")) {
            Expr ix;
            ix.kind = ExprKind::Index;
            ix.pos = cur().pos;
            ++i_;
            Expr idx;
            if (!expr(idx)) return false;
            if (!accept("]")) return fail(cur().pos, "expected ']' after the index");
            ix.kids.push_back(std::move(out));
            ix.kids.push_back(std::move(idx));
            out = std::move(ix);
        }
        return true;
    }

    bool primary(Expr& out) {
        const Token& t = cur();
        out.pos = t.pos;
        switch (t.kind) {
        case Tok::Int:
            out.kind = ExprKind::Int;
            out.value = t.value;
            out.base = t.base;
            out.text = t.text;
            ++i_;
            return true;
        case Tok::Char:
            out.kind = ExprKind::Char;
            out.value = t.value;
            ++i_;
            return true;
        case Tok::String:
            out.kind = ExprKind::String;
            while (cur().kind == Tok::String) out.text += t_[i_++].text; // "a" "b" -> "ab"
            return true;
        case Tok::Ident:
            return name_or_call(out);
        default:
            break;
        }
        if (accept("(")) {
            if (!expr(out)) return false;
            if (!accept(")")) return fail(cur().pos, "expected ')'");
            return true;
        }
        return fail(t.pos, fmt::format("expected an expression, found {}", describe(t)));
    }

    bool name_or_call(Expr& out) {
        const Token& t = cur();
        if (is_type_word(t))
            return fail(t.pos, fmt::format("expected an expression, found the type '{}'", t.text));
        out.text = t.text;
        ++i_;
        if (!is_punct("(")) {
            out.kind = ExprKind::Name;
            return true;
        }
        out.kind = ExprKind::Call;
        const FnInfo* fn = find_function(out.text);
        if (!fn) return fail(out.pos, fmt::format("unknown function '{}'", out.text));
        ++i_;
        if (!is_punct(")")) {
            do {
                out.kids.emplace_back();
                if (!expr(out.kids.back())) return false;
            } while (accept(","));
        }
        if (!accept(")"))
            return fail(cur().pos, fmt::format("expected ',' or ')' in the call to {}, found {}",
                                               out.text, describe(cur())));
        return arity(*fn, out);
    }

    bool arity(const FnInfo& fn, const Expr& call) {
        int n = static_cast<int>(call.kids.size());
        if (n >= fn.min_args && n <= fn.max_args) return true;
        std::string want;
        if (fn.max_args == 0)
            want = "no arguments";
        else if (fn.min_args == fn.max_args)
            want = fmt::format("{} argument{}", fn.min_args, fn.min_args == 1 ? "" : "s");
        else if (fn.max_args == fn.min_args + 1)
            want = fmt::format("{} or {} arguments", fn.min_args, fn.max_args);
        else
            want = fmt::format("{} to {} arguments", fn.min_args, fn.max_args);
        return fail(call.pos, fmt::format("{} takes {}, got {}", fn.name, want, n));
    }
};

} // namespace

std::string Diagnostic::str() const {
    if (file.empty()) return fmt::format("{}:{}: {}", line, col, message);
    return fmt::format("{}:{}:{}: {}", file, line, col, message);
}

bool parse(std::string_view text, std::string_view file, Program& out, Diagnostic& err) {
    out.stmts.clear();
    err = Diagnostic{};
    err.file = std::string(file);
    std::vector<Token> toks;
    LexError le;
    if (!lex(text, toks, le)) {
        err.line = le.pos.line;
        err.col = le.pos.col;
        err.message = le.message;
        return false;
    }
    ParseFailure pf;
    if (!Parser(std::move(toks)).program(out, pf)) {
        out.stmts.clear();
        err.line = pf.pos.line;
        err.col = pf.pos.col;
        err.message = pf.message;
        return false;
    }
    return true;
}

} // namespace mml::script
