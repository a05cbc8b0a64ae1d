#!/usr/bin/env bash
# Builds the reference libzmq (4.3.4, draft API, libsodium CURVE, ws/wss) from Debian's zeromq3
# source package and caches it outside the source tree in
#   ${ZMX_CACHE_DIR:-$HOME/.cache/zmx}/libzmq-<version>-draft     (include/, lib/, bin/ perf tools)
# zmx never links against it: only interop/ (libzmq_node) and perf/ comparisons use it.
# If the stamp file exists the build is skipped. The last line of stdout is always the prefix.
# Needs the packages of scripts/install-deps.sh. Takes about a minute or two on 2 cores.
set -euo pipefail

version=${ZMX_LIBZMQ_VERSION:-4.3.4}
recipe=1 # bump when the configure options below change, so caches are rebuilt
cache_dir=${ZMX_CACHE_DIR:-${HOME:-/root}/.cache/zmx}
prefix="$cache_dir/libzmq-$version-draft"
stamp="$prefix/.zmx-build-stamp-v$recipe"
jobs=${ZMX_JOBS:-2}

log() { echo "build-libzmq: $*" >&2; }

if [[ -f "$stamp" ]]; then
  log "cached: $(head -n1 "$stamp")"
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache_dir"
# Serialise concurrent runs (two checkouts sharing one cache).
exec 9>"$cache_dir/.libzmq-$version.lock"
flock 9
if [[ -f "$stamp" ]]; then
  echo "$prefix"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo -n)
fi

# apt-get source needs a deb-src entry. Debian images ship only `Types: deb`; add the same
# archives as deb-src in a file of our own (never touch the system's files).
have_source() {
  local out
  out=$(apt-cache showsrc zeromq3 2>/dev/null || true)
  grep -q '^Package: zeromq3' <<<"$out"
}
ensure_deb_src() {
  if have_source; then return 0; fi
  local out=/etc/apt/sources.list.d/zmx-deb-src.sources tmp
  tmp=$(mktemp)
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    # deb822: copy each stanza whose Types include "deb", as deb-src.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         { if ($0 ~ /(^|\n)Types:([^\n]* )?deb( |\n|$)/) print }' \
      /etc/apt/sources.list.d/debian.sources |
      sed -E 's/^Types:.*/Types: deb-src/' >"$tmp"
  fi
  if [[ ! -s "$tmp" && -f /etc/apt/sources.list ]]; then
    # one-line format
    out=/etc/apt/sources.list.d/zmx-deb-src.list
    sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list >"$tmp"
  fi
  if [[ ! -s "$tmp" ]]; then
    rm -f "$tmp"
    log "no Debian apt source found to derive a deb-src entry from"
    return 1
  fi
  log "adding deb-src entries in $out"
  "${sudo_cmd[@]}" install -m 0644 "$tmp" "$out"
  rm -f "$tmp"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  have_source
}

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/zmx-libzmq.XXXXXX")
trap 'rm -rf "$work"' EXIT

ensure_deb_src || { log "cannot find the zeromq3 source package"; exit 1; }

cd "$work"
sandbox=()
[[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root) # root: files in a 0700 temp dir
log "fetching zeromq3 source"
apt-get "${sandbox[@]}" source -q zeromq3 >&2
src=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'zeromq3-*' | head -n1)
[[ -n "$src" ]] || { log "apt-get source produced no zeromq3-* directory"; exit 1; }
debver=$(cd "$src" && dpkg-parsechangelog -S Version)
upstream=${debver%-*}
upstream=${upstream#*:}
if [[ "$upstream" != "$version" ]]; then
  log "Debian ships zeromq3 $debver, expected upstream $version (set ZMX_LIBZMQ_VERSION=$upstream to accept)"
  exit 1
fi

rm -rf "$prefix"
log "configuring zeromq3 $debver → $prefix"
cmake -S "$src" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DCMAKE_INSTALL_RPATH="$prefix/lib" \
  -DENABLE_DRAFTS=ON \
  -DENABLE_WS=ON -DWITH_TLS=ON \
  -DWITH_LIBSODIUM=ON -DENABLE_CURVE=ON \
  -DWITH_LIBBSD=OFF \
  -DWITH_OPENPGM=OFF -DWITH_NORM=OFF -DWITH_VMCI=OFF \
  -DBUILD_SHARED=ON -DBUILD_STATIC=OFF \
  -DBUILD_TESTS=OFF -DWITH_DOC=OFF -DWITH_DOCS=OFF \
  -DWITH_PERF_TOOL=ON \
  -DENABLE_CPACK=OFF \
  -DENABLE_PRECOMPILED=OFF \
  >"$work/configure.log" 2>&1 || { tail -n 50 "$work/configure.log" >&2; exit 1; }
grep -q 'Using libsodium for CURVE security' "$work/configure.log" ||
  { log "libzmq did not find libsodium:"; tail -n 50 "$work/configure.log" >&2; exit 1; }

log "building (make -j$jobs)"
make -C "$work/build" -j"$jobs" install >"$work/build.log" 2>&1 ||
  { tail -n 60 "$work/build.log" >&2; exit 1; }

# Checks: the library is ours, has the draft API, and uses libsodium. (Capture before grepping:
# `cmd | grep -q` can kill cmd with SIGPIPE, which pipefail turns into a failure.)
lib="$prefix/lib/libzmq.so"
[[ -e "$lib" && -f "$prefix/include/zmq.h" ]] || { log "install incomplete in $prefix"; exit 1; }
symbols=$(nm -D --defined-only "$lib")
grep -qw zmq_connect_peer <<<"$symbols" || { log "$lib lacks draft symbols (zmq_connect_peer)"; exit 1; }
deps=$(ldd "$lib")
grep -q libsodium <<<"$deps" || { log "$lib is not linked against libsodium"; exit 1; }
if [[ -x "$prefix/bin/local_thr" ]]; then
  deps=$(ldd "$prefix/bin/local_thr")
  grep -q "$prefix/lib/libzmq" <<<"$deps" || { log "perf tools do not resolve libzmq from $prefix/lib"; exit 1; }
fi

end=$(date +%s)
{
  echo "zeromq3 $debver draft built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((end - start)) s"
  echo "wss: $(grep -q 'Enable WSS transport' "$work/configure.log" && echo yes || echo no)"
} >"$stamp"
log "done in $((end - start)) s"
echo "$prefix"
