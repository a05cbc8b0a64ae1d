#!/usr/bin/env bash
# Runs one interop pairing: a binder and a connector (see interop/libzmq_node.c for the protocol).
#
#   run_pair.sh <binder-cmd...> -- <connector-cmd...>
#
# The binder runs first; its first stdout line must be "ENDPOINT <endpoint>" (read with a deadline,
# polling a temp file, no fixed sleep). The connector then runs with every literal argument
# "@ENDPOINT@" replaced by that endpoint. Both must exit 0 within the overall timeout.
# Env: ZMX_PAIR_TIMEOUT (seconds for the whole pair, default 120), ZMX_ENDPOINT_TIMEOUT (default 20).
set -euo pipefail

usage() { echo "usage: run_pair.sh <binder-cmd...> -- <connector-cmd...>" >&2; exit 2; }

binder=()
while [[ $# -gt 0 && "$1" != "--" ]]; do binder+=("$1"); shift; done
[[ $# -gt 0 ]] || usage
shift
connector=("$@")
[[ ${#binder[@]} -gt 0 && ${#connector[@]} -gt 0 ]] || usage

total=${ZMX_PAIR_TIMEOUT:-120}
ep_timeout=${ZMX_ENDPOINT_TIMEOUT:-20}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zmx-pair.XXXXXX")
# The nodes' temporary files ("ipc://*" directories: libzmq puts them in $TMPDIR, else in the working
# directory) go to this run's directory, which is removed at the end even if a node failed.
export TMPDIR=$tmp
binder_pid=""
cleanup() {
  if [[ -n "$binder_pid" ]] && kill -0 "$binder_pid" 2>/dev/null; then
    kill "$binder_pid" 2>/dev/null || true
    wait "$binder_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

show() { # name file
  echo "----- $1 -----"
  cat "$2" 2>/dev/null || true
}

start=$SECONDS
# `timeout` kills the binder if the pair overruns; its output goes to files we print at the end.
timeout --kill-after=5 "$total" "${binder[@]}" >"$tmp/binder.out" 2>"$tmp/binder.err" </dev/null &
binder_pid=$!

# Wait for the ENDPOINT line: poll in 20 ms steps up to the deadline, and stop early if the binder died.
endpoint=""
deadline=$((SECONDS + ep_timeout))
while :; do
  # only a complete line counts (the newline is written last)
  if [[ -s "$tmp/binder.out" && $(wc -l <"$tmp/binder.out") -ge 1 ]]; then
    line=$(head -n1 "$tmp/binder.out")
    if [[ "$line" == "ENDPOINT "* ]]; then
      endpoint=${line#ENDPOINT }
      break
    fi
  fi
  if ! kill -0 "$binder_pid" 2>/dev/null; then
    # one last look, the line may have arrived just before exit
    line=$(head -n1 "$tmp/binder.out" 2>/dev/null || true)
    if [[ "$line" == "ENDPOINT "* ]]; then endpoint=${line#ENDPOINT }; break; fi
    break
  fi
  if ((SECONDS >= deadline)); then break; fi
  sleep 0.02
done

if [[ -z "$endpoint" ]]; then
  echo "run_pair: binder printed no ENDPOINT line within ${ep_timeout}s: ${binder[*]}" >&2
  kill "$binder_pid" 2>/dev/null || true
  wait "$binder_pid" 2>/dev/null || true
  binder_pid=""
  show "binder stdout" "$tmp/binder.out"
  show "binder stderr" "$tmp/binder.err"
  exit 1
fi

args=()
for a in "${connector[@]}"; do args+=("${a//@ENDPOINT@/$endpoint}"); done

remaining=$((total - (SECONDS - start)))
((remaining > 1)) || remaining=1
connector_rc=0
timeout --kill-after=5 "$remaining" "${args[@]}" >"$tmp/connector.out" 2>"$tmp/connector.err" </dev/null ||
  connector_rc=$?

# If the connector failed the binder is probably waiting for it: give it a short grace to finish or
# report on its own (its RCVTIMEO is 10 s), then stop it rather than waiting for that timeout.
if [[ $connector_rc -ne 0 ]]; then
  grace=$((SECONDS + 3))
  while kill -0 "$binder_pid" 2>/dev/null && ((SECONDS < grace)); do sleep 0.05; done
  if kill -0 "$binder_pid" 2>/dev/null; then
    echo "run_pair: connector failed; stopping the binder" >&2
    kill "$binder_pid" 2>/dev/null || true
  fi
fi
binder_rc=0
wait "$binder_pid" || binder_rc=$?
binder_pid=""

echo "run_pair: endpoint $endpoint, $((SECONDS - start)) s"
echo "run_pair: binder    (rc=$binder_rc): ${binder[*]}"
echo "run_pair: connector (rc=$connector_rc): ${args[*]}"
show "binder stdout" "$tmp/binder.out"
show "binder stderr" "$tmp/binder.err"
show "connector stdout" "$tmp/connector.out"
show "connector stderr" "$tmp/connector.err"

for which in binder connector; do
  rc_var=${which}_rc
  rc=${!rc_var}
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "run_pair: $which timed out (rc=$rc)" >&2
  fi
done
if [[ $binder_rc -ne 0 || $connector_rc -ne 0 ]]; then
  echo "run_pair: FAILED (binder rc=$binder_rc, connector rc=$connector_rc)" >&2
  exit 1
fi
echo "run_pair: PASSED"
