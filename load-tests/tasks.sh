#!/usr/bin/env bash
# Benchmark: task throughput (`true` tasks/s) and submit -> first output byte latency for `echo hi`
# on one node, printed next to a bare process spawn measured in the same run by the same JVM.
# Goals: >= 500 tasks/s; p50 latency <= 2 x the bare spawn's. Traffic stays on 127.0.0.1.
# N (tasks, default 3000), C (requests in flight, 32), M (latency samples, 300), SLOTS (tasks.maxConcurrent, 0 = cores).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package
work=$(mktemp -d)
node=""
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

launch=${LAUNCH:+-Djdk.lang.Process.launchMechanism=$LAUNCH}
CAIRN_JAVA_OPTS="$launch" CAIRN_TASKS_MAX_CONCURRENT=${SLOTS:-0} CAIRN_TASKS_QUEUE_CAPACITY=100000 \
  bin/cairn agent --dev --data-dir "$work/data" --http-port "$(free_port)" --log-format json > "$work/node.log" 2>&1 &
node=$!
for _ in $(seq 1200); do grep -q '"node ready' "$work/node.log" 2>/dev/null && break; kill -0 "$node" 2>/dev/null || { cat "$work/node.log"; exit 1; }; sleep 0.05; done
port=$(cat "$work/data/http.port")

read -r rate bare_rate p50 p99 bare_p50 bare_p99 < <("$JAVA_HOME/bin/java" $launch -cp target/cairn.jar load-tests/TaskLoad.java \
  "http://127.0.0.1:$port" "${N:-3000}" "${C:-32}" "${M:-300}" 2>"$work/load.err") || { cat "$work/load.err"; exit 1; }
python3 - "$rate" "$bare_rate" "$p50" "$p99" "$bare_p50" "$bare_p99" "$(nproc)" "${SLOTS:-0}" <<'PY'
import sys
rate, bare_rate, p50, p99, bp50, bp99 = map(float, sys.argv[1:7])
cores, slots = sys.argv[7], sys.argv[8]
print(f"cores {cores}, tasks.maxConcurrent {slots if slots != '0' else 'cores'}")
print(f"throughput: cairn {rate:,.0f} tasks/s (goal 500) | bare spawn+wait of `true` {bare_rate:,.0f}/s | ratio {rate/bare_rate:.2f}")
print(f"submit -> first byte of `echo hi`: cairn p50 {p50:.2f} ms, p99 {p99:.2f} ms | bare spawn -> first byte p50 {bp50:.2f} ms, p99 {bp99:.2f} ms | p50 ratio {p50/bp50:.2f} (goal <= 2)")
PY
