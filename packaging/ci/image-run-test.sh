#!/usr/bin/env bash
# Runs the agent image the way the Kubernetes manifests do, without a container engine: its root file system
# mounted read-only, a tmpfs on /tmp, a writable /work and state directory (credential, output spool), as uid 1001 with
# the image's environment. Enrolls it with the control plane at ARGY_URL, runs a deployment through it and
# stops it with SIGTERM.
#
#   ARGY_URL=http://127.0.0.1:8080 ARGY_TOKEN=... bash packaging/ci/image-run-test.sh <image>
set -euo pipefail

image=${1:?usage: image-run-test.sh <image>}
: "${ARGY_URL:?ARGY_URL must point at a running control plane}" "${ARGY_TOKEN:?ARGY_TOKEN must be an admin token}"
export ARGY_URL ARGY_TOKEN STORAGE_DRIVER=vfs
cli=${ARGY_CLI:-argy}

fail() { echo "error: $*" >&2; exit 1; }
command -v buildah >/dev/null || fail "buildah is not installed"

work=$(mktemp -d)
container=$(buildah from --pull=never "$image")
agent_pid=
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  buildah umount "$container" >/dev/null 2>&1 || true
  buildah rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
root=$(buildah mount "$container")
mapfile -t environment < <(buildah inspect --type image --format '{{range .Docker.Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d')
entrypoint=/opt/argy-agent/argy-agent
install -d -m 0700 -o 1001 -g 1001 "$work/state" "$work/work"

# <state mount option: rw|ro> <argy-agent arguments...>: the agent in its own mount namespace, chrooted
# into the image, the image's root read-only.
in_image() {
  local state_mode=$1
  shift
  # shellcheck disable=SC2016 # the inner script gets its values as arguments
  unshare --mount --propagation private -- /bin/bash -euo pipefail -c '
    root=$1 work=$2 state_mode=$3; shift 3
    mount --bind "$root" "$root"
    mount --bind "$work/state" "$root/var/lib/argy-agent"
    [ "$state_mode" = rw ] || mount -o remount,bind,ro "$root/var/lib/argy-agent"
    mount --bind "$work/work" "$root/work"
    mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -o remount,bind,ro "$root"
    exec chroot --userspec=1001:1001 "$root" "$@"
  ' in-image "$root" "$work" "$state_mode" /usr/bin/env -i "${environment[@]}" "$entrypoint" "$@"
}

created=$("$cli" agents create --name ci-image --tags image-ci --json)
token=$(printf '%s' "$created" | sed -n 's/.*"enrollmentToken":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "argy agents create printed no enrollment token: $created"
in_image rw enroll --url "$ARGY_URL" --token "$token" >/dev/null || fail "argy-agent enroll failed in the image"
echo "ok    enrolled from the image"

in_image rw run >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  "$cli" agents list | grep ci-image | grep -q Connected && break
  kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; fail "the agent in the image exited"; }
  sleep 0.2
done
"$cli" agents list | grep ci-image | grep -q Connected || { cat "$work/agent.log" >&2; fail "the agent in the image did not connect"; }
echo "ok    the agent runs on a read-only root file system (writable: /tmp, /work, its state directory) and is Connected"

# shellcheck disable=SC2016 # expanded by the job's shell
log=$("$cli" deploy --product packaging-ci --tags image-ci --timeout 60s --script \
  'echo "uid=$(id -u)"; touch /opt/x 2>/dev/null || echo root-read-only; echo ok > "$PWD/file" && cat "$PWD/file"') \
  || { cat "$work/agent.log" >&2; fail "the deployment through the image failed: $log"; }
printf '%s\n' "$log" | grep -qx 'uid=1001' || fail "the job in the image did not run as uid 1001: $log"
printf '%s\n' "$log" | grep -qx 'root-read-only' || fail "the job could write to the image's root: $log"
printf '%s\n' "$log" | grep -qx 'ok' || fail "the job could not write to its workspace: $log"
echo "ok    a deployment ran in the image: uid 1001, root read-only, workspace writable"

# $! is the subshell running in_image; the agent is its child (unshare, bash, chroot and env all exec into it).
agent_main=$(pgrep -P "$agent_pid" | head -n 1)
[ -n "$agent_main" ] || fail "cannot find the agent process under $agent_pid"
kill -TERM "$agent_main"
status=0
wait "$agent_pid" || status=$?
agent_pid=
[ "$status" -eq 0 ] || { cat "$work/agent.log" >&2; fail "the agent in the image exited $status on SIGTERM"; }
echo "ok    SIGTERM: the agent in the image stopped with exit code 0"
