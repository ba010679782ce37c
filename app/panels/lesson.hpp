// The Lesson panel of guided mode: the step's narration, the statements about to run (and
// their results), the prediction with the kernel's answer, the checks, and Back/Restart/Next.
#pragma once

#include "app_state.hpp"

namespace mml::app {

struct LessonView;

struct LessonPanel {
    void draw(Context& ctx);

private:
    void draw_header(Context& ctx, const LessonView& v);
    void draw_code(Context& ctx, const LessonView& v);
    void draw_question(Context& ctx, const LessonView& v);
    void draw_checks(Context& ctx, const LessonView& v);
    void draw_nav(Context& ctx, const LessonView& v, float height);
    float nav_height(const Context& ctx) const;
    size_t scrolled_for_ = static_cast<size_t>(-1); // step the content was scrolled to top for
};

} // namespace mml::app
