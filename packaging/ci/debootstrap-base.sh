#!/usr/bin/env bash
# Makes a minimal Debian root file system in <dir>: what the self-contained .NET executables need at run
# time (the equivalent of the .NET "runtime-deps" image), without caches or documentation. CI uses it as
# the base of the container image, and, with systemd added, as the machine the Debian package is tested on.
#
#   bash packaging/ci/debootstrap-base.sh <dir> [suite] [mirror]
set -euo pipefail

dir=${1:?usage: debootstrap-base.sh <dir> [suite] [mirror]}
suite=${2:-bookworm}
mirror=${3:-http://deb.debian.org/debian}

fail() { echo "error: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "debootstrap needs root"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || fail "$dir exists and is not empty"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! debootstrap --variant=minbase --include=ca-certificates,libssl3,libstdc++6,libgcc-s1,zlib1g,tzdata \
    "$suite" "$dir" "$mirror" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "debootstrap $suite from $mirror failed"
fi

# Same trimming as Debian's slim images.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
  "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*.log \
  "$dir"/usr/share/locale/* "$dir"/var/cache/debconf/*-old
echo "debootstrap $suite: $(du -sh "$dir" | cut -f1) in $dir"
