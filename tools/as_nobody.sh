#!/usr/bin/env bash
# Runs a test binary as the unprivileged user `nobody` (no capabilities, own HOME and TMPDIR),
# the path a student without CAP_SYS_ADMIN takes. Exit 77 (skipped) when we are not root.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "not root: the unprivileged run is the normal run here"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv (util-linux) is missing"; exit 1; }
home=$(mktemp -d /tmp/mmaplab-nobody-XXXXXX)
trap 'rm -rf "$home"' EXIT
chown nobody:nogroup "$home"
chmod 0700 "$home"
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
    env -u XAUTHORITY -u DISPLAY -u WAYLAND_DISPLAY HOME="$home" TMPDIR="$home" XDG_CONFIG_HOME="$home/.config" "$@"
