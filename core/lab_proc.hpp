// One lab process as the Lab holds it (internal to core/: lab.cpp and lab_policy.cpp).
#pragma once

#include "lab.hpp"

#include <cstdint>
#include <memory>
#include <mutex>

namespace mml {

struct Lab::Proc {
    LabProcess info;
    int fd = -1;                      // the app's end of the command channel (under io)
    size_t max_message = kMaxMessage; // what the channel carries in one message
    std::mutex io;                    // one request at a time; never held with mu_ waiting
    std::unique_ptr<uint8_t[]> buf;   // reply buffer (kMaxMessage), allocated on first use
    int64_t maps_known = -1;          // mappings counted in /proc/PID/maps (-1: not yet)
    int64_t maps_growth = 0;          // most mappings added by requests since (under mu_)
};

} // namespace mml
