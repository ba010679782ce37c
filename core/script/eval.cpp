// The interpreter's expression evaluation: names, C integer and pointer arithmetic in bytes,
// casts, and byte loads and stores (p[i], *p) sent to the lab process as Load/Store requests.
#include "eval.hpp"

#include "constants.hpp"
#include "types.hpp"

#include <fmt/core.h>

namespace mml::script {

int64_t convert(std::string_view t, int64_t v) {
    if (is_pointer_type(t)) return v;
    if (is_char_type(t)) return v & 0xff;
    if (t == "int") return static_cast<int32_t>(static_cast<uint32_t>(v));
    if (t == "unsigned" || t == "unsigned int") return static_cast<uint32_t>(v);
    if (t == "short") return static_cast<int16_t>(static_cast<uint16_t>(v));
    if (t == "unsigned short") return static_cast<uint16_t>(v);
    if (t == "pid_t") return static_cast<int32_t>(static_cast<uint32_t>(v));
    return v;
}

bool Evaluator::fail(std::string msg) {
    r_.error = std::move(msg);
    return false;
}

std::string Evaluator::not_running() const {
    for (const LabProcess& p : lab_.processes()) {
        if (p.pid != pid_) continue;
        StepResult gone;
        gone.pid = pid_;
        gone.died = true;
        gone.wait_status = p.wait_status;
        return fmt::format("{} ({}) is not running: {}", pid_, p.name, gone.result_text());
    }
    return fmt::format("there is no lab process {}", pid_);
}

bool Evaluator::lab_call(const Request& req, Reply& reply) {
    if (!lab_.alive(pid_)) return fail(not_running());
    Outcome o = lab_.call(pid_, req);
    if (o.died) {
        r_.ran = true;
        r_.died = true;
        r_.wait_status = o.wait_status;
        return false;
    }
    if (!o.delivered)
        return fail(o.error.empty() ? fmt::format("process {} did not answer", pid_) : o.error);
    r_.ran = true;
    r_.err = o.reply.err;
    if (o.reply.fault.sig != 0) {
        r_.fault = o.reply.fault;
        return false;
    }
    reply = std::move(o.reply);
    return true;
}

bool Evaluator::eval(const Expr& e, Val& out) {
    out = Val{};
    switch (e.kind) {
    case ExprKind::Int:
        out.type = literal_type(e.value, e.text);
        out.v = e.value;
        return true;
    case ExprKind::Char:
        out.type = "char";
        out.v = e.value;
        return true;
    case ExprKind::String:
        out.type = "const char *";
        out.is_string = true;
        out.text = e.text;
        return true;
    case ExprKind::Name:
        return name(e, out);
    case ExprKind::Call:
        return call(e, out);
    case ExprKind::Unary:
        return unary(e, out);
    case ExprKind::Binary:
        return binary(e, out);
    case ExprKind::Cast: {
        if (!eval(e.kids[0], out)) return false;
        out.type = e.text;
        out.v = convert(e.text, out.v);
        return true;
    }
    case ExprKind::Index:
        break;
    }
    uint64_t addr = 0;
    return address(e, addr) && load(addr, out);
}

bool Evaluator::name(const Expr& e, Val& out) {
    if (auto it = vars_.find(e.text); it != vars_.end()) {
        out.type = it->second.type;
        out.v = it->second.v;
        out.is_string = it->second.is_string;
        out.text = it->second.text;
        return true;
    }
    if (constant_value(e.text, out.v, &out.type)) return true;
    return fail(fmt::format("unknown name '{}'", e.text));
}

bool Evaluator::address(const Expr& e, uint64_t& addr) {
    Val base, off;
    if (!eval(e.kids[0], base)) return false;
    if (!is_pointer_type(base.type) || base.is_string)
        return fail(fmt::format("cannot {} a value of type {}",
                                e.kind == ExprKind::Index ? "index" : "dereference", base.type));
    if (e.kind == ExprKind::Index) {
        if (!eval(e.kids[1], off)) return false;
        if (is_pointer_type(off.type)) return fail("an index must be an integer");
    }
    addr = static_cast<uint64_t>(base.v) + static_cast<uint64_t>(off.v);
    return true;
}

bool Evaluator::load(uint64_t addr, Val& out) {
    Request req;
    req.op = Op::Load;
    req.a[0] = addr;
    req.a[1] = 1;
    Reply rep;
    if (!lab_call(req, rep)) return false;
    if (rep.data.empty()) return fail("the lab process returned no byte");
    out = Val{};
    out.type = "char";
    out.v = rep.data[0];
    return true;
}

bool Evaluator::store(const Expr& lhs, const Val& v) {
    uint64_t addr = 0;
    if (!address(lhs, addr)) return false;
    Request req;
    req.op = Op::Store;
    req.a[0] = addr;
    req.data.push_back(static_cast<uint8_t>(v.v & 0xff));
    Reply rep;
    return lab_call(req, rep);
}

bool Evaluator::unary(const Expr& e, Val& out) {
    if (e.text == "*") {
        uint64_t addr = 0;
        return address(e, addr) && load(addr, out);
    }
    Val k;
    if (!eval(e.kids[0], k)) return false;
    auto u = static_cast<uint64_t>(k.v);
    out.type = is_char_type(k.type) || e.text == "!" ? "int" : k.type;
    if (e.text == "-") out.v = static_cast<int64_t>(0 - u);
    if (e.text == "~") out.v = static_cast<int64_t>(~u);
    if (e.text == "!") out.v = k.v == 0;
    out.v = convert(out.type, out.v);
    return true;
}

bool Evaluator::binary(const Expr& e, Val& out) {
    Val l, r;
    if (!eval(e.kids[0], l) || !eval(e.kids[1], r)) return false;
    std::string why;
    out.type = binary_result_type(e.text, l.type, r.type, why);
    if (out.type.empty()) return fail(why);
    auto a = static_cast<uint64_t>(l.v), b = static_cast<uint64_t>(r.v);
    const std::string& op = e.text;
    uint64_t v = 0;
    if (op == "+") v = a + b;
    if (op == "-") v = a - b;
    if (op == "*") v = a * b;
    if (op == "&") v = a & b;
    if (op == "|") v = a | b;
    if (op == "^") v = a ^ b;
    if (op == "/" || op == "%") {
        if (r.v == 0) return fail("division by zero");
        if (l.v == INT64_MIN && r.v == -1) return fail("division overflows 64 bits");
        v = static_cast<uint64_t>(op == "/" ? l.v / r.v : l.v % r.v);
    }
    if (op == "<<" || op == ">>") {
        if (r.v < 0 || r.v > 63) return fail(fmt::format("shift count {} is out of range", r.v));
        v = op == "<<" ? a << r.v : static_cast<uint64_t>(l.v >> r.v);
    }
    out.v = convert(out.type, static_cast<int64_t>(v));
    return true;
}

bool Evaluator::args(const Expr& call, std::vector<Val>& out) {
    out.resize(call.kids.size());
    for (size_t i = 0; i < call.kids.size(); ++i)
        if (!eval(call.kids[i], out[i])) return false;
    return true;
}

} // namespace mml::script
