#!/usr/bin/env bash
# Builds and runs the PEER demo (examples/peer_demo.cpp): one process binds, one connects, they talk.
#   1. scripts/install-deps.sh (the reference libzmq is not needed)
#   2. builds target zmx_peer_demo in build/
#   3. starts `zmx_peer_demo bind tcp://127.0.0.1:*` in the background, reads its first line
#      "ENDPOINT <endpoint>" (polling with a deadline), then runs `zmx_peer_demo connect <endpoint>`
#      in the foreground, waits for both and fails if either failed.
# Env: ZMX_JOBS (default 2), ZMX_DEMO_TIMEOUT (seconds per process, default 60).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${ZMX_JOBS:-2}
limit=${ZMX_DEMO_TIMEOUT:-60}

bash scripts/install-deps.sh
cmake -S . -B build
cmake --build build --target zmx_peer_demo -j"$jobs"
demo=build/zmx_peer_demo

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zmx-demo.XXXXXX")
binder_pid=""
cleanup() {
  if [[ -n "$binder_pid" ]] && kill -0 "$binder_pid" 2>/dev/null; then
    kill "$binder_pid" 2>/dev/null || true
    wait "$binder_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "--- starting: $demo bind tcp://127.0.0.1:*"
# The binder's stdout goes to a file (read for the ENDPOINT line) and, prefixed, to the terminal;
# its stderr goes straight to ours.
timeout --kill-after=5 "$limit" "$demo" bind 'tcp://127.0.0.1:*' </dev/null \
  > >(tee "$tmp/bind.out" | sed -u 's/^/[bind]    /') &
binder_pid=$!

endpoint=""
deadline=$((SECONDS + 20))
while [[ -z "$endpoint" ]]; do
  if [[ -s "$tmp/bind.out" && $(wc -l <"$tmp/bind.out") -ge 1 ]]; then
    line=$(head -n1 "$tmp/bind.out")
    if [[ "$line" != "ENDPOINT "* ]]; then
      echo "demo: the binder's first line is not 'ENDPOINT ...': $line" >&2
      exit 1
    fi
    endpoint=${line#ENDPOINT }
    break
  fi
  if ! kill -0 "$binder_pid" 2>/dev/null; then
    rc=0; wait "$binder_pid" || rc=$?; binder_pid=""
    echo "demo: the binder exited (rc=$rc) before printing its endpoint" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "demo: no ENDPOINT line from the binder within 20 s" >&2
    exit 1
  fi
  sleep 0.02
done

echo "--- binder is on $endpoint; starting: $demo connect $endpoint"
connector_rc=0
timeout --kill-after=5 "$limit" "$demo" connect "$endpoint" </dev/null 2>&1 | sed -u 's/^/[connect] /' ||
  connector_rc=${PIPESTATUS[0]}
binder_rc=0
wait "$binder_pid" || binder_rc=$?
binder_pid=""
wait # let the binder's output filter drain

echo "--- binder rc=$binder_rc, connector rc=$connector_rc"
if [[ $binder_rc -ne 0 || $connector_rc -ne 0 ]]; then
  echo "demo: FAILED" >&2
  exit 1
fi
echo "demo: OK"
