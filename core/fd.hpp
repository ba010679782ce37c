// An owned file descriptor for the /proc readers: closed when it goes out of scope.
#pragma once

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

} // namespace mml
