// libFuzzer target: the .lesson format parser (read-only use of core/lesson's parse API).
#include "lesson/lesson.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    mml::lesson::Lesson lesson;
    std::vector<mml::lesson::LessonError> errors;
    const bool ok = mml::lesson::parse_lesson(text, "fuzz.lesson", lesson, errors);
    if (ok != errors.empty()) std::abort(); // false exactly when errors were reported
    for (const auto& e : errors)
        if (e.line <= 0) std::abort();
    return 0;
}
