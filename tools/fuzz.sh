#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in a build dir of their own and runs each for
# a bounded time on its kept corpus (tests/fuzz/corpus/<target>), printing the executions.
# Usage: tools/fuzz.sh [BUILD_DIR] [SECONDS]   (defaults: build-fuzz, $FUZZ_SECONDS or 20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
secs=${2:-${FUZZ_SECONDS:-20}}
targets=(maps smaps pagemap script lesson)

command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (apt-get install clang)"; exit 1; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    -DMMAPLAB_FUZZ=ON -DMMAPLAB_BUILD_APP=OFF -DMMAPLAB_BUILD_TESTS=OFF \
    -DMMAPLAB_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}" | grep -v '^\[' || true

# New inputs go to a scratch corpus (removed afterwards); the kept corpus is only read.
work=$(mktemp -d "${TMPDIR:-/tmp}/mmaplab-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    log="$work/$t.log"
    dict=()
    [ -f "$root/tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/tests/fuzz/fuzz_$t" "$work/$t" "$root/tests/fuzz/corpus/$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$work/$t-" "${dict[@]}" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "fuzz_$t: ${runs:-?} executions in ${secs} s, no crash"
    else
        failed=1
        mkdir -p "$build/crashes"
        cp "$work/$t"-* "$build/crashes/" 2>/dev/null || true
        echo "fuzz_$t: FAILED (inputs kept in $build/crashes)"
        grep -A40 -m1 -E 'ERROR: |runtime error|deadly signal|Abort' "$log" || tail -40 "$log"
    fi
done
exit $failed
