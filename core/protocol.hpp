// The wire format between the app (Lab) and a lab process (mmaplab-subject): one request,
// one reply, each a single SOCK_SEQPACKET message. Plain structs, no pointers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mml {

enum class Op : uint32_t {
    Ping = 1,
    Open,       // a[0]=flags a[1]=mode, text=path -> fd
    WriteFd,    // a[0]=fd, data=bytes -> bytes written
    PreadFd,    // a[0]=fd a[1]=offset a[2]=len -> data
    Ftruncate,  // a[0]=fd a[1]=length
    Close,      // a[0]=fd
    ShmOpen,    // a[0]=flags a[1]=mode, text=name -> fd
    ShmUnlink,  // text=name
    Unlink,     // text=path
    Mmap,       // a[0]=addr a[1]=len a[2]=prot a[3]=flags a[4]=fd a[5]=offset -> address
    Munmap,     // a[0]=addr a[1]=len
    Mprotect,   // a[0]=addr a[1]=len a[2]=prot
    Msync,      // a[0]=addr a[1]=len a[2]=flags
    Madvise,    // a[0]=addr a[1]=len a[2]=advice
    Mremap,     // a[0]=old a[1]=oldlen a[2]=newlen a[3]=flags a[4]=newaddr -> address
    Mlock,      // a[0]=addr a[1]=len
    Munlock,    // a[0]=addr a[1]=len
    Load,       // a[0]=addr a[1]=len -> data (bytes read, a fault stops it), ret = data size
    Store,      // a[0]=addr, data=bytes -> bytes stored before a fault (all when none)
    Fill,       // a[0]=addr a[1]=len a[2]=byte -> bytes filled before a fault
    TouchRead,  // a[0]=addr a[1]=len: read one byte of every page -> sum of bytes
    TouchWrite, // a[0]=addr a[1]=len a[2]=byte [a[3]=stride]: one byte at every page (or stride)
                //   -> pages written before a fault
    Fork,       // fd passed with SCM_RIGHTS is the child's channel -> child pid
    Exit,       // a[0]=status
    SetVmaName, // a[0]=addr a[1]=len, text=name (prctl PR_SET_VMA_ANON_NAME)
    SetCrash,   // a[0]=1: let SIGSEGV/SIGBUS kill the process; 0: catch and report
};

const char* op_name(Op op);

// How the memory-access ops touch memory (Load, Store, Fill, TouchRead, TouchWrite):
// - Load and Store: one volatile byte access at a time, from a[0] upwards.
// - Fill: volatile bytes up to 8-byte alignment, then volatile 8-byte stores, then bytes
//   (a page boundary never splits a store, so the fault address is exact).
// - TouchRead/TouchWrite: one volatile byte at a[0], then at the start of every following
//   page that begins before a[0] + a[1] (TouchWrite with a[3] > page size: every a[3] bytes,
//   rounded up to whole pages).
// A SIGSEGV/SIGBUS during the access is caught: Reply::fault holds it, err stays 0, ret and
// data describe the work done before the fault, and the process keeps serving. After
// SetCrash(1) the signal kills the process instead (Outcome::died).
// Everything else is passed to the kernel exactly as given; ret is the syscall's result and
// err its errno when it returned -1 (Mmap/Mremap return the address, -1 for MAP_FAILED).

// The lab process serves its command channel on this descriptor (argv: "serve APP_PID").
inline constexpr int kChannelFd = 3;

inline constexpr size_t kMaxArgs = 6;
inline constexpr size_t kMaxMessage = 1 << 20; // one message, header included
inline constexpr size_t kMessageHeader = 64;   // fixed part of every message (at most)
inline constexpr size_t kMaxPayload = kMaxMessage - kMessageHeader; // Load len, Store data

struct Request {
    Op op = Op::Ping;
    uint64_t a[kMaxArgs] = {};
    std::string text;          // a path or a name
    std::vector<uint8_t> data; // bytes to write
};

// A fault caught while serving a request.
struct FaultInfo {
    int sig = 0;         // SIGSEGV or SIGBUS; 0 = none
    int code = 0;        // si_code
    uint64_t addr = 0;   // si_addr
    bool write = false;  // the access that caused it was a write
};

struct Reply {
    int64_t ret = 0;           // result value (-1 on failure for syscalls)
    int err = 0;               // errno when the call failed, else 0
    FaultInfo fault;           // a caught SIGSEGV/SIGBUS, if any
    std::vector<uint8_t> data; // bytes read
};

// Serialisation into one message (little-endian host layout; both ends are the same binary family).
std::vector<uint8_t> encode(const Request& r);
bool decode(const uint8_t* p, size_t n, Request& out);
std::vector<uint8_t> encode(const Reply& r);
bool decode(const uint8_t* p, size_t n, Reply& out);

} // namespace mml
