// An owned file descriptor for the /proc readers, closed when it goes out of scope, and the
// full pread they all use (/proc files may return less than asked).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <unistd.h>

namespace mml {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    int get() const { return fd; }
    bool ok() const { return fd >= 0; }
};

// pread until `len` bytes are read or the file ends: the bytes read, or -errno on an error.
inline ssize_t pread_all(int fd, void* dst, size_t len, uint64_t off) {
    size_t done = 0;
    while (done < len) {
        const ssize_t n =
            ::pread(fd, static_cast<char*>(dst) + done, len - done, static_cast<off_t>(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

// Exactly `len` bytes at `off`, or false.
inline bool pread_exact(int fd, void* dst, size_t len, uint64_t off) {
    return pread_all(fd, dst, len, off) == static_cast<ssize_t>(len);
}

} // namespace mml
