#!/usr/bin/env bash
# Benchmark: GET /api/v1/workloads/{name} on a real node, next to a bare Vert.x route returning the
# same bytes, measured in the same run with the same load generator (wrk). Prints the ratio
# (goal >= 0.6), plus the node's start-to-ready time and idle RSS. Traffic stays on 127.0.0.1.
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
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1. start-to-ready of `bin/cairn agent --dev` (first run builds the class-data archive; measure the second)
bin/cairn agent --dev --data-dir "$work/warm" --http-port 0 --log-format json > "$work/warm.log" 2>&1 & p=$!
for _ in $(seq 600); do grep -q '"node ready' "$work/warm.log" 2>/dev/null && break; kill -0 "$p" 2>/dev/null || { cat "$work/warm.log"; exit 1; }; sleep 0.1; done
kill "$p"; wait "$p" || true
# a fixed port, as in production (port 0 would run a single API instance)
bin/cairn agent --dev --data-dir "$work/data" --http-port "$(free_port)" --log-format json > "$work/node.log" 2>&1 & node=$!
pids+=("$node")
for _ in $(seq 1200); do grep -q '"node ready' "$work/node.log" 2>/dev/null && break; kill -0 "$node" 2>/dev/null || { cat "$work/node.log"; exit 1; }; sleep 0.05; done
ready_ms=$(grep -o '"startToReadyMs":[0-9]*' "$work/node.log" | cut -d: -f2)
port=$(cat "$work/data/http.port")
sleep 5
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$node/status)

# 2. a workload to read
curl -sf -X PUT "http://127.0.0.1:$port/api/v1/workloads/web" -H 'Content-Type: application/json' \
  -d '{"metadata":{"labels":{"app":"web"}},"spec":{"replicas":2,"command":["sleep","3600"],"resources":{"cpu":"10m","memory":"8Mi"}}}' >/dev/null
curl -sf "http://127.0.0.1:$port/api/v1/workloads/web" > "$work/body.json"

# 3. the baseline: bare Vert.x, same bytes
bare_port=$(free_port)
"$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx512m -cp target/cairn.jar load-tests/BareServer.java "$bare_port" "$work/body.json" > "$work/bare.log" 2>&1 &
pids+=("$!")
until grep -q 'bare server' "$work/bare.log" 2>/dev/null; do sleep 0.1; done

run() {  # prints requests/second and p99 latency
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1" > "$work/wrk.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
  echo "$rps $p99"
}
run "http://127.0.0.1:$port/api/v1/workloads/web" >/dev/null   # warm-up both JITs
run "http://127.0.0.1:$bare_port/api/v1/workloads/web" >/dev/null
read -r cairn_rps cairn_p99 < <(run "http://127.0.0.1:$port/api/v1/workloads/web")
read -r bare_rps bare_p99 < <(run "http://127.0.0.1:$bare_port/api/v1/workloads/web")
curl -sf -X DELETE "http://127.0.0.1:$port/api/v1/workloads/web" >/dev/null

printf 'GET /api/v1/workloads/web  cairn: %s req/s (p99 %s)   bare vert.x: %s req/s (p99 %s)\n' \
  "$cairn_rps" "$cairn_p99" "$bare_rps" "$bare_p99"
python3 -c "print('ratio cairn/bare = %.2f (goal >= 0.6)' % ($cairn_rps/$bare_rps))"
echo "start-to-ready: ${ready_ms} ms (goal <= 1500)   idle RSS: $((rss_kb/1024)) MB (goal <= 150)"
