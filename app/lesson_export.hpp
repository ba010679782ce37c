// `mmaplab export`: where the export of a lesson is (which step, which frame), and the
// handout it writes at the end, in Markdown and as one self-contained HTML file.
#pragma once

#include "lesson/lesson.hpp"
#include "lesson/runner.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mml::app {

struct ExportStep {
    std::shared_ptr<const lesson::StepOutcome> outcome;
    std::string png; // file name inside the output directory
};

// The export's progress through the lesson, driven one frame at a time by the App.
struct ExportRun {
    enum class Stage { Off, Starting, Running, Settling, Shooting, Asking } stage = Stage::Off;
    size_t step = 0;
    bool asked = false; // the question picture of this step is saved (--questions)
    int settle = 0;
    std::vector<ExportStep> steps;
    std::chrono::steady_clock::time_point t0;
};

// The handout: every step's narration, statements with the kernel's answers, the prediction
// and its answer, the checks and the image.
std::string handout_markdown(const lesson::Lesson& l, const std::vector<ExportStep>& steps);
// The same as HTML, each image inlined as a data: URI read from `dir`.
std::string handout_html(const lesson::Lesson& l, const std::vector<ExportStep>& steps,
                         const std::string& dir);
std::string base64(const std::string& bytes);

} // namespace mml::app
