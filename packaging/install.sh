#!/bin/sh
# Installs argy-agent on a Linux host without the Debian package: the self-contained binary and its default
# appsettings.json in /opt/argy-agent, local settings in /etc/argy-agent/agent.env, the argy-agent user (uid
# 1001 when free), its state directory and work root, and the hardened systemd unit. Safe to run again: it
# upgrades the binary and keeps agent.env and the enrollment.
#
#   sudo sh install.sh                                   # from an unpacked argy-agent_<version>_linux-x64.tar.gz
#   sudo sh install.sh --from argy-agent_0.1.0_linux-x64.tar.gz
#   curl -fsSL <your mirror>/install.sh | sudo sh -s -- --from /tmp/argy-agent_0.1.0_linux-x64.tar.gz
#   sudo sh install.sh --uninstall [--purge]             # --purge also deletes the credential and the user
#
# POSIX sh rather than bash, so that `curl ... | sh` works everywhere (hence no pipefail).
set -eu

prefix=/opt/argy-agent
config_dir=/etc/argy-agent
state_dir=/var/lib/argy-agent
work_root=/work
bin_link=/usr/local/bin/argy-agent
unit=/etc/systemd/system/argy-agent.service
user=argy-agent
wanted_id=1001

say() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
warn() { printf 'warning: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
systemd_running() { [ -d /run/systemd/system ]; }

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "$0" 2>/dev/null || true
  exit "${1:-0}"
}

from=
action=install
purge=no
while [ $# -gt 0 ]; do
  case $1 in
    --from) [ $# -ge 2 ] || fail "--from needs a path"; from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
    --uninstall) action=uninstall; shift ;;
    --purge) purge=yes; shift ;;
    -h|--help) usage 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || fail "run as root (sudo sh $0 ...)"
[ "$(uname -s)" = Linux ] || fail "argy-agent runs on Linux only"
if have dpkg-query && [ "$(dpkg-query -W -f '${Status}' argy-agent 2>/dev/null || true)" = "install ok installed" ]; then
  fail "argy-agent is installed from its Debian package here; upgrade or remove it with apt instead"
fi

uninstall() {
  if systemd_running && [ -f "$unit" ]; then
    systemctl disable --now argy-agent.service >/dev/null 2>&1 || true
  fi
  rm -f "$unit" "$bin_link"
  rm -rf "$prefix"
  if systemd_running; then systemctl daemon-reload; fi
  if [ "$purge" = yes ]; then
    if [ -f "$state_dir/.work-created-by-install" ] && ! rmdir "$work_root" 2>/dev/null; then
      warn "$work_root is not empty; left in place"
    fi
    rm -rf "$config_dir" "$state_dir"
    if getent passwd "$user" >/dev/null; then userdel "$user"; fi
    if getent group "$user" >/dev/null; then groupdel "$user"; fi
    say "argy-agent removed, with its settings, credential and user."
  else
    say "argy-agent removed. Settings ($config_dir), credential ($state_dir) and the $user user were kept;"
    say "run again with --uninstall --purge to delete them."
  fi
}

if [ "$action" = uninstall ]; then
  uninstall
  exit 0
fi

# Prerequisites.
case $(uname -m) in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) fail "unsupported architecture $(uname -m)" ;;
esac
for tool in tar install useradd groupadd getent; do
  have "$tool" || fail "'$tool' is required"
done
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
[ -n "$glibc" ] || fail "glibc is required (musl-based systems such as Alpine are not supported)"
if ! ldconfig -p 2>/dev/null | grep -Eq 'libssl\.so\.(3|1\.1)'; then
  warn "OpenSSL (libssl3 or libssl1.1) was not found: TLS connections to the control plane will fail"
fi
[ -d /etc/ssl/certs ] || warn "no CA certificates in /etc/ssl/certs (install ca-certificates)"
have bwrap || warn "bubblewrap (bwrap) is not installed: jobs cannot be sandboxed until it is"

# Where the files come from: --from (a tarball or a directory), else the directory of this script.
workdir=
cleanup() { if [ -n "$workdir" ]; then rm -rf "$workdir"; fi; }
trap cleanup EXIT
if [ -z "$from" ]; then
  from=$(cd "$(dirname "$0")" && pwd)
fi
if [ -f "$from" ]; then
  workdir=$(mktemp -d)
  tar -xzf "$from" -C "$workdir" || fail "cannot unpack $from"
  source_dir=$(find "$workdir" -maxdepth 2 -type f -name argy-agent -exec dirname {} \; | head -n 1)
elif [ -d "$from" ]; then
  source_dir=$from
else
  fail "$from does not exist; pass --from <argy-agent tarball or directory>"
fi
if [ -z "$source_dir" ] || [ ! -x "$source_dir/argy-agent" ]; then
  fail "no argy-agent executable in $from (pass --from <argy-agent_<version>_linux-$arch.tar.gz>)"
fi
# The newest glibc symbol version the executable links against (2.34 for the NativeAOT build, which links
# against the glibc of the machine that published it; 2.27 for the JIT build), and never less than 2.27.
needed=$( (LC_ALL=C grep -ao 'GLIBC_2\.[0-9]*' "$source_dir/argy-agent" || true; echo GLIBC_2.27) \
  | sed 's/^GLIBC_//' | sort -u -t. -k1,1n -k2,2n | tail -n 1)
if [ "$(printf '%s\n%s\n' "$glibc" "$needed" | sort -t. -k1,1n -k2,2n | head -n 1)" != "$needed" ]; then
  fail "glibc $glibc is too old; this argy-agent needs $needed or newer"
fi
"$source_dir/argy-agent" --version >/dev/null 2>&1 \
  || fail "$source_dir/argy-agent does not run on this host (built for another architecture?)"
[ -f "$source_dir/argy-agent.service" ] || fail "argy-agent.service is missing from $from"
[ -f "$source_dir/agent.env" ] || fail "agent.env is missing from $from"

# The user the agent (and its jobs) run as: uid/gid 1001 when free, as in the container image.
if ! getent group "$user" >/dev/null; then
  if getent group "$wanted_id" >/dev/null; then groupadd --system "$user"; else groupadd --system -K SYS_GID_MAX="$wanted_id" --gid "$wanted_id" "$user"; fi
fi
if ! getent passwd "$user" >/dev/null; then
  if getent passwd "$wanted_id" >/dev/null; then
    warn "uid $wanted_id is taken by '$(getent passwd "$wanted_id" | cut -d: -f1)'; $user gets another system uid"
    useradd --system --gid "$user" --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin --comment "Argy agent" "$user"
  else
    useradd --system -K SYS_UID_MAX="$wanted_id" --uid "$wanted_id" --gid "$user" --home-dir "$state_dir" --no-create-home \
      --shell /usr/sbin/nologin --comment "Argy agent" "$user"
  fi
fi

# Binary (replaced atomically, so a running agent keeps its old file until it restarts), default settings
# beside it (replaced), local settings in /etc (installed once, never overwritten).
previous=
if [ -x "$prefix/argy-agent" ]; then previous=$("$prefix/argy-agent" --version 2>/dev/null || echo unknown); fi
install -d -m 0755 "$prefix" "$config_dir"
install -m 0755 "$source_dir/argy-agent" "$prefix/.argy-agent.new"
mv -f "$prefix/.argy-agent.new" "$prefix/argy-agent"
rm -f "$prefix/appsettings.json"
install -m 0644 "$source_dir/appsettings.json" "$prefix/appsettings.json"
if [ ! -f "$config_dir/agent.env" ]; then
  install -m 0640 "$source_dir/agent.env" "$config_dir/agent.env"
fi
install -d -m 0755 "$(dirname "$bin_link")"
ln -sfn "$prefix/argy-agent" "$bin_link"
install -d -m 0700 -o "$user" -g "$user" "$state_dir"
if [ ! -e "$work_root" ]; then
  install -d -m 0700 -o "$user" -g "$user" "$work_root"
  touch "$state_dir/.work-created-by-install" # so that --purge removes only a /work made here
fi

# The unit, pointed at this install location.
sed "s|^ExecStart=/usr/bin/argy-agent |ExecStart=$prefix/argy-agent |" "$source_dir/argy-agent.service" > "$unit.new"
chmod 0644 "$unit.new"
mv -f "$unit.new" "$unit"
version=$("$prefix/argy-agent" --version)
if systemd_running; then
  systemctl daemon-reload
  systemctl enable argy-agent.service >/dev/null 2>&1
  # An upgrade restarts a running agent (it drains its jobs first); an unenrolled agent is never started.
  systemctl try-restart argy-agent.service
else
  warn "systemd is not running: the unit is installed but nothing will start the agent"
fi

if [ -n "$previous" ]; then say "Upgraded $previous to $version in $prefix."; else say "Installed $version in $prefix."; fi
if [ -f "$state_dir/agent.json" ]; then
  say "This agent is enrolled. Check it with: argy-agent doctor; systemctl status argy-agent"
else
  cat <<NEXT
Next step: enroll this machine with the one-time token from 'argy agents create', then start the agent:

  sudo $bin_link enroll --url https://argy.example.com --token argy_enr_...
  sudo systemctl start argy-agent
  argy-agent doctor
NEXT
fi
