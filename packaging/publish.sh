#!/usr/bin/env bash
# Publishes argy-agent, argy-controlplane and argy as self-contained executables for one runtime (no .NET
# needed on the target) and packs each into a tarball. argy-agent is compiled ahead of time (NativeAOT, see
# agent/Argy.Agent/Argy.Agent.csproj), which needs clang and zlib1g-dev here; the other two are single-file.
#
#   bash packaging/publish.sh                # linux-x64, into artifacts/
#   ARGY_RID=linux-arm64 ARGY_AGENT_NATIVE_AOT=false bash packaging/publish.sh
#                                            # NativeAOT does not cross-compile without a target sysroot: the
#                                            # agent is then the JIT single-file executable (trimmed, ReadyToRun)
#
# Output: artifacts/publish/<name>/ and artifacts/<name>_<version>_<rid>.tar.gz
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rid=${ARGY_RID:-linux-x64}
native_aot=${ARGY_AGENT_NATIVE_AOT:-true}
out=${ARGY_ARTIFACTS:-$root/artifacts}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

fail() { echo "error: $*" >&2; exit 1; }
command -v dotnet >/dev/null || fail "the .NET 10 SDK is required (dotnet not found on PATH)"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)
[ -n "$version" ] || fail "no <Version> in Directory.Build.props"

publish() { # <project dir> <name> [dotnet publish arguments]
  local project=$1 name=$2 dir="$out/publish/$2" started
  shift 2
  started=$(date +%s)
  rm -rf "$dir"
  dotnet publish "$root/$project" -c Release -r "$rid" -o "$dir" --nologo -v quiet -clp:ErrorsOnly "$@" \
    || fail "dotnet publish $project failed"
  # Symbols stay out of the packages; a single-file executable finds everything else inside itself.
  find "$dir" \( -name '*.pdb' -o -name '*.dbg' \) -delete
  [ -x "$dir/$name" ] || fail "$dir/$name was not produced"
  echo "published $name $version ($rid): $(du -sh "$dir" | cut -f1) in $(( $(date +%s) - started )) s"
}

tarball() { # <name> <extra files...>
  local name=$1 stage="$out/stage/$1-$version"
  shift
  rm -rf "$stage"
  mkdir -p "$stage"
  cp -a "$out/publish/$name/." "$stage/"
  [ $# -eq 0 ] || cp "$@" "$stage/"
  cp "$root/LICENSE" "$stage/"
  tar -C "$out/stage" --owner=0 --group=0 -czf "$out/${name}_${version}_${rid}.tar.gz" "$name-$version"
  rm -rf "$stage"
  echo "packed $out/${name}_${version}_${rid}.tar.gz ($(du -h "$out/${name}_${version}_${rid}.tar.gz" | cut -f1))"
}

mkdir -p "$out"
if [ "$native_aot" = true ]; then
  command -v clang >/dev/null || fail "clang is required to publish the NativeAOT agent (apt-get install clang zlib1g-dev; or ARGY_AGENT_NATIVE_AOT=false)"
fi
publish agent/Argy.Agent argy-agent -p:ArgyNativeAot="$native_aot"
publish controlplane/Argy.ControlPlane argy-controlplane
publish controlplane/Argy.Cli argy

tarball argy-agent "$root/packaging/install.sh" "$root/packaging/systemd/argy-agent.service" "$root/packaging/debian/agent.env"
tarball argy-controlplane "$root/packaging/systemd/argy-controlplane.service"
tarball argy
rmdir "$out/stage" 2>/dev/null || true
