// Pure parsers for /proc text: maps, smaps, smaps_rollup, status and stat. Text in, values and
// errors out; nothing here throws, exits or touches the file system.
#include "procfs.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <utility>

namespace mml::procfs {

namespace {

constexpr size_t kFieldsPerBlock = 28; // fields a 6.x kernel prints per smaps block, roughly
constexpr size_t kBytesPerBlock = 640; // bytes of one smaps block at least (6.18: ~830-860)

// A cursor over one line that reads the fixed fields of a maps line.
struct Scanner {
    std::string_view s;
    size_t i = 0;

    bool hex(uint64_t& v, char stop) {
        const char* b = s.data() + i;
        const char* e = s.data() + s.size();
        auto [p, ec] = std::from_chars(b, e, v, 16);
        if (ec != std::errc() || p == b || p == e || *p != stop) return false;
        i = static_cast<size_t>(p - s.data()) + 1;
        return true;
    }
    bool dec(uint64_t& v) {
        const char* b = s.data() + i;
        const char* e = s.data() + s.size();
        auto [p, ec] = std::from_chars(b, e, v, 10);
        if (ec != std::errc() || p == b || (p != e && *p != ' ')) return false;
        i = static_cast<size_t>(p - s.data());
        return true;
    }
    // A token ending at a single space; false when empty or at the end of the line.
    bool token(std::string_view& t) {
        size_t end = s.find(' ', i);
        if (end == std::string_view::npos || end == i) return false;
        t = s.substr(i, end - i);
        i = end + 1;
        return true;
    }
};

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool valid_perms(std::string_view p) {
    if (p.size() != 4) return false;
    return (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
           (p[2] == 'x' || p[2] == '-') && (p[3] == 's' || p[3] == 'p');
}

bool valid_dev(std::string_view d) {
    size_t colon = d.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == d.size()) return false;
    for (size_t k = 0; k < d.size(); ++k)
        if (k != colon && !is_hex(d[k])) return false;
    return true;
}

// Splits text into lines (without '\n'); the last line may lack its newline.
template <typename F> void for_each_line(std::string_view text, F&& f) {
    size_t pos = 0;
    int number = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
        f(text.substr(pos, end - pos), ++number, pos, next);
        pos = next;
    }
}

std::string_view trim(std::string_view v) {
    size_t b = v.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    size_t e = v.find_last_not_of(" \t\r");
    return v.substr(b, e - b + 1);
}

// "hex-hex" as the first token: an smaps header line, not a "Name: value" field.
bool is_header(std::string_view line) {
    size_t i = 0;
    while (i < line.size() && is_hex(line[i])) ++i;
    if (i == 0 || i >= line.size() || line[i] != '-') return false;
    size_t j = ++i;
    while (i < line.size() && is_hex(line[i])) ++i;
    return i > j && i < line.size() && line[i] == ' ';
}

bool blank(char c) {
    return c == ' ' || c == '\t';
}

// Word-at-a-time scanning (8 bytes a step): a 6.x smaps line is ~28 bytes, ~18 of them the
// blanks that align its value, and 2,000 VMAs are 48,000 lines; byte loops spent ~290
// instructions a field line here. Masks mark a byte by its high bit, exactly (no carry crosses
// a byte), so the lowest marked byte is the first match.
namespace swar {
constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = kOnes * 0x80;
constexpr bool kUsable = std::endian::native == std::endian::little; // lowest byte first
inline uint64_t load(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}
inline uint64_t zeros(uint64_t w) {
    return ~(((w & ~kHigh) + ~kHigh) | w) & kHigh;
}
inline uint64_t equal(uint64_t w, char c) {
    return zeros(w ^ (kOnes * static_cast<unsigned char>(c)));
}
} // namespace swar

// The first byte of [p, end) where stop(byte) holds (mask(word) marks such bytes of 8), or end.
template <typename Mask, typename Stop>
const char* scan(const char* p, const char* end, Mask mask, Stop stop) {
    if constexpr (swar::kUsable)
        for (; end - p >= 8; p += 8)
            if (const uint64_t m = mask(swar::load(p)); m != 0) return p + std::countr_zero(m) / 8;
    while (p < end && !stop(*p)) ++p;
    return p;
}

// The end of a field's name: its ':', or the ' ' or '\n' that shows it is no field.
const char* name_end(const char* p, const char* end) {
    return scan(
        p, end,
        [](uint64_t w) { return swar::equal(w, ':') | swar::equal(w, ' ') | swar::equal(w, '\n'); },
        [](char c) { return c == ':' || c == ' ' || c == '\n'; });
}

const char* skip_blanks(const char* p, const char* end) {
    return scan(
        p, end,
        [](uint64_t w) { return ~(swar::equal(w, ' ') | swar::equal(w, '\t')) & swar::kHigh; },
        [](char c) { return !blank(c); });
}

const char* line_end(const char* p, const char* end) {
    return scan(
        p, end, [](uint64_t w) { return swar::equal(w, '\n'); }, [](char c) { return c == '\n'; });
}

// All of [b, e) as a decimal number, as std::from_chars reads it (most values are 1-7 digits:
// no call); nullopt when empty, not all digits, or beyond 64 bits.
std::optional<uint64_t> decimal(const char* b, const char* e) {
    if (b == e) return std::nullopt;
    uint64_t v = 0;
    if (e - b > 19) { // may overflow: let from_chars tell
        auto [q, ec] = std::from_chars(b, e, v);
        return ec == std::errc() && q == e ? std::optional<uint64_t>(v) : std::nullopt;
    }
    for (; b != e; ++b) {
        const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(*b)) - '0';
        if (d > 9) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

// A field from its name and its value [vb, ve) (blanks before it skipped): the value trimmed,
// and kb when it is a size ("4 kB"). Assigns into `out` in place (its strings keep their
// buffers), no temporary.
void set_field(SmapsField& out, std::string_view name, const char* vb, const char* ve) {
    while (ve > vb && (blank(ve[-1]) || ve[-1] == '\r')) --ve;
    out.name.assign(name);
    out.value.assign(vb, static_cast<size_t>(ve - vb));
    out.kb.reset();
    if (ve - vb > 3 && ve[-3] == ' ' && ve[-2] == 'k' && ve[-1] == 'B')
        out.kb = decimal(vb, ve - 3);
}

// "Name:   value" -> field; false when there is no colon, nothing before it, or a space.
bool parse_field(std::string_view line, SmapsField& out) {
    const char* end = line.data() + line.size();
    const char* colon = name_end(line.data(), end);
    if (colon == line.data() || colon == end || *colon != ':') return false;
    set_field(out, {line.data(), static_cast<size_t>(colon - line.data())},
              skip_blanks(colon + 1, end), end);
    return true;
}

void split_codes(std::string_view value, std::vector<std::string>& out) {
    out.reserve(value.size() / 3 + 1);
    size_t i = 0;
    while (i < value.size()) {
        size_t b = value.find_first_not_of(' ', i);
        if (b == std::string_view::npos) break;
        size_t e = value.find(' ', b);
        if (e == std::string_view::npos) e = value.size();
        out.emplace_back(value.substr(b, e - b));
        i = e;
    }
}

void add_error(std::vector<ParseError>* errors, int line, std::string message) {
    if (errors) errors->push_back({line, std::move(message)});
}

} // namespace

bool parse_maps_line(std::string_view line, Mapping& out) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    Scanner sc{line};
    std::string_view perms, dev;
    uint64_t start = 0, end = 0, offset = 0, inode = 0;
    int matched = 0;
    matched += sc.hex(start, '-');
    matched += matched == 1 && sc.hex(end, ' ');
    matched += matched == 2 && sc.token(perms) && valid_perms(perms);
    matched += matched == 3 && sc.hex(offset, ' ');
    matched += matched == 4 && sc.token(dev) && valid_dev(dev);
    matched += matched == 5 && sc.dec(inode);
    if (matched != 6 || end < start) return false;
    // The path is everything after the run of spaces that follows the inode.
    size_t p = sc.i;
    while (p < line.size() && line[p] == ' ') ++p;
    out.start = start;
    out.end = end;
    out.perms.assign(perms);
    out.offset = offset;
    out.dev.assign(dev);
    out.inode = inode;
    out.path.assign(line.substr(p));
    return true;
}

std::vector<Mapping> parse_maps(std::string_view text, std::vector<ParseError>* errors) {
    std::vector<Mapping> out;
    for_each_line(text, [&](std::string_view line, int number, size_t, size_t) {
        if (line.empty()) return;
        Mapping m;
        if (parse_maps_line(line, m))
            out.push_back(std::move(m));
        else
            add_error(errors, number, "not a maps line: " + std::string(line));
    });
    return out;
}

namespace {

// parse_smaps' state: the mappings so far, the block whose fields come next.
struct SmapsParser {
    std::string_view text;
    std::vector<ParseError>* errors;
    std::vector<Mapping> out;
    const std::vector<Mapping>* earlier = nullptr; // blocks that may be shared (parse_smaps)
    size_t ei = 0;                                 // cursor in *earlier (address order)
    const char* resume = nullptr; // after a shared block: where the next line starts
    bool in_block = false;        // the current block's header parsed; its fields go to out.back()
    size_t block_begin = 0, block_end = 0;
    int number = 0; // of the current line, from 1

    void close_block() {
        if (!out.empty()) out.back().smaps_text = text.substr(block_begin, block_end - block_begin);
    }
    // The line at p (the common case, a field of the open block, without looking twice at its
    // bytes); returns where the next one starts.
    const char* line(const char* p) {
        const char* end = text.data() + text.size();
        ++number;
        const char* stop = name_end(p, end);
        if (in_block && stop != p && stop != end && *stop == ':') return field(p, stop, end);
        const char* nl = line_end(stop, end);
        const char* next = nl == end ? end : nl + 1;
        other({p, static_cast<size_t>(nl - p)}, offset(p), offset(next));
        return resume ? std::exchange(resume, nullptr) : next;
    }
    size_t offset(const char* p) const { return static_cast<size_t>(p - text.data()); }
    const char* field(const char* p, const char* colon, const char* end) {
        const char* vb = skip_blanks(colon + 1, end);
        const char* nl = line_end(vb, end);
        Mapping& m = out.back();
        SmapsField& f = m.smaps.emplace_back();
        set_field(f, {p, static_cast<size_t>(colon - p)}, vb, nl);
        if (f.name.size() == 7 && f.name == "VmFlags") split_codes(f.value, m.vmflags.own());
        const char* next = nl == end ? end : nl + 1;
        block_end = offset(next);
        return next;
    }
    // Any other line: blank, a header, a field outside a block, or a malformed one.
    void other(std::string_view line, size_t begin, size_t next) {
        if (line.empty()) return;
        if (is_header(line)) return header(line, begin, next);
        if (!in_block) {
            add_error(errors, number, "smaps field outside a mapping block: " + std::string(line));
            return;
        }
        Mapping& m = out.back();
        SmapsField& f = m.smaps.emplace_back();
        if (!parse_field(line, f)) {
            m.smaps.pop_back();
            add_error(errors, number, "not a 'Name: value' smaps field: " + std::string(line));
            return;
        }
        if (f.name.size() == 7 && f.name == "VmFlags") split_codes(f.value, m.vmflags.own());
        block_end = next;
    }
    // A header line opens a block (parsed in place: no Mapping moved).
    void header(std::string_view line, size_t begin, size_t next) {
        close_block();
        if (!parse_maps_line(line, out.emplace_back())) {
            out.pop_back();
            in_block = false;
            add_error(errors, number, "malformed smaps header: " + std::string(line));
            return;
        }
        in_block = true;
        block_begin = begin;
        block_end = next;
        if (!share(out.back(), begin)) out.back().smaps.reserve(kFieldsPerBlock);
    }
    // The earlier block of m's start, when its text is the text from `begin` up to a header or
    // the end: its fields are shared, and the parse resumes after it.
    bool share(Mapping& m, size_t begin) {
        if (!earlier) return false;
        const std::vector<Mapping>& e = *earlier;
        while (ei < e.size() && e[ei].start < m.start) ++ei;
        if (ei == e.size() || e[ei].start != m.start) return false;
        const std::string_view was = e[ei].smaps_text;
        const size_t after = begin + was.size();
        if (was.empty() || text.compare(begin, was.size(), was) != 0) return false;
        const char* end = text.data() + text.size();
        const char* at = text.data() + after;
        if (at != end && !is_header({at, static_cast<size_t>(line_end(at, end) - at)}))
            return false;
        m.smaps = e[ei].smaps;
        m.vmflags = e[ei].vmflags;
        if (errors) number += static_cast<int>(std::count(was.begin(), was.end(), '\n')) - 1;
        block_end = after;
        resume = at;
        return true;
    }
};

} // namespace

std::vector<Mapping> parse_smaps(std::string_view text, std::vector<ParseError>* errors) {
    static const std::vector<Mapping> none;
    return parse_smaps(text, none, errors);
}

std::vector<Mapping> parse_smaps(std::string_view text, const std::vector<Mapping>& earlier,
                                 std::vector<ParseError>* errors) {
    SmapsParser sp{text, errors, {}};
    if (!earlier.empty()) sp.earlier = &earlier;
    sp.out.reserve(text.size() / kBytesPerBlock + 1);
    const char* p = text.data();
    while (p != text.data() + text.size()) p = sp.line(p);
    sp.close_block();
    return std::move(sp.out);
}

std::vector<SmapsField> parse_rollup(std::string_view text) {
    std::vector<SmapsField> out;
    for_each_line(text, [&](std::string_view line, int, size_t, size_t) {
        SmapsField f;
        if (line.empty() || is_header(line) || !parse_field(line, f)) return;
        out.push_back(std::move(f));
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_status(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    for_each_line(text, [&](std::string_view line, int, size_t, size_t) {
        size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos) return;
        out.emplace_back(std::string(line.substr(0, colon)),
                         std::string(trim(line.substr(colon + 1))));
    });
    return out;
}

bool parse_stat(std::string_view text, uint64_t& minflt, uint64_t& majflt) {
    // comm is in parentheses and may hold spaces and ')': the fields start after the last ')'.
    size_t close = text.rfind(')');
    if (close == std::string_view::npos || text.find('(') > close) return false;
    std::string_view rest = text.substr(close + 1);
    // Fields after comm: state(3) ppid pgrp session tty_nr tpgid flags minflt(10) cminflt
    // majflt(12).
    uint64_t values[10] = {};
    int matched = 0;
    size_t i = 0;
    for (int field = 3; field <= 12; ++field) {
        size_t b = rest.find_first_not_of(' ', i);
        if (b == std::string_view::npos) break;
        size_t e = rest.find_first_of(" \n", b);
        if (e == std::string_view::npos) e = rest.size();
        i = e;
        if (field == 3) { // state is a letter
            ++matched;
            continue;
        }
        int64_t v = 0; // tty_nr, tpgid may be negative
        auto [p, ec] = std::from_chars(rest.data() + b, rest.data() + e, v);
        if (ec != std::errc() || p != rest.data() + e) break;
        values[field - 3] = static_cast<uint64_t>(v);
        ++matched;
    }
    if (matched != 10) return false;
    minflt = values[10 - 3];
    majflt = values[12 - 3];
    return true;
}

} // namespace mml::procfs
