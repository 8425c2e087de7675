#!/usr/bin/env bash
# Everything CI checks about packaging and the supply chain, on this machine, as root:
#   lint (shellcheck, yamllint, dockerfilelint, systemd-analyze), secret scan (secretlint), self-contained
#   publish (the agent with NativeAOT, which needs clang and zlib1g-dev), Debian package installed with
#   dpkg -i / --version / doctor / purge, install script, the package under a real systemd (systemd-nspawn),
#   the container image built with buildah from a debootstrap'ed base and run read-only, Kubernetes rendering
#   (kubectl kustomize), CycloneDX SBOM.
# Tools come from .ci/run (apt and npm); ARGY_NPM_BIN points at the npm tools' bin directory.
# Artefacts land in artifacts/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
npm_bin=${ARGY_NPM_BIN:-$root/artifacts/ci-tools/node_modules/.bin}
artifacts=$root/artifacts
# The agent unit's exposure is 2.6: each setting that would lower it breaks bubblewrap, the .NET systemd
# integration or the .NET runtime (see packaging/systemd/argy-agent.service). CI keeps it from rising.
max_exposure=${ARGY_MAX_EXPOSURE:-2.6}
scratch=$(mktemp -d /var/tmp/argy-packaging.XXXXXX)
chmod 0755 "$scratch" # the doctor probe job (uid 1001) must reach its work root below it
controlplane_pid=
cleanup() {
  if [ -n "$controlplane_pid" ]; then kill "$controlplane_pid" 2>/dev/null || true; wait "$controlplane_pid" 2>/dev/null || true; fi
  if [ "$(dpkg-query -W -f '${Status}' argy-agent 2>/dev/null || true)" != "" ]; then
    dpkg --purge argy-agent >/dev/null 2>&1 || true
  fi
  if [ -e /opt/argy-agent ] || [ -e /etc/argy-agent ]; then
    sh packaging/install.sh --uninstall --purge >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

fail() { echo "error: $*" >&2; exit 1; }
timings=()
current=
current_started=0
step() {
  finish_step
  current=$1
  current_started=$(date +%s)
  printf '\n::: packaging: %s\n' "$current"
}
finish_step() {
  if [ -n "$current" ]; then timings+=("$(printf '%4d s  %s' $(( $(date +%s) - current_started )) "$current")"); fi
  current=
}
need() { command -v "$1" >/dev/null || fail "$1 is not installed (.ci/run installs it; clang: apt-get install clang zlib1g-dev)"; }
for tool in dotnet clang shellcheck yamllint systemd-analyze dpkg-deb debootstrap buildah systemd-nspawn kubectl; do need "$tool"; done
[ -e /usr/include/zlib.h ] || fail "zlib1g-dev is not installed (the NativeAOT agent links against zlib)"
for tool in secretlint dockerfilelint cdxgen; do [ -x "$npm_bin/$tool" ] || fail "$npm_bin/$tool is missing (.ci/run installs it with npm)"; done
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
started=$(date +%s)

step "shellcheck (every tracked shell script: *.sh and files with a sh/bash shebang)"
mapfile -t scripts < <(git ls-files -z | while IFS= read -r -d '' file; do
  case $file in
    *.sh) echo "$file" ;;
    *) if [ -f "$file" ] && head -n 1 "$file" | grep -Eq '^#! ?(/usr)?/bin/(env )?(ba|da)?sh'; then echo "$file"; fi ;;
  esac
done)
shellcheck "${scripts[@]}"
echo "${#scripts[@]} scripts clean"

step "yamllint (packaging/yamllint.yaml) on the packaging YAML"
mapfile -t yaml_files < <(git ls-files 'packaging/*.yaml' 'packaging/*.yml')
yamllint --strict -c packaging/yamllint.yaml "${yaml_files[@]}"
echo "${#yaml_files[@]} YAML files clean"

step "dockerfilelint Dockerfile.agent"
"$npm_bin/dockerfilelint" -c packaging/ci/dockerfilelint Dockerfile.agent

step "secret scan (secretlint, recommended preset, every tracked file)"
git ls-files -z | xargs -0 "$npm_bin/secretlint" --secretlintrc packaging/ci/secretlintrc.json --maskSecrets
echo "no secrets found in $(git ls-files | wc -l) tracked files"

step "systemd units: offline security exposure"
for unit in argy-agent argy-controlplane; do
  score=$(systemd-analyze security --offline=true "packaging/systemd/$unit.service" 2>/dev/null \
    | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  [ -n "$score" ] || fail "systemd-analyze security gave no score for $unit.service"
  echo "$unit.service exposure: $score"
  awk -v s="$score" -v max="$max_exposure" 'BEGIN { exit !(s <= max) }' || fail "$unit.service exposure $score is above $max_exposure"
done

step "publish argy-agent (NativeAOT), argy-controlplane, argy (self-contained, single file, linux-x64)"
bash packaging/publish.sh
for name in argy-agent argy-controlplane argy; do
  started_ms=$(date +%s%N)
  "$artifacts/publish/$name/$name" --version >/dev/null || fail "$name --version failed"
  echo "$name --version: $(( ($(date +%s%N) - started_ms) / 1000000 )) ms"
done

step "Debian package, and an upgrade of it"
bash packaging/debian/build-deb.sh
deb="$artifacts/argy-agent_${version}_amd64.deb"
ARGY_DEB_VERSION="$version+ci1" bash packaging/debian/build-deb.sh
upgrade_deb="$artifacts/argy-agent_${version}+ci1_amd64.deb"

step "dpkg -i on this machine, argy-agent --version, doctor, systemd-analyze verify, purge"
existing_work=no
[ -e /work ] && existing_work=yes
dpkg -i "$deb"
[ "$(argy-agent --version)" = "argy-agent $version" ] || fail "argy-agent --version printed '$(argy-agent --version)'"
argy-agent --version
[ "$(stat -c '%U %a' /var/lib/argy-agent)" = "argy-agent 700" ] || fail "/var/lib/argy-agent is $(stat -c '%U %a' /var/lib/argy-agent)"
# The probe job of doctor gets its own work root here: /work may be in use on a CI host.
argy-agent doctor --work-root "$scratch/doctor-work" || fail "argy-agent doctor failed"
systemd-analyze verify /lib/systemd/system/argy-agent.service
dpkg --purge argy-agent
for path in /usr/lib/argy-agent /usr/bin/argy-agent /etc/argy-agent /var/lib/argy-agent /lib/systemd/system/argy-agent.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after dpkg --purge"; fi
done
! getent passwd argy-agent >/dev/null || fail "the argy-agent user is left after dpkg --purge"
if [ "$existing_work" = yes ] && [ ! -d /work ]; then fail "purge removed a /work it did not create"; fi
echo "installed, checked and purged"

step "install script: install, reinstall, uninstall --purge"
tarball="$artifacts/argy-agent_${version}_linux-x64.tar.gz"
sh packaging/install.sh --from "$tarball"
[ "$(/usr/local/bin/argy-agent --version)" = "argy-agent $version" ] || fail "the script-installed argy-agent does not run"
grep -qx 'ExecStart=/opt/argy-agent/argy-agent run' /etc/systemd/system/argy-agent.service || fail "the installed unit does not run /opt/argy-agent/argy-agent"
systemd-analyze verify /etc/systemd/system/argy-agent.service
echo 'ARGY_AGENT__CAPACITY=3' >> /etc/argy-agent/agent.env
reinstall=$(sh packaging/install.sh --from "$tarball" 2>&1) || fail "a second install failed: $reinstall"
grep -q "^Upgraded" <<<"$reinstall" || fail "a second install did not report an upgrade: $reinstall"
grep -qx 'ARGY_AGENT__CAPACITY=3' /etc/argy-agent/agent.env || fail "a reinstall overwrote /etc/argy-agent/agent.env"
sh packaging/install.sh --uninstall --purge
for path in /opt/argy-agent /usr/local/bin/argy-agent /etc/argy-agent /var/lib/argy-agent /etc/systemd/system/argy-agent.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after install.sh --uninstall --purge"; fi
done
! getent passwd argy-agent >/dev/null || fail "the argy-agent user is left after install.sh --uninstall --purge"

step "control plane from the published executable"
cp_dir="$scratch/controlplane"
mkdir -p "$cp_dir"
"$artifacts/publish/argy-controlplane/argy-controlplane" bootstrap --database "$cp_dir/argy.db" --json > "$cp_dir/bootstrap.json"
ARGY_TOKEN=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$cp_dir/bootstrap.json")
[ -n "$ARGY_TOKEN" ] || fail "argy-controlplane bootstrap printed no token"
Argy__Storage__DatabasePath="$cp_dir/argy.db" Argy__Server__Http=127.0.0.1:0 Argy__Server__Grpc=127.0.0.1:0 \
Argy__Server__ReadyFile="$cp_dir/ready.json" Argy__Bootstrap__Auto=false \
  "$artifacts/publish/argy-controlplane/argy-controlplane" > "$cp_dir/controlplane.log" 2>&1 &
controlplane_pid=$!
cp_started=$(date +%s%N)
for _ in $(seq 1 300); do
  [ -f "$cp_dir/ready.json" ] && break
  kill -0 "$controlplane_pid" 2>/dev/null || { cat "$cp_dir/controlplane.log" >&2; fail "the control plane exited"; }
  sleep 0.05
done
[ -f "$cp_dir/ready.json" ] || { cat "$cp_dir/controlplane.log" >&2; fail "the control plane did not start within 15 s"; }
echo "argy-controlplane start to listening: $(( ($(date +%s%N) - cp_started) / 1000000 )) ms"
ARGY_URL=$(sed -n 's/.*"http":"\([^"]*\)".*/\1/p' "$cp_dir/ready.json")
export ARGY_URL ARGY_TOKEN
"$artifacts/publish/argy/argy" agents list >/dev/null || fail "the published argy CLI cannot talk to the control plane"
echo "listening on $ARGY_URL; the published CLI reaches it"

step "debootstrap a minimal Debian (bookworm, minbase)"
bash packaging/ci/debootstrap-base.sh "$scratch/rootfs"

step "the package under systemd (systemd-nspawn): enable, doctor in the unit's sandbox, enroll, start, deploy, stop, restart, revoke, upgrade, purge"
ARGY_MAX_EXPOSURE=$max_exposure bash packaging/ci/systemd-test.sh "$scratch/rootfs" "$deb" "$upgrade_deb" "$artifacts/publish/argy/argy"

step "container image: buildah build of Dockerfile.agent, configuration, --version, doctor"
image="localhost/argy-agent:$version"
bash packaging/ci/image.sh "$scratch/rootfs" "$image"

step "container image run: read-only root, uid 1001, enroll, deploy, SIGTERM"
ARGY_CLI="$artifacts/publish/argy/argy" bash packaging/ci/image-run-test.sh "$image"

step "Kubernetes: kubectl kustomize (base, overlays/production)"
mkdir -p "$artifacts/kubernetes"
for kustomization in base overlays/production; do
  out="$artifacts/kubernetes/$(basename "$kustomization").yaml"
  kubectl kustomize "packaging/kubernetes/$kustomization" > "$out" || fail "kubectl kustomize $kustomization failed"
  echo "$kustomization: $(grep -c '^kind:' "$out") objects -> ${out#"$root"/}"
done
echo "(their security settings are asserted by tests/Argy.Packaging.Tests in dotnet test)"

step "SBOM (CycloneDX, cdxgen)"
dotnet restore Argy.sln --nologo -v quiet >/dev/null
"$npm_bin/cdxgen" -t dotnet --no-install-deps --project-name argy --project-version "$version" \
  -o "$artifacts/sbom.cdx.json" . >"$scratch/cdxgen.log" 2>&1 \
  || { tail -n 20 "$scratch/cdxgen.log" >&2; fail "cdxgen failed"; }
components=$(grep -o '"bom-ref"' "$artifacts/sbom.cdx.json" | wc -l)
for package in Grpc.Net.Client Grpc.AspNetCore Microsoft.Data.Sqlite Serilog System.CommandLine; do
  grep -q "\"name\":\"$package\"" "$artifacts/sbom.cdx.json" || fail "the SBOM does not list $package"
done
echo "artifacts/sbom.cdx.json: $components components"
echo "note: the NuGet mirror here serves no vulnerability data, so no vulnerability scan is claimed" \
  "('dotnet list package --vulnerable' would report nothing whatever the packages are)."

finish_step
echo
echo "::: packaging: all checks passed in $(( $(date +%s) - started )) s"
printf '%s\n' "${timings[@]}"
