// The action language's checker: resolves names (variables, constants, functions) and C
// types before anything runs, so mistakes are reported at their line:column.
#include "constants.hpp"
#include "functions.hpp"
#include "script.hpp"
#include "types.hpp"

#include <algorithm>
#include <fmt/core.h>

namespace mml::script {

std::string binary_result_type(std::string_view op, std::string_view l, std::string_view r,
                               std::string& why) {
    bool lp = is_pointer_type(l), rp = is_pointer_type(r);
    if (!lp && !rp) {
        bool is_int = (l == "int" || is_char_type(l)) && (r == "int" || is_char_type(r));
        return is_int ? "int" : "long";
    }
    if (op == "+" && lp && rp) {
        why = "cannot add two pointers";
        return {};
    }
    if (op == "+") return std::string(lp ? l : r);
    if (op == "-" && lp && rp) return "long";
    if (op == "-" && lp) return std::string(l);
    if (op == "-") {
        why = "cannot subtract a pointer from an integer";
        return {};
    }
    why = fmt::format("operator '{}' needs integers, not {}", op, with_article(lp ? l : r));
    return {};
}

namespace {

struct Ty {
    std::string type;
    bool string = false;
};

// "'fd'" for a name, else "this expression": how messages refer to an operand.
std::string what(const Expr& e) {
    return e.kind == ExprKind::Name ? fmt::format("'{}'", e.text) : "this expression";
}

class Checker {
public:
    Checker(Scope& s, Diagnostic& d) : scope_(s), diag_(d) {}

    bool stmt(const Stmt& s) {
        if (!s.target.empty() && !target(s)) return false;
        Ty v;
        if (!infer(s.value, v)) return false;
        switch (s.kind) {
        case StmtKind::Decl:
            return declare(s, v);
        case StmtKind::Assign:
            return assign(s, v);
        case StmtKind::Expr:
            return true;
        }
        return true;
    }

private:
    Scope& scope_;
    Diagnostic& diag_;

    bool fail(Pos p, std::string msg) {
        diag_.line = p.line;
        diag_.col = p.col;
        diag_.message = std::move(msg);
        return false;
    }

    bool target(const Stmt& s) {
        if (std::all_of(s.target.begin(), s.target.end(),
                        [](char c) { return c >= '0' && c <= '9'; }))
            return true;
        auto it = scope_.vars.find(s.target);
        if (it != scope_.vars.end() && !it->second.is_string && !is_pointer_type(it->second.type))
            return true;
        if (std::find(scope_.processes.begin(), scope_.processes.end(), s.target) !=
            scope_.processes.end())
            return true;
        return fail(s.target_pos, fmt::format("unknown process '{}': use a pid_t variable set by "
                                              "fork(), 'main' or a pid",
                                              s.target));
    }

    bool declare(const Stmt& s, const Ty& v) {
        if (is_constant(s.name))
            return fail(s.name_pos, fmt::format("'{}' is a constant; choose another name for the "
                                                "variable",
                                                s.name));
        bool str_ok = s.type == "char *" || s.type == "const char *";
        if (v.string && !str_ok)
            return fail(s.value.pos, fmt::format("cannot store a string in {} '{}'",
                                                 with_article(s.type), s.name));
        if (!v.string && s.type == "const char *" && s.value.kind != ExprKind::Cast &&
            !is_pointer_type(v.type))
            return fail(s.value.pos, "a const char * variable holds a string, like \"/mml_demo\"");
        Value val;
        val.type = s.type;
        val.is_string = v.string;
        scope_.vars[s.name] = val;
        return true;
    }

    bool assign(const Stmt& s, const Ty& v) {
        if (s.lhs.kind == ExprKind::Name) {
            auto it = scope_.vars.find(s.lhs.text);
            if (it == scope_.vars.end()) {
                if (is_constant(s.lhs.text))
                    return fail(s.lhs.pos,
                                fmt::format("cannot assign to the constant '{}'", s.lhs.text));
                return fail(s.lhs.pos, fmt::format("unknown name '{}'", s.lhs.text));
            }
            if (v.string != it->second.is_string)
                return fail(s.value.pos, v.string ? "cannot store a string in this variable"
                                                  : "this variable holds a string");
            return true;
        }
        Ty l;
        if (!infer(s.lhs, l)) return false;
        if (v.string)
            return fail(s.value.pos, "a byte cannot hold a string; use strcpy(p, \"...\")");
        return true;
    }

    bool infer(const Expr& e, Ty& out) {
        switch (e.kind) {
        case ExprKind::Int:
            out.type = "int";
            return true;
        case ExprKind::Char:
            out.type = "char";
            return true;
        case ExprKind::String:
            out.type = "const char *";
            out.string = true;
            return true;
        case ExprKind::Name:
            return name(e, out);
        case ExprKind::Call:
            return call(e, out);
        case ExprKind::Index:
            return index(e, out);
        case ExprKind::Unary:
            return unary(e, out);
        case ExprKind::Cast:
            return cast(e, out);
        case ExprKind::Binary:
            return binary(e, out);
        }
        return true;
    }

    bool name(const Expr& e, Ty& out) {
        if (auto it = scope_.vars.find(e.text); it != scope_.vars.end()) {
            out.type = it->second.type;
            out.string = it->second.is_string;
            return true;
        }
        int64_t value = 0;
        if (constant_value(e.text, value, &out.type)) return true;
        if (find_function(e.text))
            return fail(e.pos, fmt::format("'{0}' is a function: call it as {0}(...)", e.text));
        return fail(e.pos, fmt::format("unknown name '{}'", e.text));
    }

    // An integer operand (not a string, not a pointer unless `ptr_ok`).
    bool number(const Expr& e, Ty& t, bool ptr_ok, std::string_view role) {
        if (!infer(e, t)) return false;
        if (t.string) return fail(e.pos, fmt::format("{} cannot be a string", role));
        if (!ptr_ok && is_pointer_type(t.type))
            return fail(e.pos, fmt::format("{} must be an integer, but {} is {}", role, what(e),
                                           with_article(t.type)));
        return true;
    }

    bool pointer(const Expr& e, std::string_view verb, Ty& t) {
        if (!infer(e, t)) return false;
        if (t.string)
            return fail(e.pos, fmt::format("cannot {} {}: it is a string in mmaplab, not memory "
                                           "of a lab process",
                                           verb, what(e)));
        if (!is_pointer_type(t.type))
            return fail(e.pos, fmt::format("cannot {} {}: it is {}, not a pointer", verb, what(e),
                                           with_article(t.type)));
        return true;
    }

    bool index(const Expr& e, Ty& out) {
        Ty b, i;
        if (!pointer(e.kids[0], "index", b)) return false;
        if (!number(e.kids[1], i, false, "an index")) return false;
        out.type = b.type.starts_with("unsigned") ? "unsigned char" : "char";
        return true;
    }

    bool unary(const Expr& e, Ty& out) {
        Ty k;
        if (e.text == "*") {
            if (!pointer(e.kids[0], "dereference", k)) return false;
            out.type = k.type.starts_with("unsigned") ? "unsigned char" : "char";
            return true;
        }
        std::string role = fmt::format("the operand of '{}'", e.text);
        if (!number(e.kids[0], k, e.text == "!", role)) return false;
        out.type = e.text == "!" || is_char_type(k.type) ? "int" : k.type;
        return true;
    }

    bool cast(const Expr& e, Ty& out) {
        Ty k;
        if (!number(e.kids[0], k, true, "the value of a cast")) return false;
        out.type = e.text;
        return true;
    }

    bool binary(const Expr& e, Ty& out) {
        Ty l, r;
        std::string role = fmt::format("an operand of '{}'", e.text);
        if (!number(e.kids[0], l, true, role) || !number(e.kids[1], r, true, role)) return false;
        std::string why;
        out.type = binary_result_type(e.text, l.type, r.type, why);
        if (out.type.empty()) return fail(e.pos, why);
        return true;
    }

    bool call(const Expr& e, Ty& out) {
        const FnInfo* fn = find_function(e.text);
        if (!fn) return fail(e.pos, fmt::format("unknown function '{}'", e.text));
        for (size_t i = 0; i < e.kids.size(); ++i) {
            const Expr& a = e.kids[i];
            Ty t;
            if (!infer(a, t)) return false;
            bool want = (fn->string_args >> i) & 1u;
            if (want && !t.string)
                return fail(a.pos, fmt::format("argument {} of {} must be a string, like "
                                               "\"notes.txt\"",
                                               i + 1, fn->name));
            if (!want && t.string)
                return fail(a.pos,
                            fmt::format("argument {} of {} cannot be a string", i + 1, fn->name));
        }
        bool needs_ptr = fn->fn == Fn::Memset || fn->fn == Fn::Strcpy;
        Ty first;
        if (needs_ptr && !pointer(e.kids[0], fmt::format("{} into", fn->name), first)) return false;
        out.type = std::string(fn->result);
        return true;
    }
};

} // namespace

bool check(const Stmt& s, Scope& scope, Diagnostic& err) {
    return Checker(scope, err).stmt(s);
}

bool check(const Program& p, Scope& scope, Diagnostic& err) {
    for (const Stmt& s : p.stmts)
        if (!check(s, scope, err)) return false;
    return true;
}

} // namespace mml::script
