#!/usr/bin/env bash
# The one command that installs, builds and runs the whole zmx suite (CI runs it through .ci/run):
#   1. scripts/install-deps.sh          Debian packages (skips apt when all are installed)
#   2. scripts/build-libzmq.sh          reference libzmq 4.3.4 + drafts, cached in ~/.cache/zmx
#   3. build/       -DZMX_WERROR=ON, then ctest
#   4. build-asan/  -DZMX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug (ASan + UBSan, leaks on), then ctest
# Both trees are always built and tested; the script fails at the end if either did. The last line
# is "N passed, N failed" over both ctest runs (a tree that failed to configure or build counts as
# one failed test, so a broken build never reads as "0 failed").
# Env: ZMX_JOBS (default 2), ZMX_CACHE_DIR (libzmq cache), ZMX_SKIP_ASAN=1 (local quick runs only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${ZMX_JOBS:-2}
t0=$SECONDS

phase() { echo; echo "=== $* ($((SECONDS - t0)) s)"; }

phase "install-deps"
bash scripts/install-deps.sh

phase "reference libzmq"
libzmq_out=$(bash scripts/build-libzmq.sh)
prefix=$(tail -n1 <<<"$libzmq_out")
[[ -n "$prefix" && -f "$prefix/lib/libzmq.so" ]] || { echo "test.sh: build-libzmq.sh gave no usable prefix" >&2; exit 1; }
echo "reference libzmq: $prefix"

total_passed=0
total_failed=0
status=0
summaries=()

# run_tree <dir> <label> <cmake args...>: configure, build, ctest; never exits, updates the totals.
run_tree() {
  local dir=$1 label=$2
  shift 2
  local log="$dir/ctest-output.log"
  phase "$label: configure $dir"
  if ! cmake -S . -B "$dir" -DZMX_LIBZMQ_PREFIX="$prefix" "$@"; then
    summaries+=("$label: configure FAILED")
    total_failed=$((total_failed + 1)); status=1
    return 0
  fi
  phase "$label: build"
  if ! cmake --build "$dir" -j"$jobs"; then
    summaries+=("$label: build FAILED")
    total_failed=$((total_failed + 1)); status=1
    return 0
  fi
  phase "$label: ctest"
  local rc=0
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" 2>&1 | tee "$log" || rc=$?
  # "100% tests passed, 0 tests failed out of 12" / "92% tests passed, 1 tests failed out of 12"
  local line passed=0 failed=0 total
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ -n "$line" ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((total - failed))
  elif grep -q 'No tests were found' "$log"; then
    passed=0; failed=0
  else
    failed=1 # ctest crashed or printed no summary
  fi
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
  if [[ $failed -ne 0 ]]; then status=1; fi
  summaries+=("$label: $passed passed, $failed failed")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  return 0
}

run_tree build "main tree" -DZMX_WERROR=ON

if [[ "${ZMX_SKIP_ASAN:-0}" == 1 && "${CI:-}" != true ]]; then
  summaries+=("sanitizer tree: skipped (ZMX_SKIP_ASAN=1)")
else
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  run_tree build-asan "sanitizer tree" -DZMX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DZMX_WERROR=OFF
fi

phase "summary"
for s in "${summaries[@]}"; do echo "  $s"; done
echo "total time $((SECONDS - t0)) s"
echo "$total_passed passed, $total_failed failed"
exit $status
