// The action language's lexer: C tokens with C's literal rules (0x hex, leading-0 octal,
// u/l suffixes, char and string escapes) and line:column positions for every token.
#include "lexer.hpp"

#include <cctype>
#include <cstdint>
#include <fmt/core.h>

namespace mml::script {

namespace {

constexpr std::string_view kLongPuncts[] = {"<<", ">>", "==", "!=", "<=", ">=", "&&", "||", "++",
                                            "--", "+=", "-=", "*=", "/=", "|=", "&=", "->"};
constexpr std::string_view kShortPuncts = ";,()[]{}*+-/%|&^~!=@:<>?.";
constexpr std::string_view kSuffixes[] = {"", "U", "L", "UL", "LU", "LL", "ULL", "LLU"};
// Simple escapes: the letter after the backslash and the byte it stands for.
constexpr std::string_view kEscFrom = "ntr\\'\"abfv?";
constexpr std::string_view kEscTo = "\n\t\r\\'\"\a\b\f\v?";

bool ident_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class Lexer {
public:
    Lexer(std::string_view t, LexError& e) : s_(t), err_(e) {}

    bool run(std::vector<Token>& out) {
        for (;;) {
            if (!skip_blank()) return false;
            Token t;
            t.pos = here();
            if (i_ >= s_.size()) {
                t.end = t.pos;
                out.push_back(t);
                return true;
            }
            if (!next(t)) return false;
            t.end = here();
            out.push_back(std::move(t));
        }
    }

private:
    std::string_view s_;
    LexError& err_;
    size_t i_ = 0;
    int line_ = 1, col_ = 1;

    Pos here() const { return Pos{line_, col_}; }
    char peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
    void advance() {
        if (s_[i_] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        ++i_;
    }
    bool fail(Pos p, std::string msg) {
        err_.pos = p;
        err_.message = std::move(msg);
        return false;
    }

    bool skip_blank() {
        while (i_ < s_.size()) {
            char c = peek();
            if (std::isspace(static_cast<unsigned char>(c))) {
                advance();
            } else if (c == '/' && peek(1) == '/') {
                while (i_ < s_.size() && peek() != '\n') advance();
            } else if (c == '/' && peek(1) == '*') {
                Pos start = here();
                advance();
                advance();
                while (i_ < s_.size() && !(peek() == '*' && peek(1) == '/')) advance();
                if (i_ >= s_.size()) return fail(start, "unterminated comment");
                advance();
                advance();
            } else {
                break;
            }
        }
        return true;
    }

    bool next(Token& t) {
        char c = peek();
        if (ident_start(c)) {
            t.kind = Tok::Ident;
            while (ident_char(peek())) {
                t.text += peek();
                advance();
            }
            return true;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) return number(t);
        if (c == '\'') return char_literal(t);
        if (c == '"') return string_literal(t);
        return punct(t);
    }

    bool punct(Token& t) {
        t.kind = Tok::Punct;
        for (std::string_view p : kLongPuncts) {
            if (s_.substr(i_, p.size()) == p) {
                t.text = std::string(p);
                for (size_t k = 0; k < p.size(); ++k) advance();
                return true;
            }
        }
        char c = peek();
        if (kShortPuncts.find(c) != std::string_view::npos) {
            t.text = std::string(1, c);
            advance();
            return true;
        }
        if (std::isprint(static_cast<unsigned char>(c)))
            return fail(t.pos, fmt::format("unexpected character '{}'", c));
        return fail(t.pos, fmt::format("unexpected character (byte 0x{:02x})",
                                       static_cast<unsigned char>(c)));
    }

    bool number(Token& t) {
        t.kind = Tok::Int;
        unsigned radix = 10;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            radix = 16;
            t.base = IntBase::Hex;
            advance();
            advance();
            if (hex_value(peek()) < 0)
                return fail(t.pos, "a hexadecimal number needs digits after '0x'");
        } else if (peek() == '0' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
            radix = 8;
            t.base = IntBase::Oct;
        }
        uint64_t v = 0;
        bool overflow = false;
        for (int d; (d = hex_value(peek())) >= 0 && (d < 10 || radix == 16); advance()) {
            if (static_cast<unsigned>(d) >= radix)
                return fail(here(), fmt::format("invalid digit '{}' in octal number", peek()));
            if (v > (UINT64_MAX - static_cast<unsigned>(d)) / radix) overflow = true;
            v = v * radix + static_cast<unsigned>(d);
        }
        if (overflow) return fail(t.pos, "number too large for 64 bits");
        t.value = static_cast<int64_t>(v);
        return suffix(t);
    }

    bool suffix(Token& t) {
        Pos p = here();
        std::string suf;
        while (ident_char(peek())) {
            suf += static_cast<char>(std::toupper(static_cast<unsigned char>(peek())));
            advance();
        }
        for (std::string_view ok : kSuffixes) {
            if (suf == ok) {
                t.text = suf;
                return true;
            }
        }
        return fail(p, fmt::format("invalid suffix '{}' on a number", suf));
    }

    // One (possibly escaped) character of a char or string literal; the quote is not consumed.
    bool one_char(uint8_t& out) {
        if (peek() != '\\') {
            out = static_cast<uint8_t>(peek());
            advance();
            return true;
        }
        Pos p = here();
        advance();
        char e = peek();
        if (size_t k = kEscFrom.find(e); k != std::string_view::npos && e != '\0') {
            out = static_cast<uint8_t>(kEscTo[k]);
            advance();
            return true;
        }
        if (e >= '0' && e <= '7') {
            unsigned v = 0;
            for (int n = 0; n < 3 && peek() >= '0' && peek() <= '7'; ++n, advance())
                v = v * 8 + static_cast<unsigned>(peek() - '0');
            if (v > 255) return fail(p, "octal escape out of range (more than 0377)");
            out = static_cast<uint8_t>(v);
            return true;
        }
        if (e == 'x') {
            advance();
            if (hex_value(peek()) < 0) return fail(p, "'\\x' needs hexadecimal digits");
            unsigned v = 0;
            for (; hex_value(peek()) >= 0; advance()) {
                v = v * 16 + static_cast<unsigned>(hex_value(peek()));
                if (v > 255) return fail(p, "hexadecimal escape out of range (more than 0xff)");
            }
            out = static_cast<uint8_t>(v);
            return true;
        }
        if (e == '\0' || e == '\n') return fail(p, "unfinished escape sequence");
        return fail(p, fmt::format("unknown escape sequence '\\{}'", e));
    }

    bool char_literal(Token& t) {
        t.kind = Tok::Char;
        advance();
        if (peek() == '\'') return fail(t.pos, "empty character literal ''");
        if (i_ >= s_.size() || peek() == '\n') return fail(t.pos, "unterminated character literal");
        uint8_t c = 0;
        if (!one_char(c)) return false;
        if (peek() != '\'') {
            while (i_ < s_.size() && peek() != '\n' && peek() != '\'') advance();
            if (peek() != '\'') return fail(t.pos, "unterminated character literal");
            return fail(t.pos, "a character literal holds one character; use \"...\" for a string");
        }
        advance();
        t.value = c;
        return true;
    }

    bool string_literal(Token& t) {
        t.kind = Tok::String;
        advance();
        while (peek() != '"') {
            if (i_ >= s_.size() || peek() == '\n') return fail(t.pos, "unterminated string");
            uint8_t c = 0;
            if (!one_char(c)) return false;
            t.text += static_cast<char>(c);
        }
        advance();
        return true;
    }
};

} // namespace

bool lex(std::string_view text, std::vector<Token>& out, LexError& err) {
    out.clear();
    return Lexer(text, err).run(out);
}

} // namespace mml::script
