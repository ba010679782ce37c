// The action language's lexer: text to tokens (names, numbers, char and string literals,
// punctuation), skipping // and /* */ comments. Internal to core/script.
#pragma once

#include "ast.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mml::script {

enum class Tok { Ident, Int, Char, String, Punct, End };

struct Token {
    Tok kind = Tok::End;
    std::string text; // Ident: the name; Punct: the operator; String: decoded bytes;
                      // Int: suffix in upper case
    int64_t value = 0;
    IntBase base = IntBase::Dec;
    Pos pos;
    Pos end; // just after the token's last character
};

struct LexError {
    Pos pos;
    std::string message;
};

// Splits the whole text into tokens ending with one Tok::End. False with `err` on the
// first lexical error (unterminated string, stray character, bad number).
bool lex(std::string_view text, std::vector<Token>& out, LexError& err);

} // namespace mml::script
