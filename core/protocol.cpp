// Serialisation of lab-process requests and replies into single SOCK_SEQPACKET messages.
// Layout: a fixed little header of host-order integers, then the text, then the data bytes.
#include "protocol.hpp"

#include <cstring>

namespace mml {

namespace {

// Fixed part of a request message.
struct RequestHeader {
    uint32_t magic;
    uint32_t op;
    uint32_t text_len;
    uint32_t data_len;
    uint64_t a[kMaxArgs];
};

// Fixed part of a reply message.
struct ReplyHeader {
    uint32_t magic;
    int32_t err;
    int64_t ret;
    int32_t sig;
    int32_t code;
    uint64_t addr;
    uint32_t write;
    uint32_t data_len;
};

constexpr uint32_t kRequestMagic = 0x6d6d6c51; // "mmlQ"
constexpr uint32_t kReplyMagic = 0x6d6d6c52;   // "mmlR"

static_assert(sizeof(RequestHeader) <= kMessageHeader);
static_assert(sizeof(ReplyHeader) <= kMessageHeader);

constexpr uint32_t kLastOp = static_cast<uint32_t>(Op::SetCrash);

} // namespace

const char* op_name(Op op) {
    switch (op) {
    case Op::Ping:
        return "ping";
    case Op::Open:
        return "open";
    case Op::WriteFd:
        return "write";
    case Op::PreadFd:
        return "pread";
    case Op::Ftruncate:
        return "ftruncate";
    case Op::Close:
        return "close";
    case Op::ShmOpen:
        return "shm_open";
    case Op::ShmUnlink:
        return "shm_unlink";
    case Op::Unlink:
        return "unlink";
    case Op::Mmap:
        return "mmap";
    case Op::Munmap:
        return "munmap";
    case Op::Mprotect:
        return "mprotect";
    case Op::Msync:
        return "msync";
    case Op::Madvise:
        return "madvise";
    case Op::Mremap:
        return "mremap";
    case Op::Mlock:
        return "mlock";
    case Op::Munlock:
        return "munlock";
    case Op::Load:
        return "load";
    case Op::Store:
        return "store";
    case Op::Fill:
        return "fill";
    case Op::TouchRead:
        return "touch_read";
    case Op::TouchWrite:
        return "touch_write";
    case Op::Fork:
        return "fork";
    case Op::Exit:
        return "exit";
    case Op::SetVmaName:
        return "set_vma_name";
    case Op::SetCrash:
        return "set_crash";
    }
    return "unknown";
}

std::vector<uint8_t> encode(const Request& r) {
    RequestHeader h{};
    h.magic = kRequestMagic;
    h.op = static_cast<uint32_t>(r.op);
    h.text_len = static_cast<uint32_t>(r.text.size());
    h.data_len = static_cast<uint32_t>(r.data.size());
    std::memcpy(h.a, r.a, sizeof h.a);
    std::vector<uint8_t> out(sizeof h + r.text.size() + r.data.size());
    std::memcpy(out.data(), &h, sizeof h);
    if (!r.text.empty()) std::memcpy(out.data() + sizeof h, r.text.data(), r.text.size());
    if (!r.data.empty())
        std::memcpy(out.data() + sizeof h + r.text.size(), r.data.data(), r.data.size());
    return out;
}

bool decode(const uint8_t* p, size_t n, Request& out) {
    RequestHeader h;
    if (p == nullptr || n < sizeof h) return false;
    std::memcpy(&h, p, sizeof h);
    if (h.magic != kRequestMagic || h.op < 1 || h.op > kLastOp) return false;
    if (uint64_t{h.text_len} + h.data_len != n - sizeof h) return false;
    out.op = static_cast<Op>(h.op);
    std::memcpy(out.a, h.a, sizeof h.a);
    const uint8_t* text = p + sizeof h;
    out.text.assign(reinterpret_cast<const char*>(text), h.text_len);
    out.data.assign(text + h.text_len, text + h.text_len + h.data_len);
    return true;
}

std::vector<uint8_t> encode(const Reply& r) {
    ReplyHeader h{};
    h.magic = kReplyMagic;
    h.err = r.err;
    h.ret = r.ret;
    h.sig = r.fault.sig;
    h.code = r.fault.code;
    h.addr = r.fault.addr;
    h.write = r.fault.write ? 1 : 0;
    h.data_len = static_cast<uint32_t>(r.data.size());
    std::vector<uint8_t> out(sizeof h + r.data.size());
    std::memcpy(out.data(), &h, sizeof h);
    if (!r.data.empty()) std::memcpy(out.data() + sizeof h, r.data.data(), r.data.size());
    return out;
}

bool decode(const uint8_t* p, size_t n, Reply& out) {
    ReplyHeader h;
    if (p == nullptr || n < sizeof h) return false;
    std::memcpy(&h, p, sizeof h);
    if (h.magic != kReplyMagic || h.data_len != n - sizeof h) return false;
    out.ret = h.ret;
    out.err = h.err;
    out.fault.sig = h.sig;
    out.fault.code = h.code;
    out.fault.addr = h.addr;
    out.fault.write = h.write != 0;
    out.data.assign(p + sizeof h, p + n);
    return true;
}

} // namespace mml
