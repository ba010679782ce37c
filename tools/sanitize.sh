#!/usr/bin/env bash
# Builds the core and its unit and lab tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (Debug, no GUI, no benchmarks; the lab process itself stays unsanitized so its maps stay
# small) in a build dir of their own, then runs those tests there.
# Usage: tools/sanitize.sh [BUILD_DIR]   (default: build-asan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-asan}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMMAPLAB_SANITIZE=ON \
    -DMMAPLAB_BUILD_APP=OFF -DMMAPLAB_BUILD_BENCH=OFF -DMMAPLAB_TOOL_TESTS=OFF >/dev/null
cmake --build "$build" | grep -v '^\[' || true
# The unprivileged re-runs (as_nobody) are the same code; they are left to the normal build.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" -E 'as_nobody' -j2 --output-on-failure --timeout 600
