// Evaluating lesson check expressions against a Snapshot: pages (pagemap, kpagecount,
// kpageflags), mappings (smaps fields, VmFlags), processes (status, faults) and the step's
// results (errno, signals). What the machine cannot tell makes the check skip, not fail.
#include "abi.hpp"
#include "contents.hpp"
#include "lesson/runner.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mml::lesson {

namespace {

struct Fail {
    bool skip;
    std::string msg;
};

[[noreturn]] void fail(std::string m) {
    throw Fail{false, std::move(m)};
}
[[noreturn]] void skip(std::string m) {
    throw Fail{true, std::move(m)};
}

uint64_t page_size() {
    return static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Ev {
    const EvalEnv& env;
    const Snapshot* snap; // now, or before inside before()/delta()

    Val eval(const XExpr& e);
    Val call(const XExpr& e);
    Val name(const std::string& n) const;
    int64_t num(const XExpr& e) {
        Val v = eval(e);
        if (v.kind == Val::Str)
            fail(fmt::format("'{}' is text, a number was expected", print_expr(e)));
        return v.i;
    }
    std::string str(const XExpr& e) {
        Val v = eval(e);
        if (v.kind != Val::Str)
            fail(fmt::format("'{}' is a number, text was expected", print_expr(e)));
        return v.s;
    }

    const Process& proc(int64_t pid) const {
        const Process* p = snap->process(static_cast<int>(pid));
        if (!p) fail(fmt::format("no lab process {} in the snapshot", pid));
        if (p->state != ProcState::Alive)
            fail(fmt::format("lab process {} ({}) is not alive", pid, p->name));
        if (!p->error.empty()) fail(fmt::format("process {}: {}", pid, p->error));
        return *p;
    }
    const Process& default_proc() const { return proc(env.interp->default_pid()); }
    // Functions taking an optional leading process: the process and the index of the rest.
    const Process& proc_arg(const XExpr& e, size_t plain, size_t& rest) {
        if (e.kids.size() > plain) {
            rest = 1;
            return proc(num(e.kids[0]));
        }
        rest = 0;
        return default_proc();
    }
    static const Mapping& mapping(const Process& p, uint64_t addr) {
        const Mapping* m = p.mapping_at(addr);
        if (!m) fail(fmt::format("no mapping holds {:#x} in {} ({})", addr, p.name, p.pid));
        return *m;
    }
    static const Page& page(const Process& p, uint64_t addr) {
        const Mapping& m = mapping(p, addr);
        size_t i = (addr - m.start) / page_size();
        if (i >= m.pages.size())
            fail(fmt::format("pages of the mapping at {:#x} were not read", m.start));
        return m.pages[i];
    }
    static uint64_t pfn_of(const Process& p, uint64_t addr) {
        const Page& pg = page(p, addr);
        if (!abi::pm_present(pg.entry)) return 0;
        if (!p.pfn_known) skip("needs root: page frame numbers read as 0 without CAP_SYS_ADMIN");
        return abi::pm_pfn(pg.entry);
    }
    static const Page& kpage(const Process& p, uint64_t addr) {
        const Page& pg = page(p, addr);
        if (!p.kpage_known) skip("needs root: /proc/kpagecount and /proc/kpageflags are root-only");
        if (!abi::pm_present(pg.entry)) fail(fmt::format("the page at {:#x} is not present", addr));
        return pg;
    }

    // A present page is the shared zero page: kpageflags tell; without them a page that is
    // neither exclusive nor file/shared could be the zero page or a shared copy-on-write page,
    // unless its kpagecount was read and is not 0 (the zero page is never counted; the readers
    // read the flags of every frame whose count is 0).
    static bool is_zero_page(const Process& p, uint64_t addr) {
        const Page& pg = page(p, addr);
        if (p.kpage_known && pg.flags_read()) return (pg.kflags >> abi::kKpfZeroPage) & 1;
        if (abi::pm_exclusive(pg.entry) || abi::pm_file_shared(pg.entry)) return false;
        if (p.kpage_known && pg.count_read() && pg.mapcount > 0) return false;
        skip("needs root: telling the zero page from a shared page needs /proc/kpageflags");
    }
    // kpageflags of a present page, or a skip saying plainly that they were not read.
    static uint64_t flags_of(const Process& p, uint64_t addr) {
        const Page& pg = kpage(p, addr);
        if (!pg.flags_read())
            skip(fmt::format("kpageflags were not read for the page at {:#x}: the snapshot reads "
                             "them only where they are needed (not for anonymous pages whose "
                             "mapcount the exclusive bit or kpagecount gives)",
                             addr));
        return pg.kflags;
    }
    Val page_fn(const std::string& f, const XExpr& e);
    Val mapping_fn(const std::string& f, const XExpr& e);
    Val process_fn(const std::string& f, const XExpr& e);
    Val step_fn(const std::string& f, const XExpr& e);
    Val file_fn(const std::string& f, const XExpr& e);
    Val binary(const XExpr& e);
};

Val Ev::name(const std::string& n) const {
    script::Value v;
    if (env.interp && env.interp->lookup(n, v)) {
        if (v.is_string) return Val::of_str(v.text);
        return Val::of_int(v.v);
    }
    if (env.measures)
        if (auto it = env.measures->find(n); it != env.measures->end()) return it->second;
    if (env.lab) {
        int found = 0;
        for (const auto& lp : env.lab->processes())
            if (lp.name == n && (found == 0 || lp.alive)) found = lp.pid;
        if (found) return Val::of_int(found);
    }
    int64_t c;
    if (find_const(n, c)) return Val::of_int(c);
    fail(fmt::format("unknown name '{}'", n));
}

Val Ev::binary(const XExpr& e) {
    const std::string& op = e.s;
    if (op == "&&" || op == "||") {
        bool l = num(e.kids[0]) != 0;
        if (op == "&&" ? !l : l) return Val::of_bool(l);
        return Val::of_bool(num(e.kids[1]) != 0);
    }
    Val a = eval(e.kids[0]), b = eval(e.kids[1]);
    if (op == "==" || op == "!=") {
        if ((a.kind == Val::Str) != (b.kind == Val::Str))
            fail(fmt::format("'{}' compares text with a number", print_expr(e)));
        return Val::of_bool((a == b) == (op == "=="));
    }
    if (a.kind == Val::Str || b.kind == Val::Str)
        fail(fmt::format("'{}' is not defined on text", op));
    int64_t x = a.i, y = b.i;
    if ((op == "/" || op == "%") && y == 0) fail("division by zero");
    if (op == "<") return Val::of_bool(x < y);
    if (op == "<=") return Val::of_bool(x <= y);
    if (op == ">") return Val::of_bool(x > y);
    if (op == ">=") return Val::of_bool(x >= y);
    if (op == "+") return Val::of_int(x + y);
    if (op == "-") return Val::of_int(x - y);
    if (op == "*") return Val::of_int(x * y);
    if (op == "/") return Val::of_int(x / y);
    if (op == "%") return Val::of_int(x % y);
    if (op == "&") return Val::of_int(x & y);
    if (op == "|") return Val::of_int(x | y);
    if (op == "^") return Val::of_int(x ^ y);
    if (op == "<<") return Val::of_int(static_cast<int64_t>(static_cast<uint64_t>(x) << (y & 63)));
    if (op == ">>") return Val::of_int(x >> (y & 63));
    fail("unknown operator " + op);
}

Val Ev::eval(const XExpr& e) {
    switch (e.kind) {
    case XKind::Int:
        return Val::of_int(e.i);
    case XKind::Bool:
        return Val::of_bool(e.i != 0);
    case XKind::Str:
        return Val::of_str(e.s);
    case XKind::Name:
        return name(e.s);
    case XKind::Call:
        return call(e);
    case XKind::Binary:
        return binary(e);
    case XKind::Unary: {
        int64_t v = num(e.kids[0]);
        if (e.s == "!") return Val::of_bool(v == 0);
        return Val::of_int(e.s == "-" ? -v : ~v);
    }
    }
    fail("bad expression");
}

Val Ev::page_fn(const std::string& f, const XExpr& e) {
    if (f == "same_frame") {
        bool four = e.kids.size() == 4;
        const Process& a = proc(num(e.kids[0]));
        uint64_t aa = static_cast<uint64_t>(num(e.kids[1 + (four ? 0 : 1)]));
        const Process& b = proc(num(e.kids[four ? 2 : 1]));
        uint64_t ba = four ? static_cast<uint64_t>(num(e.kids[3])) : aa;
        if (!four) aa = ba = static_cast<uint64_t>(num(e.kids[2]));
        uint64_t x = pfn_of(a, aa), y = pfn_of(b, ba);
        return Val::of_bool(x != 0 && x == y);
    }
    size_t r;
    size_t plain = f == "present_pages" || f == "resident_pages" || f == "kflag" ? 2 : 1;
    const Process& p = proc_arg(e, plain, r);
    uint64_t addr = static_cast<uint64_t>(num(e.kids[r]));
    if (f == "present_pages" || f == "resident_pages") {
        uint64_t len = static_cast<uint64_t>(num(e.kids[r + 1])), ps = page_size(), n = 0;
        for (uint64_t a = addr & ~(ps - 1); a < addr + len; a += ps) {
            if (!p.mapping_at(a) || !abi::pm_present(page(p, a).entry)) continue;
            n += f == "present_pages" || !is_zero_page(p, a);
        }
        return Val::of_int(static_cast<int64_t>(n));
    }
    if (f == "pfn") return Val::of_int(static_cast<int64_t>(pfn_of(p, addr)));
    const Page& pg = page(p, addr);
    if (f == "present") return Val::of_bool(abi::pm_present(pg.entry));
    if (f == "exclusive")
        return Val::of_bool(abi::pm_present(pg.entry) && abi::pm_exclusive(pg.entry));
    if (f == "file_page") return Val::of_bool(abi::pm_file_shared(pg.entry));
    const Page& kp = kpage(p, addr);
    if (f == "mapcount") return Val::of_int(kp.mapcount);
    if (f == "zero_page") return Val::of_bool(is_zero_page(p, addr));
    std::string flag = str(e.kids[r + 1]);
    for (const auto& fl : abi::kpageflag_table())
        if (fl.name == flag) return Val::of_bool((flags_of(p, addr) >> fl.bit) & 1);
    fail(fmt::format("unknown kpageflags name \"{}\"", flag));
}

Val Ev::mapping_fn(const std::string& f, const XExpr& e) {
    size_t r;
    if (f == "vma_count") {
        const Process& p = e.kids.empty() ? default_proc() : proc(num(e.kids[0]));
        return Val::of_int(static_cast<int64_t>(p.mappings.size()));
    }
    if (f == "kind_count" || f == "kind_kb") {
        const Process& p = proc_arg(e, f == "kind_kb" ? 2 : 1, r);
        std::string kind = str(e.kids[r]);
        std::string field = f == "kind_kb" ? str(e.kids[r + 1]) : "";
        int64_t n = 0;
        for (const auto& m : p.mappings)
            if (to_string(m.kind()) == kind)
                n += field.empty() ? 1 : static_cast<int64_t>(m.kb(field));
        return Val::of_int(n);
    }
    size_t plain = f == "smaps" || f == "vmflag" || f == "vmas" ? 2 : 1;
    const Process& p = proc_arg(e, plain, r);
    uint64_t addr = static_cast<uint64_t>(num(e.kids[r]));
    if (f == "mapped") return Val::of_bool(p.mapping_at(addr) != nullptr);
    if (f == "vmas") {
        uint64_t end = addr + static_cast<uint64_t>(num(e.kids[r + 1]));
        int64_t n = 0;
        for (const auto& m : p.mappings) n += m.start < end && m.end > addr;
        return Val::of_int(n);
    }
    const Mapping& m = mapping(p, addr);
    if (f == "rss_pages")
        return Val::of_int(static_cast<int64_t>(m.kb("Rss") * 1024 / page_size()));
    if (f == "perms") return Val::of_str(m.perms);
    if (f == "path") return Val::of_str(m.path);
    if (f == "vma_start") return Val::of_int(static_cast<int64_t>(m.start));
    if (f == "vma_size") return Val::of_int(static_cast<int64_t>(m.size()));
    std::string key = str(e.kids[r + 1]);
    if (f == "vmflag") return Val::of_bool(m.has_flag(key));
    const SmapsField* sf = m.field(key);
    if (!sf) fail(fmt::format("the kernel printed no smaps field \"{}\" for this mapping", key));
    if (sf->kb) return Val::of_int(static_cast<int64_t>(*sf->kb));
    return Val::of_int(std::atoll(sf->value.c_str()));
}

Val Ev::process_fn(const std::string& f, const XExpr& e) {
    if (f == "alive" || f == "term_signal") {
        int pid = static_cast<int>(num(e.kids[0]));
        const Process* p = snap->process(pid);
        if (!p) fail(fmt::format("no lab process {}", pid));
        if (f == "alive") return Val::of_bool(p->state == ProcState::Alive);
        return Val::of_int(p->state == ProcState::Killed ? p->term_signal : 0);
    }
    size_t r;
    const Process& p = proc_arg(e, f == "status" || f == "rollup" ? 1 : 0, r);
    if (f == "minflt") return Val::of_int(static_cast<int64_t>(p.minflt));
    if (f == "majflt") return Val::of_int(static_cast<int64_t>(p.majflt));
    std::string key = str(e.kids[r]);
    if (f == "rollup") return Val::of_int(static_cast<int64_t>(p.rollup_kb(key)));
    for (const auto& [k, v] : p.status)
        if (k == key) return Val::of_int(std::atoll(v.c_str()));
    fail(fmt::format("/proc/{}/status has no field {}", p.pid, key));
}

Val Ev::step_fn(const std::string& f, const XExpr& e) {
    if (!env.results) fail(f + "() needs the step's results");
    const auto& rs = *env.results;
    if (f == "step_us") return Val::of_int(static_cast<int64_t>(env.step_us));
    if (f == "result") {
        if (rs.empty()) fail("the step ran no statement");
        if (e.kids.empty()) return Val::of_int(rs.back().value);
        int64_t n = num(e.kids[0]);
        if (n < 1 || n > static_cast<int64_t>(rs.size()))
            fail(fmt::format("result({}): the step has {} statements", n, rs.size()));
        return Val::of_int(rs[static_cast<size_t>(n - 1)].value);
    }
    for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
        if (f == "errno" && it->err) return Val::of_int(it->err);
        if (f == "signal" && it->died && WIFSIGNALED(it->wait_status))
            return Val::of_int(WTERMSIG(it->wait_status));
        if (it->fault.sig == 0) continue;
        if (f == "signal") return Val::of_int(it->fault.sig);
        if (f == "si_code") return Val::of_int(it->fault.code);
        if (f == "fault_addr") return Val::of_int(static_cast<int64_t>(it->fault.addr));
    }
    if (f == "si_code" || f == "fault_addr") fail("no fault happened in this step");
    return Val::of_int(0);
}

Val Ev::file_fn(const std::string& f, const XExpr& e) {
    if (f == "thp_mode") return Val::of_str(snap->caps.thp);
    if (f == "mem" || f == "byte") {
        size_t r;
        const Process& p = proc_arg(e, f == "mem" ? 2 : 1, r);
        uint64_t addr = static_cast<uint64_t>(num(e.kids[r]));
        uint64_t len = f == "mem" ? static_cast<uint64_t>(num(e.kids[r + 1])) : 1;
        const Mapping& m = mapping(p, addr);
        Contents c;
        if (!read_contents(p.pid, m, addr, len, c)) fail("cannot read memory: " + c.note);
        for (bool present : c.page_present)
            if (!present)
                fail(fmt::format("a page of [{:#x}, +{}) is not present: reading it "
                                 "would fault it in",
                                 addr, len));
        if (f == "byte") return Val::of_int(c.mem.empty() ? 0 : c.mem[0]);
        return Val::of_str(std::string(c.mem.begin(), c.mem.end()));
    }
    std::string path = str(e.kids[0]);
    if (env.lab) path = env.lab->resolve_path(path);
    if (f == "file_size") {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) fail(fmt::format("no file {}", path));
        return Val::of_int(st.st_size);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(fmt::format("cannot open {}", path));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    if (e.kids.size() == 1) return Val::of_str(all);
    uint64_t off = static_cast<uint64_t>(num(e.kids[1]));
    uint64_t len = e.kids.size() > 2 ? static_cast<uint64_t>(num(e.kids[2])) : all.size();
    return Val::of_str(off >= all.size() ? std::string{} : all.substr(off, len));
}

Val Ev::call(const XExpr& e) {
    const std::string& f = e.s;
    if (f == "delta" || f == "before") {
        if (!env.before) fail(f + "() needs the snapshot from before the step");
        Ev b{env, env.before};
        Val old = b.eval(e.kids[0]);
        if (f == "before") return old;
        Val now = eval(e.kids[0]);
        if (old.kind == Val::Str || now.kind == Val::Str) fail("delta() of text");
        return Val::of_int(now.i - old.i);
    }
    if (f == "min" || f == "max") {
        int64_t a = num(e.kids[0]), b = num(e.kids[1]);
        return Val::of_int(f == "min" ? std::min(a, b) : std::max(a, b));
    }
    if (f == "len") return Val::of_int(static_cast<int64_t>(str(e.kids[0]).size()));
    static const char* const page_fns[] = {
        "present", "present_pages", "resident_pages", "exclusive", "file_page",
        "pfn",     "same_frame",    "mapcount",       "kflag",     "zero_page"};
    for (const char* n : page_fns)
        if (f == n) return page_fn(f, e);
    static const char* const proc_fns[] = {"status", "rollup", "minflt",
                                           "majflt", "alive",  "term_signal"};
    for (const char* n : proc_fns)
        if (f == n) return process_fn(f, e);
    static const char* const step_fns[] = {"errno",   "result",     "signal",
                                           "si_code", "fault_addr", "step_us"};
    for (const char* n : step_fns)
        if (f == n) return step_fn(f, e);
    if (f == "file" || f == "file_size" || f == "mem" || f == "byte" || f == "thp_mode")
        return file_fn(f, e);
    return mapping_fn(f, e);
}

} // namespace

bool evaluate(const XExpr& e, const EvalEnv& env, Val& out, std::string& why, bool& skipped) {
    skipped = false;
    if (!env.now) {
        why = "no snapshot";
        return false;
    }
    try {
        Ev ev{env, env.now};
        out = ev.eval(e);
        return true;
    } catch (const Fail& f) {
        why = f.msg;
        skipped = f.skip;
        return false;
    } catch (const std::exception& ex) {
        why = ex.what();
        return false;
    }
}

} // namespace mml::lesson
