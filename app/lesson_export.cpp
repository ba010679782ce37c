// The handout of an exported lesson: Markdown beside the PNGs, and one HTML file with the
// PNGs inlined (readable on screen, clean on paper).
#include "lesson_export.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace mml::app {

namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '<')
            o += "&lt;";
        else if (c == '>')
            o += "&gt;";
        else if (c == '&')
            o += "&amp;";
        else if (c == '"')
            o += "&quot;";
        else
            o += c;
    }
    return o;
}

const char* mark(lesson::Verdict v) {
    return v == lesson::Verdict::Pass ? "✓" : v == lesson::Verdict::Skip ? "–" : "✗";
}

// The answer line of a prediction: "the same frame (true)" and the explanation.
std::string answer_text(const lesson::Question& q, const lesson::PredictionResult& p) {
    if (p.choice < 0) return fmt::format("{} ({})", p.answer.str(), p.detail);
    return fmt::format("{} ({})", q.choices[p.choice].label, p.answer.str());
}

// Paragraphs of narration: blank lines separate them.
std::vector<std::string> paragraphs(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line, cur;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t") == std::string::npos) {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += (cur.empty() ? "" : " ") + line;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

const char* kCss = R"(body{font:16px/1.55 "Inter","Segoe UI",system-ui,sans-serif;color:#1b1f24;
max-width:62rem;margin:2rem auto;padding:0 1.5rem;background:#fff}
h1{font-size:2rem;margin:.2rem 0 1rem}h2{font-size:1.35rem;margin:0 0 .6rem;color:#0b4f8a}
.intro{font-size:1.05rem;color:#333}
section.step{border-top:2px solid #dfe3e8;padding-top:1.4rem;margin-top:2rem}
pre{background:#f1f3f6;border-left:4px solid #0072b2;padding:.7rem 1rem;overflow-x:auto;
font:14px/1.45 "JetBrains Mono","DejaVu Sans Mono",monospace;white-space:pre-wrap}
.res{color:#00704a}.bad{color:#b34700}.q{background:#fff8e6;border-left:4px solid #e69f00;
padding:.6rem 1rem;margin:1rem 0}.q ol{margin:.3rem 0}.ans{font-weight:600}
ul.checks{list-style:none;padding-left:0;font:14px/1.5 "JetBrains Mono","DejaVu Sans Mono",monospace}
img{width:100%;border:1px solid #dfe3e8;border-radius:4px;margin-top:.8rem}
.meta{color:#667;font-size:.9rem}
@media print{body{margin:0;max-width:none;font-size:11pt}section.step{break-inside:avoid-page;
break-before:page}img{max-height:60vh;object-fit:contain}pre{white-space:pre-wrap}})";

std::string html_step(const lesson::Lesson& l, size_t i, const ExportStep& es,
                      const std::string& dir) {
    const lesson::Step& s = l.steps[i];
    const lesson::StepOutcome* o = es.outcome.get();
    std::string h = fmt::format("<section class=\"step\">\n<h2>Step {} of {}: {}</h2>\n", i + 1,
                                l.steps.size(), esc(s.title));
    for (const std::string& p : paragraphs(s.narration)) h += "<p>" + esc(p) + "</p>\n";
    if (!s.program.stmts.empty()) {
        h += "<pre>";
        for (size_t k = 0; k < s.program.stmts.size(); ++k) {
            h += esc(script::print(s.program.stmts[k]));
            if (o && k < o->results.size())
                h += fmt::format("  <span class=\"res\">{}</span>",
                                 esc(o->results[k].result_text()));
            h += "\n";
        }
        h += "</pre>\n";
    }
    if (o && !o->error.empty()) h += "<p class=\"bad\">Could not run: " + esc(o->error) + "</p>\n";
    if (s.ask) {
        h += "<div class=\"q\"><b>Predict:</b> " + esc(s.ask->text) + "\n<ol>";
        for (const auto& c : s.ask->choices) h += "<li>" + esc(c.label) + "</li>";
        h += "</ol>\n";
        if (o && o->prediction)
            h += "<p class=\"ans\">The kernel's answer: " +
                 esc(answer_text(*s.ask, *o->prediction)) + "</p>\n";
        if (!s.ask->explain.empty()) h += "<p>" + esc(s.ask->explain) + "</p>\n";
        h += "</div>\n";
    }
    if (o && (!o->expects.empty() || !o->measures.empty())) {
        h += "<ul class=\"checks\">";
        for (const auto& c : o->expects)
            h += fmt::format("<li class=\"{}\">{} {}{}</li>",
                             c.verdict == lesson::Verdict::Pass ? "res" : "bad", mark(c.verdict),
                             esc(c.src), c.detail.empty() ? "" : " (" + esc(c.detail) + ")");
        for (const auto& m : o->measures)
            h += "<li>· " + esc(m.src) + " = " + esc(m.value.str()) + "</li>";
        h += "</ul>\n";
    }
    if (!es.png.empty())
        h += fmt::format("<img alt=\"Step {}: {}\" src=\"data:image/png;base64,{}\">\n", i + 1,
                         esc(s.title), base64(slurp(dir + "/" + es.png)));
    return h + "</section>\n";
}

} // namespace

std::string base64(const std::string& in) {
    static constexpr char kAlpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                           static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out += kAlpha[(v >> k) & 63];
    }
    if (const size_t rest = in.size() - i; rest > 0) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kAlpha[(v >> 18) & 63];
        out += kAlpha[(v >> 12) & 63];
        out += rest == 2 ? kAlpha[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string handout_markdown(const lesson::Lesson& l, const std::vector<ExportStep>& steps) {
    std::string m = "# " + l.title + "\n\n";
    for (const std::string& p : paragraphs(l.intro)) m += p + "\n\n";
    for (size_t i = 0; i < steps.size() && i < l.steps.size(); ++i) {
        const lesson::Step& s = l.steps[i];
        const lesson::StepOutcome* o = steps[i].outcome.get();
        m += fmt::format("## Step {} of {}: {}\n\n", i + 1, l.steps.size(), s.title);
        for (const std::string& p : paragraphs(s.narration)) m += p + "\n\n";
        if (!s.program.stmts.empty()) {
            m += "```c\n";
            for (size_t k = 0; k < s.program.stmts.size(); ++k) {
                m += script::print(s.program.stmts[k]);
                if (o && k < o->results.size()) m += "  // " + o->results[k].result_text();
                m += "\n";
            }
            m += "```\n\n";
        }
        if (o && !o->error.empty()) m += "**Could not run:** " + o->error + "\n\n";
        if (s.ask) {
            m += "**Predict:** " + s.ask->text + "\n\n";
            for (size_t c = 0; c < s.ask->choices.size(); ++c)
                m += fmt::format("{}. {}\n", c + 1, s.ask->choices[c].label);
            if (o && o->prediction)
                m += "\n**The kernel's answer:** " + answer_text(*s.ask, *o->prediction) + "\n";
            if (!s.ask->explain.empty()) m += "\n" + s.ask->explain + "\n";
            m += "\n";
        }
        if (o)
            for (const auto& c : o->expects)
                m += fmt::format("- {} `{}`{}\n", mark(c.verdict), c.src,
                                 c.detail.empty() ? "" : " (" + c.detail + ")");
        if (o)
            for (const auto& c : o->measures)
                m += fmt::format("- · `{}` = {}\n", c.src, c.value.str());
        if (!steps[i].png.empty())
            m += fmt::format("\n![Step {}: {}]({})\n\n", i + 1, s.title, steps[i].png);
    }
    return m;
}

std::string handout_html(const lesson::Lesson& l, const std::vector<ExportStep>& steps,
                         const std::string& dir) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>" +
                    esc(l.title) + "</title>\n<style>\n" + kCss +
                    "\n</style>\n"
                    "</head>\n<body>\n<h1>" +
                    esc(l.title) + "</h1>\n";
    h += "<p class=\"meta\">Lesson " + esc(l.name) +
         " · every value below was reported by the Linux kernel when this handout was made "
         "(mmaplab export)</p>\n";
    for (const std::string& p : paragraphs(l.intro)) h += "<p class=\"intro\">" + esc(p) + "</p>\n";
    for (size_t i = 0; i < steps.size() && i < l.steps.size(); ++i)
        h += html_step(l, i, steps[i], dir);
    return h + "</body>\n</html>\n";
}

} // namespace mml::app
