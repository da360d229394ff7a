#!/usr/bin/env bash
# Benchmark: what token checks cost. GET /api/v1/workloads/{name} on a node with auth on (Bearer
# token of the operator role) next to the same on a node with auth off, same run, same load
# generator (wrk), alternating three times after two warm-up rounds each. Goal: auth-on throughput >= 0.9 of auth-off. Traffic stays on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() {  # name, extra env...; sets $port (not a subshell, so cleanup knows the pid)
  local name=$1; shift
  env "$@" bin/cairn agent --data-dir "$work/$name" --http-port "$(free_port)" --s3-port 0 --log-format json \
    > "$work/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1200); do grep -q '"node ready' "$work/$name.log" 2>/dev/null && break; sleep 0.05; done
  port=$(cat "$work/$name/http.port")
}
start off CAIRN_AUTH_ENABLED=false; off=$port
start on CAIRN_AUTH_ENABLED=true; on=$port
token=$(curl -sf -X POST "http://127.0.0.1:$on/api/v1/acl/bootstrap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
op=$(curl -sf -X POST "http://127.0.0.1:$on/api/v1/acl/tokens" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"name":"bench","role":"operator"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
manifest='{"metadata":{"labels":{"app":"web"}},"spec":{"replicas":2,"command":["sleep","3600"],"env":{"A":"b"}}}'
curl -sf -X PUT "http://127.0.0.1:$off/api/v1/workloads/web" -H 'Content-Type: application/json' -d "$manifest" >/dev/null
curl -sf -X PUT "http://127.0.0.1:$on/api/v1/workloads/web" -H "Authorization: Bearer $op" \
  -H 'Content-Type: application/json' -d "$manifest" >/dev/null

run() {  # url [header]; prints requests/second and p99
  if [ $# -gt 1 ]; then wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$2" "$1" > "$work/wrk.txt"
  else wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1" > "$work/wrk.txt"; fi
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") $(awk '$1=="99%" {print $2}' "$work/wrk.txt")"
}
for _ in 1 2; do  # warm both JITs well: the first rounds vary by 2x
  run "http://127.0.0.1:$off/api/v1/workloads/web" >/dev/null
  run "http://127.0.0.1:$on/api/v1/workloads/web" "Authorization: Bearer $op" >/dev/null
done
results=()
for _ in 1 2 3; do
  read -r off_rps off_p99 < <(run "http://127.0.0.1:$off/api/v1/workloads/web")
  read -r on_rps on_p99 < <(run "http://127.0.0.1:$on/api/v1/workloads/web" "Authorization: Bearer $op")
  printf 'auth off: %s req/s (p99 %s)   auth on: %s req/s (p99 %s)\n' "$off_rps" "$off_p99" "$on_rps" "$on_p99"
  results+=("$on_rps/$off_rps")
done
python3 -c "
r = [eval(x) for x in '${results[*]}'.split()]
print('ratio auth on / off = %s (mean %.2f; goal >= 0.9)' % (', '.join('%.2f' % x for x in r), sum(r) / len(r)))"
