#!/usr/bin/env bash
# Builds Dockerfile.agent with buildah, without a Docker engine or a registry: the runtime base is a
# debootstrap'ed Debian root (packaging/ci/debootstrap-base.sh), the SDK base is that root plus this machine's
# .NET SDK, and NuGet packages come from this machine's package cache (mounted read-only into the build, which
# then needs no network: NuGet's vulnerability audit, which would query the source, is off for it).
# Then checks the image's configuration and runs argy-agent --version and doctor inside it.
#
#   bash packaging/ci/image.sh <debootstrapped root> <image name>
set -euo pipefail

rootfs=${1:?usage: image.sh <debootstrapped root> <image name>}
image=${2:?usage: image.sh <debootstrapped root> <image name>}
repo=$(cd "$(dirname "$0")/../.." && pwd)

fail() { echo "error: $*" >&2; exit 1; }
command -v buildah >/dev/null || fail "buildah is not installed (apt-get install buildah)"
[ -x "$rootfs/bin/sh" ] || fail "$rootfs is not a root file system"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
nuget_packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
[ -d "$nuget_packages" ] || fail "no NuGet package cache at $nuget_packages (restore the solution first)"

# vfs and chroot: no overlay mounts, no OCI runtime; what works inside CI's sandbox.
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
base=localhost/argy-ci/runtime-deps:bookworm
sdk=localhost/argy-ci/sdk:10.0
work=$(mktemp -d)
containers=()
cleanup() {
  for container in "${containers[@]}"; do buildah rm "$container" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '::: image: %s\n' "$*"; }

step "runtime base $base from $rootfs"
tar -C "$rootfs" --numeric-owner -cf "$work/rootfs.tar" .
container=$(buildah from scratch)
containers+=("$container")
buildah add "$container" "$work/rootfs.tar" / >/dev/null
rm -f "$work/rootfs.tar"
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/sh "$container"
buildah commit --quiet --rm "$container" "$base" >/dev/null
containers=()

step "SDK base $sdk with the .NET SDK from $dotnet_root"
container=$(buildah from --pull=never "$base")
containers+=("$container")
buildah copy --quiet "$container" "$dotnet_root" /usr/share/dotnet >/dev/null
buildah run "$container" -- ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
buildah config --env DOTNET_ROOT=/usr/share/dotnet --env DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
  --env DOTNET_CLI_TELEMETRY_OPTOUT=1 --env DOTNET_NOLOGO=1 --env NUGET_PACKAGES=/nuget/packages "$container"
buildah commit --quiet --rm "$container" "$sdk" >/dev/null
containers=()

step "building Dockerfile.agent"
context="$work/context"
mkdir -p "$context"
# What Dockerfile.agent copies, without build outputs.
tar -C "$repo" --exclude=bin --exclude=obj -cf - Dockerfile.agent global.json Directory.Build.props \
  Directory.Packages.props protocol agent/Argy.Agent | tar -xf - -C "$context"
started=$(date +%s)
buildah build --quiet --pull=never --format docker --layers=false \
  --build-arg SDK_IMAGE="$sdk" --build-arg RUNTIME_IMAGE="$base" \
  --build-arg TARGETARCH=amd64 --build-arg NUGET_AUDIT=false --build-arg VERSION="$version" \
  --build-arg REVISION="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --volume "$nuget_packages:/nuget/packages:ro" \
  -f "$context/Dockerfile.agent" -t "$image" "$context" >/dev/null \
  || fail "buildah build of Dockerfile.agent failed"
echo "built $image in $(( $(date +%s) - started )) s"

step "checking the image configuration"
config() { buildah inspect --type image --format "$1" "$image"; }
[ "$(config '{{.Docker.Config.User}}')" = "1001:1001" ] || fail "image user is '$(config '{{.Docker.Config.User}}')', expected 1001:1001"
[ "$(config '{{.Docker.Config.Entrypoint}}')" = '[/opt/argy-agent/argy-agent]' ] \
  || fail "image entrypoint is $(config '{{.Docker.Config.Entrypoint}}')"
[ "$(config '{{.Docker.Config.Cmd}}')" = '[run]' ] || fail "image command is $(config '{{.Docker.Config.Cmd}}')"
config '{{.Docker.Config.Healthcheck}}' | grep -q 'argy-agent' || fail "image has no healthcheck"
for label in title description version revision created licenses; do
  config "{{index .Docker.Config.Labels \"org.opencontainers.image.$label\"}}" | grep -q . \
    || fail "image has no org.opencontainers.image.$label label"
done
[ "$(config '{{index .Docker.Config.Labels "org.opencontainers.image.version"}}')" = "$version" ] || fail "image version label is not $version"

step "running argy-agent inside the image"
container=$(buildah from --pull=never "$image")
containers+=("$container")
out=$(buildah run "$container" -- /opt/argy-agent/argy-agent --version) || fail "argy-agent --version failed in the image"
[ "$out" = "argy-agent $version" ] || fail "argy-agent --version printed '$out' in the image"
echo "$out"
[ "$(buildah run "$container" -- id -u)" = 1001 ] || fail "processes in the image do not run as uid 1001"
buildah run "$container" -- /opt/argy-agent/argy-agent doctor || fail "argy-agent doctor failed in the image"

size=$(buildah images --format '{{.Size}}' "$image" | head -n 1)
echo "image $image: $size (base $(buildah images --format '{{.Size}}' "$base" | head -n 1))"
