// `mmaplab export` inside the window: each step run (predictions revealed), drawn, saved as
// PNG once its snapshot is on screen, then the handout written and the window closed.
#include "app.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

namespace mml::app {

void App::drive_export() {
    using Stage = ExportRun::Stage;
    ExportRun& x = export_;
    if (x.stage == Stage::Off || quit_) return;
    if (!lv_.error.empty() || (!lesson_.active() && x.stage != Stage::Starting)) {
        std::fprintf(stderr, "mmaplab export: %s\n",
                     lv_.error.empty() ? "the lesson did not open" : lv_.error.c_str());
        exit_code_ = 1;
        quit_ = true;
        return;
    }
    if (!lesson_settled() || !exec_.idle()) return;
    const size_t n = lv_.lesson->steps.size();
    switch (x.stage) {
    case Stage::Starting:
        x.t0 = std::chrono::steady_clock::now();
        x.stage = Stage::Running;
        [[fallthrough]];
    case Stage::Running:
        if (!lv_.ran) {
            std::fprintf(stderr, "step %zu/%zu \u2026 %s\n", lv_.cur + 1, n,
                         lv_.step()->title.c_str());
            lesson_.next();
        } else if (lv_.hiding() && opts_.export_questions && !x.asked) {
            x.stage = Stage::Settling; // first a picture of the open question
            x.settle = 0;
        } else if (lv_.hiding()) {
            lesson_.answer(kNoGuess); // the handout shows every prediction revealed
        } else {
            x.stage = Stage::Settling;
            x.settle = 0;
        }
        return;
    case Stage::Settling:
        // The step's last snapshot is drawn (and fonts settled) for a few frames first.
        if (++x.settle >= 4 && shot_.stage == ShotRequest::Stage::None) export_shot();
        return;
    case Stage::Asking:
        if (shot_.stage != ShotRequest::Stage::None) return;
        x.asked = true;
        x.stage = Stage::Running;
        return;
    case Stage::Shooting:
        if (shot_.stage != ShotRequest::Stage::None) return;
        if (lv_.last()) return finish_export();
        lesson_.next();
        x.asked = false;
        x.stage = Stage::Running;
        return;
    case Stage::Off:
        return;
    }
}

void App::export_shot() {
    if (lv_.hiding()) { // --questions: the open question, before the reveal
        const std::string q =
            fmt::format("{}-step{:02}-question.png", lv_.lesson->name, lv_.cur + 1);
        shot_ = ShotRequest{ShotRequest::Stage::Due, 1, opts_.export_dir + "/" + q};
        export_.stage = ExportRun::Stage::Asking;
        return;
    }
    const std::string name = fmt::format("{}-step{:02}.png", lv_.lesson->name, lv_.cur + 1);
    export_.steps.resize(lv_.lesson->steps.size());
    export_.steps[lv_.cur] = ExportStep{lv_.outcome, name};
    shot_ = ShotRequest{ShotRequest::Stage::Due, 1, opts_.export_dir + "/" + name};
    export_.stage = ExportRun::Stage::Shooting;
}

void App::finish_export() {
    const lesson::Lesson& l = *lv_.lesson;
    const std::string base = opts_.export_dir + "/" + l.name;
    std::ofstream(base + ".md") << handout_markdown(l, export_.steps);
    std::ofstream(base + ".html") << handout_html(l, export_.steps, opts_.export_dir);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - export_.t0).count();
    size_t failed = 0;
    for (const ExportStep& st : export_.steps) failed += st.outcome && st.outcome->failed();
    std::fprintf(
        stderr, "wrote %s.md, %s.html and %zu images in %.1f s%s\n", base.c_str(), base.c_str(),
        export_.steps.size(), s,
        failed ? fmt::format(" ({} steps did not go as the lesson expects)", failed).c_str() : "");
    export_.stage = ExportRun::Stage::Off;
    quit_ = true;
}

} // namespace mml::app
