// An orderly stop on SIGHUP, SIGINT and SIGTERM (terminal closed, Ctrl-C, kill): the handler only
// records the signal; the Lab stops waiting for lab processes and refuses new requests, the
// script runner stops between statements, and the caller returns normally so ~Lab cleans up.
#pragma once

namespace mml::stop {

// Installs the handlers (one-shot: a second signal of the same kind kills at once, and the
// janitor then cleans up). Call once from main, before threads start.
void install();
// The signal that asked mmaplab to stop, 0 when none. Async-signal-safe.
int signal_received();
// Records `sig` as if it had been received (async-signal-safe); 0 clears it (tests).
void request(int sig);
// After cleaning up: dies of the recorded signal (default action) so the parent sees it;
// returns when there is none.
void reraise();

} // namespace mml::stop
