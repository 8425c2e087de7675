#!/usr/bin/env bash
# Tests the Debian package under a real systemd: copies the debootstrap'ed root, adds systemd and installs
# the package with apt (which brings its dependencies), boots the machine with systemd-nspawn and runs
# packaging/ci/systemd-machine-check.sh in it against the control plane at ARGY_URL on this host (the
# machine shares this host's network). Prints the machine's report.
#
#   ARGY_URL=http://127.0.0.1:8080 ARGY_TOKEN=... bash packaging/ci/systemd-test.sh <root> <deb> <upgrade deb> <argy CLI>
set -euo pipefail

base=${1:?usage: systemd-test.sh <debootstrapped root> <deb> <upgrade deb> <argy CLI>}
deb=${2:?missing the .deb}
upgrade_deb=${3:?missing the upgrade .deb}
cli=${4:?missing the argy CLI executable}
here=$(cd "$(dirname "$0")" && pwd)
: "${ARGY_URL:?ARGY_URL must point at a running control plane}" "${ARGY_TOKEN:?ARGY_TOKEN must be an admin token}"
max_exposure=${ARGY_MAX_EXPOSURE:-2.6}

fail() { echo "error: $*" >&2; exit 1; }
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn is not installed (apt-get install systemd-container)"

machine=$(mktemp -d /var/tmp/argy-ci-machine.XXXXXX)
cleanup() { rm -rf "$machine"; }
trap cleanup EXIT
cp -a "$base/." "$machine/"

echo "::: systemd: installing systemd and $(basename "$deb") into a copy of the base"
install -d -m 0700 "$machine/root/argy-ci"
cp "$deb" "$upgrade_deb" "$machine/root/argy-ci/"
install -m 0755 "$cli" "$machine/usr/local/bin/argy"
install -m 0755 "$here/systemd-machine-check.sh" "$machine/root/argy-ci/check.sh"
apt_log="$machine/root/argy-ci/apt.log"
if ! chroot "$machine" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends systemd systemd-sysv dbus procps /root/argy-ci/$(basename "$deb")" >"$apt_log" 2>&1; then
  tail -n 30 "$apt_log" >&2
  fail "installing systemd and the package into the machine failed"
fi

cat > "$machine/root/argy-ci/env" <<ENV
ARGY_URL=$ARGY_URL
ARGY_TOKEN=$ARGY_TOKEN
ARGY_UPGRADE_DEB=/root/argy-ci/$(basename "$upgrade_deb")
ARGY_MAX_EXPOSURE=$max_exposure
ENV
cat > "$machine/etc/systemd/system/argy-ci-check.service" <<'UNIT'
[Unit]
Description=Argy packaging checks
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/root/argy-ci/check.sh
UNIT
mkdir -p "$machine/etc/systemd/system/default.target.wants"
ln -s /etc/systemd/system/argy-ci-check.service "$machine/etc/systemd/system/default.target.wants/"
echo "argy-ci" > "$machine/etc/hostname"

echo "::: systemd: booting the machine"
started=$(date +%s)
console="$machine/root/argy-ci/console.log"
if ! timeout 300 systemd-nspawn --quiet --register=no --keep-unit --boot --directory="$machine" \
    --machine=argy-ci >"$console" 2>&1; then
  tail -n 40 "$console" >&2
  [ ! -f "$machine/root/argy-ci/report" ] || cat "$machine/root/argy-ci/report" >&2
  fail "the machine did not boot or did not power off within 300 s"
fi
report="$machine/root/argy-ci/report"
[ -f "$report" ] || { tail -n 40 "$console" >&2; fail "the checks did not run in the machine"; }
cat "$report"
echo "(machine ran for $(( $(date +%s) - started )) s)"
tail -n 1 "$report" | grep -qx 'RESULT: ok' || fail "the package checks under systemd failed"
