#!/usr/bin/env bash
# The README's second command: installs what is missing, then builds and runs every test: the
# release preset (unit + integration tests against the real binary), clang-format and clang-tidy,
# the asan preset (clang: the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, and
# the libFuzzer targets for a short bounded time, from one instrumented build) and the tsan
# preset (the unit tests that start threads, and the concurrency tests, under ThreadSanitizer, the
# server they start included).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --with-tests
jobs=$(nproc)
# Each stage says how long the run has taken so far, so a slow stage shows in the log.
stage() { echo "== $* ($SECONDS s)"; }

stage "release: build"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
# Every server a test starts (callgate, redis-server, nginx and its workers) must be gone when
# the tests are: what runs now is the baseline, anything new afterwards was left behind.
# (Zombies are not counted: a killed server's children wait a moment for init to reap them.)
started_by_tests() {
  ps -eo pid=,stat=,comm= |
    awk '$2 !~ /^Z/ && $3 ~ /^(callgate|redis-server|redis-sentinel|nginx|postgres)$/ { print $1 }' |
    sort
}
before=$(started_by_tests)
check_nothing_left() {
  sleep 1
  local left
  left=$(comm -13 <(echo "$before") <(started_by_tests) | grep . || true)
  if [[ -n $left ]]; then
    echo "the tests left processes running:"; ps -o pid,args -p "$(echo $left | tr ' ' ,)"
    exit 1
  fi
}

stage "release: all tests"
ctest --preset release -j"$jobs" --timeout 300
check_nothing_left

stage "tidy: clang-format, and clang-tidy on the files changed since .ci/tidy-baseline"
scripts/tidy.sh

stage "asan: build (clang, ASan + UBSan: the unit tests and the libFuzzer targets, one library)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
stage "asan: unit tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j"$jobs" --timeout 300

stage "fuzz: every libFuzzer target for 5 s (fuzz/run 600 runs them longer)"
fuzz/run 5

stage "tsan: build"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$jobs"
stage "tsan: the thread and concurrency tests"
ctest --preset tsan -j"$jobs" --timeout 600
check_nothing_left
stage "all passed"
