#!/usr/bin/env bash
# Runs Argy on this machine: the control plane on its embedded SQLite file, one local agent, and a first
# deployment streamed to your terminal. Everything lives in ./.argy-dev; Ctrl+C stops it all.
#
#   bash packaging/quickstart.sh            # ports 8080 (REST) and 8081 (agent gRPC)
#   ARGY_HTTP_PORT=9080 ARGY_GRPC_PORT=9081 bash packaging/quickstart.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.argy-dev"
http_port=${ARGY_HTTP_PORT:-8080}
grpc_port=${ARGY_GRPC_PORT:-8081}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null || fail "the .NET 10 SDK is required (dotnet not found on PATH)"
mkdir -p "$state/work"
# Jobs run as uid 1001 when this runs as root: they must be able to pass through (not list) to their workspace.
chmod 711 "$state"

say "Building (Release)"
dotnet build "$root/Argy.sln" -c Release --nologo -v quiet -clp:ErrorsOnly
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
controlplane=$(bin controlplane/Argy.ControlPlane argy-controlplane.dll)
agent=$(bin agent/Argy.Agent argy-agent.dll)
cli=$(bin controlplane/Argy.Cli argy.dll)
argy() { dotnet "$cli" "$@"; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

database="$state/argy.db"
if [ ! -f "$state/admin.token" ]; then
  say "Creating the default tenant and its admin token"
  dotnet "$controlplane" bootstrap --database "$database" --tenant default --json > "$state/bootstrap.json"
  umask 077
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$state/bootstrap.json" > "$state/admin.token"
  rm -f "$state/bootstrap.json"
fi

say "Starting the control plane on http://127.0.0.1:$http_port (agents: 127.0.0.1:$grpc_port)"
rm -f "$state/ready.json"
Argy__Storage__DatabasePath="$database" \
Argy__Server__Http="127.0.0.1:$http_port" \
Argy__Server__Grpc="127.0.0.1:$grpc_port" \
Argy__Server__ReadyFile="$state/ready.json" \
Argy__Bootstrap__Auto=false \
  dotnet "$controlplane" > "$state/controlplane.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  [ -f "$state/ready.json" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$state/controlplane.log" >&2; fail "the control plane did not start"; }
  sleep 0.1
done
[ -f "$state/ready.json" ] || fail "the control plane did not start within 15 s (see $state/controlplane.log)"

export ARGY_URL="http://127.0.0.1:$http_port"
ARGY_TOKEN=$(cat "$state/admin.token")
export ARGY_TOKEN

if [ ! -f "$state/agent/agent.json" ]; then
  say "Creating a local agent and enrolling it with its one-time token"
  created=$(argy agents create --name "local-$(hostname -s)" --tags local,linux --json)
  token=$(printf '%s' "$created" | sed -n 's/.*"enrollmentToken":"\([^"]*\)".*/\1/p')
  dotnet "$agent" enroll --url "$ARGY_URL" --token "$token" --state-dir "$state/agent"
fi

say "Starting the agent (jobs run in $state/work/<runId>/)"
# Jobs run in a bubblewrap sandbox when this machine has it (apt-get install bubblewrap); on a development
# machine without it the agent falls back to plain processes and says so in its log.
ARGY_AGENT__ISOLATION__ALLOWFALLBACK=true \
  dotnet "$agent" run --state-dir "$state/agent" --work-root "$state/work" > "$state/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  argy agents list | grep -q Connected && break
  sleep 0.1
done
argy agents list

say "Deploying: argy deploy --product hello --tags local --script '...'"
# shellcheck disable=SC2016 # expanded by the job's shell, on the agent
argy deploy --product hello --tags local --script 'echo "Hello from $(hostname), run $ARGY_RUN_ID"; uname -sr; echo "working in $PWD"'

cat <<INFO

Argy is running. In another terminal:

  export ARGY_URL=$ARGY_URL
  export ARGY_TOKEN=\$(cat $state/admin.token)
  dotnet $cli agents list
  dotnet $cli deploy --product web --tags local -- sh -c 'echo deploying; sleep 2; echo done'
  curl -s -H "Authorization: Bearer \$ARGY_TOKEN" \$ARGY_URL/api/v1/deployments | head -c 400

OpenAPI document: $ARGY_URL/openapi/v1.json
Logs: $state/controlplane.log, $state/agent.log. Press Ctrl+C to stop.
INFO
wait "${pids[0]}"
