#!/usr/bin/env bash
# Installs the Debian packages that building and testing zmx needs (and that building the reference
# libzmq from Debian's zeromq3 source package needs, see scripts/build-libzmq.sh).
# Idempotent and non-interactive: when every package is already installed it only runs dpkg-query
# and returns at once; otherwise it runs `apt-get update` and installs the missing ones.
# Runs as root, or through sudo when not root and sudo exists.
set -euo pipefail

packages=(
  # zmx itself
  cmake g++ make pkg-config libsodium-dev libssl-dev catch2 asciidoctor
  # cppzmq (header-only) for the binding test; it pulls in libzmq3-dev, which zmx never includes or links
  cppzmq-dev
  # fetching and unpacking Debian source packages (apt-get source → dpkg-source)
  dpkg-dev xz-utils ca-certificates
  # the reference libzmq (scripts/build-libzmq.sh): gnutls gives it the wss transport
  libgnutls28-dev
  # scripts: flock, timeout (essential on Debian, listed so a minimal image still works)
  util-linux coreutils
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo -n)
  else
    echo "install-deps: not root and no sudo; please install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "install-deps: done"
