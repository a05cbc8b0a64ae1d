#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and builds against it, then runs: tests/install/consumer
# with find_package(zmx); tests/install/zeromq_consumer (a C libzmq program) with find_package(ZeroMQ)
# and again with `pkg-config libzmq`; and checks `pkg-config zmx`. Usage: run.sh <build-dir> <source-dir>
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/install/consumer" -B "$work/b" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/b" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/b/consumer"
echo "installed zmx found with find_package(zmx) and used"
cmake -S "$src/tests/install/zeromq_consumer" -B "$work/z" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/z" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/z/zeromq_consumer"
echo "installed zmx found with find_package(ZeroMQ) as libzmq and used"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
[[ $(pkg-config --modversion libzmq) == 4.3.4 ]] || { echo "pkg-config libzmq: wrong version"; exit 1; }
pkg-config --exists zmx || { echo "pkg-config zmx: not found"; exit 1; }
# shellcheck disable=SC2046 # word splitting of the flags is intended
cc -o "$work/pc_consumer" "$src/tests/install/zeromq_consumer/main.c" $(pkg-config --cflags --libs libzmq)
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc_consumer"
echo "installed zmx found with pkg-config libzmq and used"
