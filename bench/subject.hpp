// The reference subject of the issue: 2,000 small VMAs (alternating protections, so they do
// not merge) and one 1 GiB private anonymous mapping with every other page written.
#pragma once

#include <sys/types.h>

namespace bench {

struct Subject {
    pid_t pid = 0;   // the process we forked (the parent of `child`)
    pid_t child = 0; // after fork: its child, every page then shared; else 0
};

// Starts the subject; with fork_too it forks once more once its memory is in place.
Subject start_subject(bool fork_too);
void stop_subject(const Subject& s);

} // namespace bench
