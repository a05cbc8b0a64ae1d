#!/usr/bin/env bash
# Runs one scripted interop scenario between a binder and a connector (libzmq_scenario / zmx_scenario,
# see the comment at the top of interop/libzmq_scenario.c for their commands).
#
#   run_scenario.sh <scenario> <binder-cmd...> -- <connector-cmd...>
#
# A binder command is "<exe> <type> bind <endpoint> [options]"; a connector command has the literal
# argument "@ENDPOINT@" where the binder's ENDPOINT goes. "@TMP@" in any argument becomes this run's
# private temporary directory (for ipc paths a restarted binder can bind again).
#
# Each node reads commands from a FIFO on its stdin and answers each with one line on stdout; the
# script waits for every answer with a deadline (polling the node's output file in 20 ms steps and
# stopping early if the node died) — no fixed sleeps anywhere.
#
# Scenarios:
#   restart-binder       the connector streams to the echoing binder; mid-stream the binder gets SIGKILL
#                        and a new binder process binds the same endpoint; the connector must reconnect
#                        on its own (monitor: HANDSHAKE_SUCCEEDED after DISCONNECTED) and everything it
#                        sends after that must come back. Two rounds.
#   stop-binder          after an exchange and 300 ms more without DISCONNECTED (a few heartbeat
#                        intervals: PINGs have crossed both ways) the binder is frozen with SIGSTOP; the
#                        connector must see DISCONNECTED within 5 s (heartbeats), then the binder is
#                        killed.
#   stop-connector       the same with the roles swapped: the binder must see DISCONNECTED.
#   stop-binder-kept     control for stop-binder: with no heartbeats, a frozen binder is NOT dropped
#                        within 1.5 s (TCP alone cannot tell).
#   idle                 exchange, 1 s idle (no DISCONNECTED on either side's monitor), exchange again,
#                        still no DISCONNECTED on either side.
# Env: ZMX_SCENARIO_TIMEOUT (seconds for the whole run, default 90), ZMX_SCENARIO_DISCONNECT_MS (the
# stop-* deadline for DISCONNECTED after the freeze, default 5000).
set -euo pipefail
trap '' PIPE # a write to a dead node's FIFO fails (checked) instead of killing the script

usage() { echo "usage: run_scenario.sh <scenario> <binder-cmd...> -- <connector-cmd...>" >&2; exit 2; }

[[ $# -gt 0 ]] || usage
scenario=$1
shift
binder_cmd=()
while [[ $# -gt 0 && "$1" != "--" ]]; do binder_cmd+=("$1"); shift; done
[[ $# -gt 0 ]] || usage
shift
connector_cmd=("$@")
[[ ${#binder_cmd[@]} -ge 4 && ${#connector_cmd[@]} -ge 4 ]] || usage

total=${ZMX_SCENARIO_TIMEOUT:-90}
disconnect_ms=${ZMX_SCENARIO_DISCONNECT_MS:-5000}
start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zmx-scn.XXXXXX")
# The nodes' temporary files ("ipc://*" directories: libzmq puts them in $TMPDIR, else in the working
# directory) go to this run's directory, which is removed at the end even if a node was killed.
export TMPDIR=$tmp

declare -A PID=() FD=() LINE=()
nodes=() # names in start order, for the report

report() {
  local n
  for n in "${nodes[@]}"; do
    echo "----- $n: ${CMDLINE[$n]} -----"
    echo "--- stdout:"
    cat "$tmp/$n.out" 2>/dev/null || true
    echo "--- stderr:"
    cat "$tmp/$n.err" 2>/dev/null || true
  done
}

declare -A CMDLINE=()
finished=0
close_fd() { # NAME: closes the script's end of the node's FIFO (the node then reads end of input)
  local fd=${FD[$1]:-}
  if [[ -n "$fd" ]]; then exec {fd}>&- || true; fi
  FD[$1]=""
}
cleanup() {
  set +e # clean up whatever happens (the report may hit a closed stdout)
  local n
  for n in "${nodes[@]}"; do
    close_fd "$n"
    if [[ -n "${PID[$n]:-}" ]] && kill -0 "${PID[$n]}" 2>/dev/null; then
      kill -KILL "${PID[$n]}" 2>/dev/null || true
      wait "${PID[$n]}" 2>/dev/null || true
    fi
  done
  if [[ $finished -eq 0 ]]; then
    echo "run_scenario: $scenario FAILED after $((SECONDS - start)) s" >&2
    report
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # still clean up (a node frozen with SIGSTOP must not outlive the run)

die() {
  echo "run_scenario: $*" >&2
  exit 1
}

subst() { # replaces @TMP@ and @ENDPOINT@ ($1) in the remaining args; result in the array SUBST
  local ep=$1 a
  shift
  SUBST=()
  for a in "$@"; do
    a=${a//@TMP@/$tmp}
    SUBST+=("${a//@ENDPOINT@/$ep}")
  done
}

# start NAME CMD... : runs CMD with stdin from a FIFO (kept open by this script), stdout/stderr to files.
start_node() {
  local name=$1
  shift
  mkfifo "$tmp/$name.in"
  "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  PID[$name]=$!
  LINE[$name]=0
  CMDLINE[$name]="$*"
  nodes+=("$name")
  local fd
  exec {fd}>"$tmp/$name.in" # returns once the node's side of the FIFO is open
  FD[$name]=$fd
}

send() { # NAME COMMAND...
  echo "$2" >&"${FD[$1]}" 2>/dev/null || die "$1: cannot send '$2' (node gone?)"
}

# expect NAME PREFIX [SECONDS]: the node's next output line must start with PREFIX; it is returned in
# GOT. Fails at the deadline, or at once if the node exited without writing it.
expect() {
  local name=$1 prefix=$2 secs=${3:-30}
  local want=$((LINE[$name] + 1)) line
  local left=$((total - (SECONDS - start)))
  ((secs < left)) || secs=$left
  local deadline=$((SECONDS + secs)) dead=0
  while :; do
    # only a complete line counts (the newline is written last)
    if [[ $(wc -l <"$tmp/$name.out") -ge $want ]]; then
      line=$(sed -n "${want}p" "$tmp/$name.out")
      LINE[$name]=$want
      [[ "$line" == "$prefix"* ]] || die "$name: expected a line starting with '$prefix', got '$line'"
      GOT=$line
      echo "run_scenario: $name: $line"
      return 0
    fi
    ((dead)) && die "$name exited without the line '$prefix...'"
    kill -0 "${PID[$name]}" 2>/dev/null || dead=1 # one more look at the file, then give up
    ((SECONDS < deadline)) || die "$name: no line '$prefix...' within ${secs}s"
    sleep 0.02
  done
}

# finish NAME: the node must exit 0 (after "quit").
finish() {
  local name=$1 rc=0
  wait "${PID[$name]}" || rc=$?
  PID[$name]=""
  [[ $rc -eq 0 ]] || die "$name exited with rc=$rc"
}

# hard_kill NAME: SIGKILL (SIGCONT too, in case it is stopped) and reap.
hard_kill() {
  local name=$1
  kill -KILL "${PID[$name]}" 2>/dev/null || true
  kill -CONT "${PID[$name]}" 2>/dev/null || true
  wait "${PID[$name]}" 2>/dev/null || true
  PID[$name]=""
  close_fd "$name"
}

# freeze NAME: SIGSTOP, then wait (with a deadline) until the kernel reports the process stopped.
freeze() {
  local name=$1 pid=${PID[$1]} state deadline=$((SECONDS + 10))
  kill -STOP "$pid"
  while :; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
    [[ "$state" == T ]] && break
    [[ "$state" == gone ]] && die "$name vanished while being stopped"
    ((SECONDS < deadline)) || die "$name did not stop (state $state)"
    sleep 0.01
  done
  echo "run_scenario: $name (pid $pid) stopped with SIGSTOP"
}

# ---- the pair ----
subst "" "${binder_cmd[@]}"
binder_args=("${SUBST[@]}")
start_node binder "${binder_args[@]}"
expect binder "ENDPOINT " 20
endpoint=${GOT#ENDPOINT }
subst "$endpoint" "${connector_cmd[@]}"
start_node connector "${SUBST[@]}"
expect connector "CONNECTING " 20

case "$scenario" in
  restart-binder)
    send binder echo
    send connector "exchange 200"
    expect connector "OK exchange 200"
    b=binder
    for round in 1 2; do
      send connector "stream 50"
      expect connector "STREAMING 50"
      # Mid-stream: messages on the wire, in the dead process or in either side's buffers may be lost.
      # Only what the connector sends once it knows the new process is up (below) must all arrive.
      hard_kill "$b"
      echo "run_scenario: round $round: $b killed with SIGKILL mid-stream"
      nb="binder$round"
      restarted=("${binder_args[@]}")
      restarted[3]=$endpoint # the very endpoint the first binder got (port / path)
      start_node "$nb" "${restarted[@]}"
      expect "$nb" "ENDPOINT " 20
      [[ "${GOT#ENDPOINT }" == "$endpoint" ]] || die "$nb bound ${GOT#ENDPOINT }, not $endpoint"
      send "$nb" echo
      b=$nb
      expect connector "OK stream"
      send connector "expect_event handshake_succeeded 20000"
      expect connector "OK expect_event handshake_succeeded"
      send connector "exchange 300"
      expect connector "OK exchange 300"
    done
    send connector end
    expect connector "OK end"
    expect "$b" "OK echo"
    send connector quit
    expect connector "OK quit"
    finish connector
    send "$b" quit
    expect "$b" "OK quit"
    finish "$b"
    ;;
  stop-binder | stop-binder-kept)
    send binder "respond 20"
    send connector "exchange 20"
    expect connector "OK exchange 20"
    expect binder "OK respond 20"
    # Still connected after a few heartbeat intervals (and PINGs, with their TTL, have crossed).
    send connector "expect_no_event disconnected 300"
    expect connector "OK expect_no_event"
    freeze binder
    if [[ $scenario == stop-binder ]]; then
      send connector "expect_event disconnected $disconnect_ms"
      expect connector "OK expect_event disconnected"
    else
      send connector "expect_no_event disconnected 1500"
      expect connector "OK expect_no_event"
    fi
    hard_kill binder
    send connector quit
    expect connector "OK quit"
    finish connector
    ;;
  stop-connector)
    send binder "respond 20"
    send connector "exchange 20"
    expect connector "OK exchange 20"
    expect binder "OK respond 20"
    # Still connected after a few heartbeat intervals (and PINGs, with their TTL, have crossed).
    send binder "expect_no_event disconnected 300"
    expect binder "OK expect_no_event"
    freeze connector
    send binder "expect_event disconnected $disconnect_ms"
    expect binder "OK expect_event disconnected"
    hard_kill connector
    send binder quit
    expect binder "OK quit"
    finish binder
    ;;
  idle)
    send binder "respond 20"
    send connector "exchange 20"
    expect connector "OK exchange 20"
    expect binder "OK respond 20"
    # The bounded negative check: 1 s of silence (several heartbeat intervals) without a DISCONNECTED
    # on either side, both watched at the same time.
    send binder "expect_no_event disconnected 1000"
    send connector "expect_no_event disconnected 1000"
    expect binder "OK expect_no_event" 10
    expect connector "OK expect_no_event" 10
    send binder "respond 20"
    send connector "exchange 20"
    expect connector "OK exchange 20 batch=2 stale=0"
    expect binder "OK respond 20"
    send binder "expect_no_event disconnected 0"
    send connector "expect_no_event disconnected 0"
    expect binder "OK expect_no_event"
    expect connector "OK expect_no_event"
    send connector quit
    expect connector "OK quit"
    finish connector
    send binder quit
    expect binder "OK quit"
    finish binder
    ;;
  *)
    die "unknown scenario '$scenario'"
    ;;
esac

finished=1
echo "run_scenario: $scenario PASSED in $((SECONDS - start)) s"
report
