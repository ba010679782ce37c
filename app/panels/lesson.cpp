// The Lesson panel: reads the session's view (never the Runner), draws the step in reading
// order, and asks the session to move (buttons here; keys are the App's).
#include "panels/lesson.hpp"

#include "lesson_session.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <string>

namespace mml::app {

namespace {

bool light(const Context& ctx) {
    return ctx.prefs.light;
}

void with_font(ImFont* f, const auto& draw) {
    if (f) ImGui::PushFont(f);
    draw();
    if (f) ImGui::PopFont();
}

void coloured_wrapped(ImU32 col, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, col);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

// A filled band behind the next `lines` of text (a statement running, a revealed answer).
void band(ImU32 col, float height) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x;
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + w, p.y + height), col,
                                              ImGui::GetStyle().FrameRounding);
}

const char* mark(lesson::Verdict v) {
    switch (v) {
    case lesson::Verdict::Pass:
        return "\u2713";
    case lesson::Verdict::Skip:
        return "\u2013";
    default:
        return "\u2717";
    }
}

} // namespace

float LessonPanel::nav_height(const Context& ctx) const {
    if (ctx.capture) return 0;
    const float fh = ImGui::GetFrameHeight();
    return (ctx.presenter ? fh * 2.2f : fh) + ImGui::GetTextLineHeightWithSpacing() * 2 +
           ImGui::GetStyle().ItemSpacing.y * 3;
}

void LessonPanel::draw(Context& ctx) {
    const LessonView* v = ctx.lesson_view;
    if (!v || !v->lesson) {
        ImGui::TextWrapped("No lesson is open. Pick one in the Lessons menu at the top: each "
                           "lesson runs real statements step by step and asks you to predict "
                           "what the kernel will do.");
        return;
    }
    const float nav = nav_height(ctx);
    ImGui::BeginChild("##lesson_body", ImVec2(0, -nav), false);
    if (scrolled_for_ != v->cur * 2 + v->ran) {
        ImGui::SetScrollY(0);
        scrolled_for_ = v->cur * 2 + v->ran;
    }
    draw_header(ctx, *v);
    draw_code(ctx, *v);
    draw_question(ctx, *v);
    draw_checks(ctx, *v);
    ImGui::EndChild();
    if (!ctx.capture) draw_nav(ctx, *v, nav);
}

void LessonPanel::draw_header(Context& ctx, const LessonView& v) {
    const lesson::Lesson& l = *v.lesson;
    const lesson::Step& s = *v.step();
    ImGui::PushStyleColor(ImGuiCol_Text, muted_text(light(ctx)));
    ImGui::TextWrapped("%s \u00b7 step %zu of %zu", l.title.c_str(), v.cur + 1, l.steps.size());
    ImGui::PopStyleColor();
    with_font(ctx.title, [&] { ImGui::TextWrapped("%s", s.title.c_str()); });
    ImGui::Spacing();
    if (v.cur == 0 && !l.intro.empty()) {
        ImGui::TextWrapped("%s", l.intro.c_str());
        ImGui::Spacing();
    }
    if (!s.narration.empty()) ImGui::TextWrapped("%s", s.narration.c_str());
    if (!v.skip.empty()) coloured_wrapped(error_text(light(ctx)), "This machine: " + v.skip);
    if (!v.error.empty()) coloured_wrapped(error_text(light(ctx)), v.error);
    if (!v.started && v.error.empty()) ImGui::TextDisabled("Starting the lab process\u2026");
    ImGui::Spacing();
}

void LessonPanel::draw_code(Context& ctx, const LessonView& v) {
    const lesson::Step& s = *v.step();
    if (s.program.stmts.empty()) return;
    const bool lt = light(ctx);
    const bool running = v.busy && !v.ran && v.started;
    with_font(ctx.bold, [&] {
        ImGui::TextUnformatted(v.hiding() ? "Ran (the answers wait for your prediction):"
                               : v.ran    ? "Ran, with the kernel's answers:"
                                          : (running ? "Running\u2026" : "About to run (Next):"));
    });
    const lesson::StepOutcome* o = v.ran ? v.outcome.get() : nullptr;
    for (size_t i = 0; i < s.program.stmts.size(); ++i) {
        const std::string text = script::print(s.program.stmts[i]);
        with_font(ctx.mono, [&] {
            const float wrap = ImGui::GetContentRegionAvail().x;
            const float h = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap).y +
                            ImGui::GetStyle().FramePadding.y;
            band(running ? changed_bg(lt) : code_bg(lt), h);
            ImGui::TextWrapped("%s", text.c_str());
        });
        if (!o || i >= o->results.size()) continue;
        const script::StepResult& r = o->results[i];
        const bool bad = r.err != 0 || r.fault.sig != 0 || r.died || !r.error.empty();
        ImGui::Indent();
        if (v.hiding())
            ImGui::TextDisabled("\u2192 hidden until you predict");
        else
            with_font(ctx.mono, [&] {
                coloured_wrapped(bad ? error_text(lt) : ok_text(lt), "\u2192 " + r.result_text());
            });
        ImGui::Unindent();
    }
    if (o && !o->error.empty()) coloured_wrapped(error_text(lt), "Could not run: " + o->error);
    ImGui::Spacing();
}

void LessonPanel::draw_question(Context& ctx, const LessonView& v) {
    const lesson::Step& s = *v.step();
    if (!s.ask) return;
    const lesson::Question& q = *s.ask;
    const bool lt = light(ctx);
    ImGui::Separator();
    with_font(ctx.bold, [&] { ImGui::TextWrapped("Predict: %s", q.text.c_str()); });
    const bool revealed = v.ran && !v.hiding();
    const lesson::PredictionResult* pr =
        revealed && v.outcome && v.outcome->prediction ? &*v.outcome->prediction : nullptr;
    const float fh = ImGui::GetFrameHeight() * (ctx.presenter ? 1.4f : 1.0f);
    for (size_t i = 0; i < q.choices.size(); ++i) {
        const bool kernel = pr && pr->choice == static_cast<int>(i);
        const bool picked = v.answer == static_cast<int>(i);
        std::string label = std::to_string(i + 1) + "   " + q.choices[i].label;
        if (kernel) label = "\u2713 " + label + "   \u2190 the kernel's answer";
        if (picked && revealed && !kernel) label += "   \u2190 the class's prediction";
        if (picked && revealed && kernel) label += ", as the class predicted";
        ImGui::PushID(static_cast<int>(i));
        if (kernel) ImGui::PushStyleColor(ImGuiCol_Button, ok_text(lt) & 0x60FFFFFF);
        if (revealed)
            ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0, 0.5f));
        else
            ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0, 0.5f));
        if (ImGui::Button(label.c_str(), ImVec2(-1, fh)) && !revealed && ctx.lesson)
            ctx.lesson->answer(static_cast<int>(i));
        ImGui::PopStyleVar();
        if (kernel) ImGui::PopStyleColor();
        ImGui::PopID();
    }
    if (v.hiding())
        coloured_wrapped(error_text(lt), "Make your prediction first: pick an answer (keys 1-" +
                                             std::to_string(q.choices.size()) +
                                             "). The panels show the state before the step.");
    else if (!v.ran)
        ImGui::TextDisabled("Vote, then pick the class's answer (or press Next).");
    if (!pr) return;
    if (pr->choice < 0)
        coloured_wrapped(error_text(lt), "The kernel's answer, " + pr->answer.str() +
                                             ", matches no choice: " + pr->detail);
    else if (v.answer >= 0)
        with_font(ctx.bold, [&] {
            coloured_wrapped(v.answer == pr->choice ? ok_text(lt) : error_text(lt),
                             v.answer == pr->choice ? "Right: the class predicted it."
                                                    : "Not this time: look at what changed.");
        });
    if (!q.explain.empty()) ImGui::TextWrapped("Why: %s", q.explain.c_str());
    ImGui::Spacing();
}

void LessonPanel::draw_checks(Context& ctx, const LessonView& v) {
    if (!v.ran || v.hiding() || !v.outcome) return;
    const lesson::StepOutcome& o = *v.outcome;
    if (o.expects.empty() && o.measures.empty()) return;
    const bool lt = light(ctx);
    ImGui::Separator();
    int pass = 0;
    for (const auto& c : o.expects) pass += c.verdict == lesson::Verdict::Pass;
    with_font(ctx.bold,
              [&] { ImGui::Text("The kernel confirms (%d of %zu)", pass, o.expects.size()); });
    { // the UI font: it has the check marks (the mono font does not)
        for (const auto& c : o.expects) {
            std::string line = std::string(mark(c.verdict)) + " " + c.src;
            if (!c.detail.empty()) line += "   (" + c.detail + ")";
            coloured_wrapped(c.verdict == lesson::Verdict::Pass   ? ok_text(lt)
                             : c.verdict == lesson::Verdict::Skip ? muted_text(lt)
                                                                  : error_text(lt),
                             line);
        }
        for (const auto& m : o.measures)
            ImGui::TextWrapped("\u00b7 %s = %s", m.src.c_str(),
                               m.verdict == lesson::Verdict::Pass ? m.value.str().c_str()
                                                                  : m.detail.c_str());
    }
}

void LessonPanel::draw_nav(Context& ctx, const LessonView& v, float height) {
    (void)height;
    LessonSession* s = ctx.lesson;
    if (!s) return;
    ImGui::Separator();
    const float fh = ImGui::GetFrameHeight() * (ctx.presenter ? 2.2f : 1.0f);
    const float w = ImGui::GetContentRegionAvail().x;
    const float sp = ImGui::GetStyle().ItemSpacing.x;
    ImGui::BeginDisabled(v.busy || !v.started);
    if (ImGui::Button("\u25c0 Back", ImVec2(w * 0.22f, fh))) s->back();
    ImGui::SameLine();
    if (ImGui::Button("Restart", ImVec2(w * 0.22f, fh))) s->restart();
    ImGui::SameLine();
    const bool end = v.ran && !v.hiding() && v.last();
    ImGui::BeginDisabled(end);
    if (ImGui::Button(end ? "The end" : "Next \u25b6", ImVec2(w - w * 0.44f - 2 * sp, fh)))
        s->next();
    ImGui::EndDisabled();
    ImGui::EndDisabled();
    const lesson::Step* st = v.step();
    const bool code = st && !st->program.stmts.empty();
    const std::string what =
        v.busy       ? "working\u2026"
        : !v.ran     ? (code ? "Next runs the statements above" : "Next checks the panels")
        : v.hiding() ? "Next reveals the answer"
        : end        ? "Restart (Home) to run it again"
                     : "Next shows step " + std::to_string(v.cur + 2);
    coloured_wrapped(muted_text(light(ctx)),
                     what + " \u00b7 keys: " + (ctx.presenter ? "Space/" : "") +
                         "\u2192 next, \u2190 back, Home restart" +
                         (st && st->ask ? ", digits answer" : ""));
}

} // namespace mml::app
