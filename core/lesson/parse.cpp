// The .lesson parser: line-oriented "keyword: value" directives at column 0, indented
// continuation lines, '#' comments; statements go to the action-language parser with their
// real line numbers so every error reads file:line.
#include "lesson/lesson.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace mml::lesson {

namespace {

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// The colon ending a directive's head, outside quotes; npos when none.
size_t head_colon(std::string_view l) {
    char q = 0;
    for (size_t i = 0; i < l.size(); ++i) {
        if (q) {
            if (l[i] == '\\')
                ++i;
            else if (l[i] == q)
                q = 0;
        } else if (l[i] == '"' || l[i] == '\'') {
            q = l[i];
        } else if (l[i] == ':') {
            return i;
        }
    }
    return std::string_view::npos;
}

// "col N: message" from the expression parser, shifted to the line's column.
void split_col(const std::string& m, int shift, int& col, std::string& msg) {
    col = 0;
    msg = m;
    if (m.rfind("col ", 0) != 0) return;
    size_t c = m.find(':');
    col = std::atoi(m.c_str() + 4) + shift;
    msg = std::string(trim(std::string_view(m).substr(c + 1)));
}

struct Parser {
    std::string file;
    Lesson& L;
    std::vector<LessonError>& errs;
    std::vector<std::string_view> lines;
    std::vector<std::string> known{"main"};
    script::Scope scope; // the statements' variables, checked step after step
    Step* step = nullptr;

    void error(int line, std::string msg, int col = 0) {
        errs.push_back({file, line, col, std::move(msg)});
    }

    // Continuation lines of the directive at index i: indented lines and blank lines between
    // them (comment lines skipped). Returns the index of the last line of the block.
    size_t block_end(size_t i) const {
        size_t last = i;
        for (size_t j = i + 1; j < lines.size(); ++j) {
            std::string_view l = lines[j];
            if (blank(l) || l[0] == '#') continue;
            if (l[0] != ' ' && l[0] != '\t') break;
            last = j;
        }
        return last;
    }

    // Prose: lines of a paragraph joined by spaces, "- " items on their own line,
    // paragraphs separated by a blank line.
    std::string text_block(std::string_view first, size_t i, size_t end) const {
        std::string out(trim(first));
        bool para_break = false;
        for (size_t j = i + 1; j <= end; ++j) {
            std::string_view l = lines[j];
            if (!blank(l) && l[0] == '#') continue;
            if (blank(l)) {
                para_break = !out.empty();
                continue;
            }
            std::string_view t = trim(l);
            bool item = t.rfind("- ", 0) == 0 || t.rfind("* ", 0) == 0;
            if (!out.empty()) out += para_break ? "\n\n" : (item ? "\n" : " ");
            out += t;
            para_break = false;
        }
        return out;
    }

    bool expr_at(int line, std::string_view src, int shift, Check& out) {
        out.line = line;
        out.src = std::string(trim(src));
        std::string e;
        if (!parse_expr(src, out.expr, e)) {
            int col;
            std::string m;
            split_col(e, shift, col, m);
            error(line, m, col);
            return false;
        }
        return true;
    }

    void directive(size_t i);
    void dir_step(int line, std::string_view rest, size_t i, size_t end);
    void dir_do(int line, size_t colon, size_t i, size_t end);
    void dir_select(int line, std::string_view rest, int shift);
    void dir_choice(int line, std::string_view arg, std::string_view rest);
    void dir_show(int line, std::string_view rest);
    void dir_measure(int line, std::string_view rest, int shift);
    void dir_needs(int line, std::string_view rest);
    void finish_step();
    void check_names(const Check& c, const std::vector<std::string>& names);
    void run();
};

void Parser::dir_needs(int line, std::string_view rest) {
    std::string_view r = rest;
    while (!r.empty()) {
        size_t c = r.find(',');
        std::string_view w = trim(r.substr(0, c));
        r = c == std::string_view::npos ? std::string_view{} : r.substr(c + 1);
        if (w == "root")
            L.needs.push_back(Need::Root);
        else if (w == "thp")
            L.needs.push_back(Need::Thp);
        else
            error(line, fmt::format("unknown need '{}' (expected root or thp)", w));
    }
}

void Parser::dir_step(int line, std::string_view rest, size_t i, size_t end) {
    finish_step();
    L.steps.emplace_back();
    step = &L.steps.back();
    step->line = line;
    step->title = std::string(trim(rest));
    if (step->title.empty()) error(line, "a step needs a title: 'step: Map four pages'");
    step->narration = text_block("", i, end);
}

void Parser::dir_do(int line, size_t colon, size_t i, size_t end) {
    // Keep the statements where they are in the file (keyword blanked, earlier lines empty)
    // so the action-language parser reports the real line and column.
    std::string padded(static_cast<size_t>(line - 1), '\n');
    padded += std::string(colon + 1, ' ');
    padded += lines[i].substr(colon + 1);
    std::string code(trim(lines[i].substr(colon + 1)));
    for (size_t j = i + 1; j <= end; ++j) {
        padded += '\n';
        if (!blank(lines[j]) && lines[j][0] == '#') continue;
        padded += lines[j];
        std::string_view t = trim(lines[j]);
        if (t.empty()) continue;
        if (!code.empty()) code.push_back('\n');
        code.append(t);
    }
    if (step->code_line == 0) step->code_line = line;
    step->code += (step->code.empty() || code.empty() ? "" : "\n") + code;
    script::Program p;
    script::Diagnostic d;
    if (!script::parse(padded, file, p, d)) {
        error(d.line ? d.line : line, d.message, d.col);
        return;
    }
    for (auto& s : p.stmts) step->program.stmts.push_back(std::move(s));
}

void Parser::dir_select(int line, std::string_view rest, int shift) {
    Check whole;
    std::string wrapped = "select(" + std::string(rest) + ")";
    if (!expr_at(line, wrapped, shift - 7, whole)) return;
    if (whole.expr.kind != XKind::Call || whole.expr.kids.empty() || whole.expr.kids.size() > 2) {
        error(line, "select: takes an address and an optional length: 'select: p, 4 * PAGE_SIZE'");
        return;
    }
    Selection s;
    s.line = line;
    s.addr = {line, print_expr(whole.expr.kids[0]), whole.expr.kids[0]};
    if (whole.expr.kids.size() == 2)
        s.len = Check{line, print_expr(whole.expr.kids[1]), whole.expr.kids[1]};
    step->select = std::move(s);
}

void Parser::dir_choice(int line, std::string_view arg, std::string_view rest) {
    Choice c;
    c.line = line;
    c.label = std::string(trim(rest));
    if (c.label.empty()) return error(line, "a choice needs a label: 'choice 4: all four pages'");
    std::string a(trim(arg));
    size_t dots = a.find("..");
    XExpr e;
    std::string err;
    if (a.empty()) {
        c.value = Val::of_str(c.label);
    } else if (dots != std::string::npos) {
        XExpr lo, hi;
        if (!parse_expr(a.substr(0, dots), lo, err) || !parse_expr(a.substr(dots + 2), hi, err) ||
            lo.kind != XKind::Int || hi.kind != XKind::Int || lo.i > hi.i)
            return error(line, fmt::format("bad range '{}': write 'choice 1..3: label'", a));
        c.is_range = true;
        c.lo = lo.i;
        c.hi = hi.i;
    } else if (parse_expr(a, e, err) &&
               (e.kind == XKind::Int || e.kind == XKind::Bool || e.kind == XKind::Str)) {
        c.value = e.kind == XKind::Str    ? Val::of_str(e.s)
                  : e.kind == XKind::Bool ? Val::of_bool(e.i)
                                          : Val::of_int(e.i);
    } else if (a[0] == '-' && parse_expr(a.substr(1), e, err) && e.kind == XKind::Int) {
        c.value = Val::of_int(-e.i);
    } else {
        return error(line, fmt::format("a choice value is a number, true, false, a \"string\" "
                                       "or a range lo..hi, not '{}'",
                                       a));
    }
    step->ask->choices.push_back(std::move(c));
}

void Parser::check_names(const Check& c, const std::vector<std::string>& names) {
    std::string m = check_expr(c.expr, names);
    if (m.empty()) return;
    int col;
    std::string msg;
    split_col(m, 0, col, msg);
    error(c.line, fmt::format("in '{}': {}", c.src, msg));
}

void Parser::finish_step() {
    if (!step) return;
    for (const auto& s : step->program.stmts) {
        script::Diagnostic d;
        if (!script::check(s, scope, d)) {
            error(d.line ? d.line : step->line, d.message, d.col);
            break;
        }
    }
    for (const auto& s : step->program.stmts)
        if (s.kind == script::StmtKind::Decl) known.push_back(s.name);
    std::vector<std::string> names = known;
    for (const auto& m : step->measures)
        if (!m.name.empty()) names.push_back(m.name);
    for (const auto& c : step->expects) check_names(c, names);
    for (const auto& m : step->measures) check_names(m.expr, names);
    if (step->select) {
        check_names(step->select->addr, names);
        if (step->select->len) check_names(*step->select->len, names);
    }
    if (step->ask) {
        const Question& q = *step->ask;
        if (q.choices.size() < 2) error(q.line, "a question needs at least two 'choice' lines");
        if (q.answer.line == 0)
            error(q.line, "a question needs an 'answer:' expression computed from the kernel");
        else
            check_names(q.answer, names);
        for (size_t a = 0; a < q.choices.size(); ++a)
            for (size_t b = 0; b < a; ++b)
                if (!q.choices[a].is_range && !q.choices[b].is_range &&
                    q.choices[a].value == q.choices[b].value)
                    error(q.choices[a].line, fmt::format("this choice has the same value as the "
                                                         "one on line {}",
                                                         q.choices[b].line));
    }
    for (const auto& m : step->measures)
        if (!m.name.empty()) known.push_back(m.name);
}

void Parser::dir_show(int line, std::string_view rest) {
    for (std::string_view r = rest; !trim(r).empty();) {
        size_t c = r.find(',');
        std::string w(trim(r.substr(0, c)));
        r = c == std::string_view::npos ? std::string_view{} : r.substr(c + 1);
        const auto& names = panel_names();
        if (std::find(names.begin(), names.end(), w) == names.end())
            error(line, fmt::format("unknown panel '{}' (panels: pages, frames, mappings, proc, "
                                    "contents, counters, address-space, events)",
                                    w));
        else
            step->panels.push_back(w);
    }
}

// "measure: expr" or "measure: name = expr" (the name is usable by later expressions).
void Parser::dir_measure(int line, std::string_view rest, int shift) {
    Measure m;
    m.line = line;
    size_t eq = rest.find('=');
    if (eq != std::string_view::npos && eq + 1 < rest.size() && rest[eq + 1] != '=') {
        std::string_view n = trim(rest.substr(0, eq));
        if (!n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            })) {
            m.name = std::string(n);
            shift += static_cast<int>(eq) + 1;
            rest = rest.substr(eq + 1);
        }
    }
    if (expr_at(line, rest, shift, m.expr)) step->measures.push_back(std::move(m));
}

void Parser::directive(size_t i) {
    std::string_view l = lines[i];
    int line = static_cast<int>(i) + 1;
    size_t colon = head_colon(l);
    std::string_view head = colon == std::string_view::npos ? l : l.substr(0, colon);
    size_t sp = head.find_first_of(" \t");
    std::string kw(head.substr(0, sp));
    std::string_view arg = sp == std::string_view::npos ? std::string_view{} : head.substr(sp);
    if (colon == std::string_view::npos || kw.empty() ||
        !std::all_of(kw.begin(), kw.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        error(line, "expected 'keyword: value' at the start of the line (title, needs, intro, "
                    "step, do, show, select, expect, measure, ask, choice, answer, explain); "
                    "indent continuation lines");
        return;
    }
    std::string_view rest = l.substr(colon + 1);
    int shift = static_cast<int>(colon) + 1;
    size_t end = block_end(i);
    static const char* const block_kws[] = {"intro", "step", "do", "ask", "explain"};
    bool takes_block =
        std::find(std::begin(block_kws), std::end(block_kws), kw) != std::end(block_kws);
    if (!takes_block && end != i)
        error(static_cast<int>(i) + 2,
              fmt::format("'{}:' is one line; indented lines continue only "
                          "intro, step, do, ask and explain",
                          kw));
    if (!trim(arg).empty() && kw != "choice")
        return error(line, fmt::format("unexpected '{}' before the colon", trim(arg)));
    bool in_step = step != nullptr;
    bool in_ask = in_step && step->ask.has_value();
    auto need = [&](bool ok, const char* where) {
        if (!ok) error(line, fmt::format("'{}:' must come {}", kw, where));
        return ok;
    };
    if (kw == "title") {
        if (need(!in_step && L.title.empty(), "once, before the first step"))
            L.title = std::string(trim(rest));
        if (L.title.empty() && !in_step) error(line, "the title is empty");
    } else if (kw == "needs") {
        if (need(!in_step, "before the first step")) dir_needs(line, rest);
    } else if (kw == "intro") {
        if (need(!in_step && L.intro.empty(), "once, before the first step"))
            L.intro = text_block(rest, i, end);
    } else if (kw == "step") {
        dir_step(line, rest, i, end);
    } else if (kw == "choice" || kw == "answer" || kw == "explain") {
        if (!need(in_ask, "after 'ask:' in a step")) return;
        if (kw == "choice")
            dir_choice(line, arg, rest);
        else if (kw == "explain")
            step->ask->explain = text_block(rest, i, end);
        else if (step->ask->answer.line)
            error(line, "a question has one answer");
        else
            expr_at(line, rest, shift, step->ask->answer);
    } else if (!need(in_step, "inside a step (after 'step: Title')")) {
        return;
    } else if (kw == "do") {
        dir_do(line, colon, i, end);
    } else if (kw == "show") {
        dir_show(line, rest);
    } else if (kw == "select") {
        if (step->select)
            error(line, "a step has one selection");
        else
            dir_select(line, rest, shift);
    } else if (kw == "expect") {
        Check c;
        if (expr_at(line, rest, shift, c)) step->expects.push_back(std::move(c));
    } else if (kw == "measure") {
        dir_measure(line, rest, shift);
    } else if (kw == "ask") {
        if (step->ask) return error(line, "a step has one question");
        step->ask.emplace();
        step->ask->line = line;
        step->ask->text = text_block(rest, i, end);
        if (step->ask->text.empty()) error(line, "the question is empty");
    } else {
        error(line, fmt::format("unknown keyword '{}' (title, needs, intro, step, do, show, "
                                "select, expect, measure, ask, choice, answer, explain)",
                                kw));
    }
}

void Parser::run() {
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (blank(l) || l[0] == '#') continue;
        if (l[0] == ' ' || l[0] == '\t') {
            error(static_cast<int>(i) + 1, "indented line outside a block: only intro, step, do, "
                                           "ask and explain continue on indented lines");
            continue;
        }
        directive(i);
        size_t end = block_end(i);
        i = end;
    }
    finish_step();
    if (L.title.empty()) error(1, "the lesson has no 'title:' line");
    if (L.steps.empty()) error(1, "the lesson has no 'step:'");
}

} // namespace

bool Choice::matches(const Val& v) const {
    if (is_range) return v.kind != Val::Str && v.i >= lo && v.i <= hi;
    if (value.kind == Val::Bool && v.kind != Val::Str) return (v.i != 0) == (value.i != 0);
    return value == v;
}

std::string LessonError::str() const {
    std::string where = file.empty() ? "<lesson>" : file;
    if (col > 0) return fmt::format("{}:{}:{}: {}", where, line, col, message);
    return fmt::format("{}:{}: {}", where, line, message);
}

const std::vector<std::string>& panel_names() {
    static const std::vector<std::string> names{"pages",    "frames",   "mappings",      "proc",
                                                "contents", "counters", "address-space", "events"};
    return names;
}

bool parse_lesson(std::string_view text, std::string_view file, Lesson& out,
                  std::vector<LessonError>& errors) {
    out = Lesson{};
    out.file = std::string(file);
    size_t before = errors.size();
    Parser p{std::string(file), out, errors, {}, {"main"}, {}, nullptr};
    for (size_t at = 0; at <= text.size();) {
        size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view l = text.substr(at, nl - at);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        p.lines.push_back(l);
        at = nl + 1;
    }
    p.run();
    return errors.size() == before;
}

} // namespace mml::lesson
