// The action language's syntax tree: expressions and statements exactly as the user wrote them
// (names stay names, literals keep their base), with source positions for diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mml::script {

// A 1-based source position (column counts bytes).
struct Pos {
    int line = 0, col = 0;
};

enum class ExprKind {
    Int,    // value, base, text = suffix ("", "U", "L", "UL", ...)
    Char,   // value = the byte
    String, // text = the bytes (escapes decoded)
    Name,   // text = identifier (variable or constant)
    Unary,  // text = "-" "~" "!" "*" (deref), kids[0]
    Binary, // text = "+" "-" "*" "/" "%" "|" "&" "^" "<<" ">>", kids[0], kids[1]
    Call,   // text = function name, kids = arguments
    Index,  // kids[0][kids[1]]
    Cast,   // text = canonical type ("char *"), kids[0]
};

enum class IntBase { Dec, Hex, Oct };

struct Expr {
    ExprKind kind = ExprKind::Int;
    std::string text;
    int64_t value = 0;
    IntBase base = IntBase::Dec;
    std::vector<Expr> kids;
    Pos pos; // the token that names this node (operator, name, literal, '[')

    // Structural equality; positions are ignored.
    bool operator==(const Expr& o) const {
        return kind == o.kind && text == o.text && value == o.value && base == o.base &&
               kids == o.kids;
    }
};

enum class StmtKind {
    Expr,   // expr;
    Decl,   // type name = expr;
    Assign, // lhs = expr;   (lhs: a variable, p[i] or *p)
};

struct Stmt {
    StmtKind kind = StmtKind::Expr;
    std::string target; // "@target:" prefix as written ("child", "main", "1234"); empty: default
    std::string type;   // Decl: canonical type ("char *", "const char *", "int")
    std::string name;   // Decl: the declared variable
    Expr lhs;           // Assign: what is assigned to
    Expr value;         // the expression (initialiser, right-hand side, or the statement itself)
    Pos pos;            // first token of the statement
    Pos target_pos;     // the target name (when any)
    Pos name_pos;       // Decl: the declared name

    bool operator==(const Stmt& o) const {
        return kind == o.kind && target == o.target && type == o.type && name == o.name &&
               lhs == o.lhs && value == o.value;
    }
};

// C precedence of the binary operators the language has (higher binds tighter); 0: not one.
inline int binary_precedence(std::string_view op) {
    if (op == "*" || op == "/" || op == "%") return 10;
    if (op == "+" || op == "-") return 9;
    if (op == "<<" || op == ">>") return 8;
    if (op == "&") return 5;
    if (op == "^") return 4;
    if (op == "|") return 3;
    return 0;
}

} // namespace mml::script
