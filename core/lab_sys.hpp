// Low-level helpers of the Lab (internal to core/): starting executables on a given channel
// fd, command-channel sockets with fd passing, and paths of lab files and shm objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mml::labsys {

// Starts `argv[0]` with `channel` as fd 3 (kChannelFd), /dev/null as stdin, stdout and stderr
// (a lab process must not write or truncate what the app's output goes to), a clean signal
// mask and default dispositions, in directory `cwd` (empty: inherit); with `own_group` in a
// new process group (so a terminal's Ctrl-C meant for the app does not reach it). Returns
// the pid, or -errno.
int start(const std::vector<std::string>& argv, int channel, const std::string& cwd,
          bool own_group);

// A connected SOCK_SEQPACKET pair (close-on-exec) whose send buffers take one full message.
// Returns false with errno set.
bool channel_pair(int fds[2]);
// Largest message this socket can send in one piece.
size_t max_message(int fd);

// Sends one message, passing `pass_fd` with SCM_RIGHTS when >= 0. Returns 0 or an errno.
int send_message(int fd, const std::vector<uint8_t>& msg, int pass_fd);
// Waits up to `ms` for `fd` to be readable (or closed). 1 when it is, 0 on timeout or a signal.
int wait_readable(int fd, int ms);
// Receives one message into buf (cap bytes). Returns bytes (> 0), 0 when the peer closed,
// or -errno.
long receive_message(int fd, uint8_t* buf, size_t cap);

// "/dev/shm/NAME" for a POSIX shm name ("/NAME" or "NAME"); empty when it is not one.
std::string shm_file(const std::string& name);
bool exists(const std::string& path);
// The directory holding the running executable (from /proc/self/exe).
std::string exe_dir();
// A new private directory "mmaplab-XXXXXX" (mode 0700) under $TMPDIR or /tmp; "" on error.
std::string make_temp_dir(std::string* error);
// Removes a directory tree without following symbolic links.
void remove_tree(const std::string& path);

} // namespace mml::labsys
