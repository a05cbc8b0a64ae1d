#!/bin/sh
# Runs the sockets tests tagged [.multiaddr] (tests/sockets/dialer_test.cpp) in a mount namespace of
# their own, with a private /etc/hosts (zmx-multi -> 127.0.0.1, then 127.0.0.2) and /etc/resolv.conf
# (a name server on a loopback address of this run's own, which the tests bind and leave silent; 2 s
# timeout). Needs root or
# CAP_SYS_ADMIN for `unshare --mount`; without it (or if the name does not resolve as written) it
# exits 77, which ctest reports as skipped (SKIP_RETURN_CODE).
# usage: multi_address.sh <sockets test binary> [more Catch2 arguments]
set -u

skip() {
    echo "SKIP: $*"
    exit 77
}

[ $# -ge 1 ] || { echo "usage: $0 <sockets test binary> [catch args]" >&2; exit 2; }
bin=$1
shift
command -v unshare >/dev/null 2>&1 || skip "unshare(1) is not installed"

dir=$(mktemp -d "${TMPDIR:-/tmp}/zmx-multiaddr.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
printf '127.0.0.1 localhost\n127.0.0.1 zmx-multi\n127.0.0.2 zmx-multi\n' >"$dir/hosts"
# The name server's address differs between concurrent runs (say the plain and the sanitizer trees'),
# which share the network namespace and each bind port 53 on it.
ns="127.53.$(($$ / 250 % 250 + 1)).$(($$ % 250 + 1))"
printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$ns" >"$dir/resolv.conf"

# Run inside the namespace as: sh -c "$setup && ..." "$dir" args... ($0 is the directory).
setup='mount --bind "$0/hosts" /etc/hosts && mount --bind "$0/resolv.conf" /etc/resolv.conf'

if ! unshare --mount sh -c "$setup" "$dir" >"$dir/probe" 2>&1; then
    skip "cannot bind-mount /etc/hosts in a private mount namespace: $(cat "$dir/probe")"
fi
if command -v getent >/dev/null 2>&1; then
    addrs=$(unshare --mount sh -c "$setup && getent ahostsv4 zmx-multi" "$dir" 2>&1 |
        awk '$2 == "STREAM" { printf "%s ", $1 }')
    [ "$addrs" = "127.0.0.1 127.0.0.2 " ] ||
        skip "zmx-multi resolves to '$addrs' in the namespace, not '127.0.0.1 127.0.0.2' (NSS does not read /etc/hosts?)"
fi

# -w NoTests: fail rather than pass if the tag matches nothing.
unshare --mount sh -c "$setup && exec \"\$@\"" "$dir" "$bin" "[multiaddr]" -w NoTests "$@"
