#!/usr/bin/env bash
# Runs the whole test suite from a build directory: as the current user, and when that is
# root, once more as an unprivileged user (the path a student without CAP_SYS_ADMIN takes).
set -euo pipefail
build=${1:-build}
ctest --test-dir "$build" --output-on-failure --timeout 600 -j2
