#!/usr/bin/env bash
# The side-by-side benchmark: the perf tools (perf/) built against zmx and against the reference
# libzmq 4.3.4, run alternately for several rounds in one run, over tcp, ipc and inproc, for message
# sizes 16 B .. 1 MiB; prints the median of each row for both and the zmx/libzmq ratio, plus raw TCP
# (no library) as the machine's limit; writes results (TSV) and a chart (PNG, with gnuplot) to
# build-bench/results/. Not part of the test suite (the suite runs `perf_smoke` only).
#   1. scripts/install-deps.sh, and gnuplot-nox for the chart (installed here, not by the test suite)
#   2. scripts/build-libzmq.sh (cached)
#   3. build-bench/ (Release), the perf targets only
# Env: ZMX_BENCH_ROUNDS (default 3), ZMX_BENCH_SIZES (default "16 256 4096 65536 1048576"),
#      ZMX_BENCH_TRANSPORTS (default "tcp ipc inproc"), ZMX_BENCH_QUICK=1 (tiny counts: a smoke run),
#      ZMX_JOBS (default 2), ZMX_BENCH_DIR (default build-bench).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${ZMX_JOBS:-2}
rounds=${ZMX_BENCH_ROUNDS:-3}
sizes=${ZMX_BENCH_SIZES:-"16 256 4096 65536 1048576"}
transports=${ZMX_BENCH_TRANSPORTS:-"tcp ipc inproc"}
quick=${ZMX_BENCH_QUICK:-0}
dir=${ZMX_BENCH_DIR:-build-bench}

if [[ "${ZMX_BENCH_SKIP_SETUP:-0}" != 1 ]]; then
  bash scripts/install-deps.sh
  if ! command -v gnuplot >/dev/null 2>&1; then
    ${SUDO:-} apt-get install -y -q gnuplot-nox >/dev/null || echo "bench: no gnuplot; the chart is skipped" >&2
  fi
  prefix=$(bash scripts/build-libzmq.sh | tail -n1)
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DZMX_BUILD_TESTS=OFF -DZMX_LIBZMQ_PREFIX="$prefix" >/dev/null
  targets=(perf_raw_probe)
  for t in local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat; do targets+=(perf_zmx_$t perf_libzmq_$t); done
  cmake --build "$dir" -j"$jobs" --target "${targets[@]}"
fi
perf="$dir/perf"
out="$dir/results"
mkdir -p "$out"
raw_tsv="$out/runs.tsv"
: >"$raw_tsv"

# Counts: throughput moves ~256 MiB per run (at least 500 messages), latency 20 000 roundtrips for
# small messages and fewer for big ones. QUICK divides everything by 100.
thr_count() { local n=$((268435456 / $1)); ((n < 500)) && n=500; ((n > 2000000)) && n=2000000; ((quick)) && n=$((n / 100 + 10)); echo $n; }
lat_count() { local n=20000; (($1 >= 65536)) && n=2000; (($1 >= 1048576)) && n=300; ((quick)) && n=$((n / 100 + 10)); echo $n; }

port=$((20000 + RANDOM % 20000))
endpoint() {  # a fresh endpoint of transport $1
  port=$((port + 1))
  case $1 in
    tcp) echo "tcp://127.0.0.1:$port" ;;
    ipc) echo "ipc:///tmp/zmx-bench-$$-$port.ipc" ;;
  esac
}

# wait_bound <endpoint>: until something listens there (at most 5 s). A remote that connects first
# waits out a reconnect interval (100 ms), which a latency run would count in its average.
wait_bound() {
  local ep=$1 i
  for ((i = 0; i < 500; i++)); do
    case $ep in
      ipc://*) [[ -S ${ep#ipc://} ]] && return 0 ;;
      tcp://*) grep -qi "^ *[0-9]*: [0-9A-F]*:$(printf '%04X' "${ep##*:}") [0-9A-F]*:0000 0A" /proc/net/tcp && return 0 ;;
    esac
    sleep 0.01
  done
  return 0  # let the remote try anyway (run_pair retries once)
}

# run_pair <impl> <local> <remote> <transport> <size> <count> [pattern]: prints the remote/local output.
run_pair() {
  local impl=$1 local_tool=$2 remote_tool=$3 tr=$4 size=$5 count=$6 pattern=${7:-}
  local ep; ep=$(endpoint "$tr")
  local lout; lout=$(mktemp)
  # (60 s: libzmq 4.3.4's receiver can lose the tail of an ipc stream — its engine closes at the
  # sender's hang-up while its input is paused — and then waits for ever; that round is "nan".)
  timeout 60 "$perf/$impl/$local_tool" "$ep" "$size" "$count" $pattern >"$lout" &
  local lpid=$!
  wait_bound "$ep"
  local rout
  rout=$(timeout 60 "$perf/$impl/$remote_tool" "$ep" "$size" "$count" $pattern) || { sleep 0.2; rout=$(timeout 60 "$perf/$impl/$remote_tool" "$ep" "$size" "$count" $pattern); }
  wait "$lpid"
  cat "$lout"
  echo "$rout"
  rm -f "$lout"
}

field() { sed -n "s/^$1: \([0-9.]*\).*/\1/p" | head -n1; }

# measure <impl> <kind thr|lat> <transport> <size> [pattern]: one number (msg/s or us).
measure() {
  local impl=$1 kind=$2 tr=$3 size=$4 pattern=${5:-} text
  if [[ $kind == thr ]]; then
    local n; n=$(thr_count "$size")
    if [[ $tr == inproc ]]; then text=$("$perf/$impl/inproc_thr" "$size" "$n" $pattern)
    else text=$(run_pair "$impl" local_thr remote_thr "$tr" "$size" "$n" "$pattern"); fi
    field "mean throughput" <<<"$text"
  else
    local n; n=$(lat_count "$size")
    if [[ $tr == inproc ]]; then text=$("$perf/$impl/inproc_lat" "$size" "$n" $pattern)
    else text=$(run_pair "$impl" local_lat remote_lat "$tr" "$size" "$n" "$pattern"); fi
    field "average latency" <<<"$text"
  fi
}

rows=()
for tr in $transports; do
  for size in $sizes; do
    rows+=("thr $tr $size push" "lat $tr $size req")
  done
done
# The thread-safe types against the classic ones (issue 6: PEER/SERVER within 10 % of DEALER/ROUTER).
for tr in tcp inproc; do
  [[ " $transports " == *" $tr "* ]] || continue
  rows+=("thr $tr 16 client" "lat $tr 64 peer" "lat $tr 64 dealer")
done

echo "bench: $rounds rounds, zmx and libzmq alternating; results in $out"
for ((r = 1; r <= rounds; r++)); do
  for row in "${rows[@]}"; do
    read -r kind tr size pattern <<<"$row"
    for impl in zmx libzmq; do
      v=$(measure "$impl" "$kind" "$tr" "$size" "$pattern" || true)
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$tr" "$size" "$pattern" "$impl" "${v:-nan}" >>"$raw_tsv"
    done
  done
  for size in $sizes; do  # the machine's own limit
    n=$(thr_count "$size"); printf 'thr\traw-tcp\t%s\t-\traw\t%s\n' "$size" "$("$perf/raw_probe" thr "$size" "$n" | field "mean throughput")" >>"$raw_tsv"
    n=$(lat_count "$size"); printf 'lat\traw-tcp\t%s\t-\traw\t%s\n' "$size" "$("$perf/raw_probe" lat "$size" "$n" | field "average latency")" >>"$raw_tsv"
  done
  echo "round $r done"
done

# Medians and ratios. Throughput ratio = zmx/libzmq (higher is better); latency ratio = zmx/libzmq
# (lower is better).
summary="$out/summary.tsv"
awk -F'\t' '
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { key = $1 "\t" $2 "\t" $3 "\t" $4; vals[key "\t" $5] = vals[key "\t" $5] " " $6; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
  END {
    printf "%-4s %-8s %8s %-7s %14s %14s %8s\n", "kind", "trans", "size", "pattern", "zmx", "libzmq", "ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, f, "\t")
      if (f[4] == "-") { printf "%-4s %-8s %8s %-7s %14s %14s %8s\n", f[1], f[2], f[3], "-", median(k "\traw"), "-", "-"; print k "\traw\t" median(k "\traw") > "/dev/stderr"; continue }
      z = median(k "\tzmx"); l = median(k "\tlibzmq")
      ratio = (l > 0 && z > 0) ? z / l : 0
      printf "%-4s %-8s %8s %-7s %14.1f %14.1f %8.2f\n", f[1], f[2], f[3], f[4], z, l, ratio
      print k "\t" z "\t" l "\t" ratio > "/dev/stderr"
    }
  }' "$raw_tsv" 2>"$summary"

# The thread-safe types against the classic ones, zmx only (target: PEER within 10 % of DEALER): the
# median of each round's PEER/DEALER latency ratio, so that the machine's drift between rounds cancels.
awk -F'\t' '
  $1 == "lat" && $3 == 64 && $5 == "zmx" && ($4 == "peer" || $4 == "dealer") { v[$2, $4, ++n[$2, $4]] = $6; trs[$2] = 1 }
  END {
    for (t in trs) {
      m = 0
      for (i = 1; i <= n[t, "peer"] && i <= n[t, "dealer"]; i++)
        if (v[t, "dealer", i] > 0 && v[t, "peer", i] > 0) r[++m] = v[t, "peer", i] / v[t, "dealer", i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
      if (m > 0) printf "zmx PEER/DEALER latency %-6s %.2f (median of %d rounds; target <= 1.10)\n", t, m % 2 ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2, m
    }
  }' "$raw_tsv"

if command -v gnuplot >/dev/null 2>&1; then
  for kind in thr lat; do
    for tr in $transports; do
      awk -F'\t' -v k=$kind -v t=$tr '$1 == k && $2 == t && ($4 == "push" || $4 == "req") { print $3, $5, $6 }' "$summary" >"$out/$kind-$tr.dat"
    done
    awk -F'\t' -v k=$kind '$1 == k && $2 == "raw-tcp" { print $3, $6 }' "$summary" >"$out/$kind-raw.dat"
  done
  {
    if gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then echo "set terminal pngcairo size 1200,500 font 'sans,10'"
    else echo "set terminal png size 1200,500"; fi
    echo "set output '$out/bench.png'"
    echo "set multiplot layout 1,2 title 'zmx vs libzmq 4.3.4 (medians of $rounds rounds, one machine, one run)'"
    echo "set logscale xy; set xlabel 'message size [B]'; set key left bottom; set grid"
    echo "set ylabel 'throughput [msg/s]'; set title 'throughput (PUSH/PULL)'"
    printf "plot "
    for tr in $transports; do printf "'%s' using 1:2 with linespoints title 'zmx %s', '%s' using 1:3 with linespoints dt 2 title 'libzmq %s', " "$out/thr-$tr.dat" "$tr" "$out/thr-$tr.dat" "$tr"; done
    echo "'$out/thr-raw.dat' using 1:2 with lines lw 2 title 'raw tcp'"
    echo "set ylabel 'one-way latency [us]'; set title 'latency (REQ/REP)'; set key left top"
    printf "plot "
    for tr in $transports; do printf "'%s' using 1:2 with linespoints title 'zmx %s', '%s' using 1:3 with linespoints dt 2 title 'libzmq %s', " "$out/lat-$tr.dat" "$tr" "$out/lat-$tr.dat" "$tr"; done
    echo "'$out/lat-raw.dat' using 1:2 with lines lw 2 title 'raw tcp'"
    echo "unset multiplot"
  } >"$out/bench.gp"
  gnuplot "$out/bench.gp" 2>/dev/null && echo "chart: $out/bench.png" || echo "bench: gnuplot failed; see $out/bench.gp" >&2
fi
