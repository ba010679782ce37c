// C type rules of the action language, shared by the checker and the interpreter: which types
// are pointers, what `p + n` or `p - q` yields, and "a"/"an" for messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mml::script {

inline bool is_pointer_type(std::string_view t) {
    return t.ends_with('*');
}
inline bool is_char_type(std::string_view t) {
    return t == "char" || t == "unsigned char" || t == "signed char" || t == "const char";
}
// "an int", "a char *" (for messages).
inline std::string with_article(std::string_view t) {
    bool vowel = !t.empty() && std::string_view("aeiou").find(t[0]) != std::string_view::npos;
    return std::string(vowel ? "an " : "a ") + std::string(t);
}

// An integer literal is an int when it fits and has no L suffix, else a long (as in C).
inline std::string literal_type(int64_t v, std::string_view suffix = {}) {
    if (suffix.find('L') != std::string_view::npos) return "long";
    return v >= 0 && v <= INT32_MAX ? "int" : "long";
}

// The type of `l op r` for integer or pointer operands, or empty with `why` when C forbids it.
std::string binary_result_type(std::string_view op, std::string_view l, std::string_view r,
                               std::string& why);

} // namespace mml::script
