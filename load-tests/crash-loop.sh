#!/usr/bin/env bash
# Benchmark: cpu a crash-looping workload costs the node with the default restart floor
# (reconcile.minRestartBackoff 1s): 20 replicas of `true`, restarting as fast as the floor allows,
# next to the same node idle, measured in the same run from /proc (agent + reaped children).
# Goal: the crash loop costs under 5% of one core. D (seconds per window, default 30), R (replicas,
# 20), BACKOFF ("initial max", default "1s 1s": the fastest the floor allows; "1s 30s" is the default policy).
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
window=${D:-30}
replicas=${R:-20}
read -r initial max <<<"${BACKOFF:-1s 1s}"

bin/cairn agent --dev --data-dir "$work/data" --http-port "$(free_port)" --s3-port 0 --log-format json > "$work/node.log" 2>&1 &
node=$!
for _ in $(seq 1200); do grep -q '"node ready' "$work/node.log" 2>/dev/null && break; kill -0 "$node" 2>/dev/null || { cat "$work/node.log"; exit 1; }; sleep 0.05; done
port=$(cat "$work/data/http.port")
# the JVM is bin/cairn's child after exec: same pid
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$node/stat"; }
hz=$(getconf CLK_TCK)
sleep 5 # let start-up work settle

idle0=$(ticks); sleep "$window"; idle1=$(ticks)
curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$port/api/v1/workloads/spin" -H 'Content-Type: application/yaml' --data-binary @- <<YAML
apiVersion: cairn/v1
kind: Workload
metadata: { name: spin }
spec:
  replicas: $replicas
  command: ["true"]
  restartPolicy: { mode: Always, maxRestarts: 1000000, backoff: { initial: $initial, max: $max } }
YAML
sleep 3
loop0=$(ticks); sleep "$window"; loop1=$(ticks)
restarts=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^cairn_workload_restarts_total /{print $2}')
python3 - "$idle0" "$idle1" "$loop0" "$loop1" "$hz" "$window" "$restarts" "$replicas" "$initial" "$max" <<'PY'
import sys
i0, i1, l0, l1, hz, window = (float(x) for x in sys.argv[1:7])
idle = (i1 - i0) / hz / window * 100
loop = (l1 - l0) / hz / window * 100
print(f"window {window:.0f}s; {sys.argv[8]} replicas of true, backoff {sys.argv[9]}..{sys.argv[10]}; restarts so far {sys.argv[7]}")
print(f"idle node:        {idle:5.2f}% of a core")
print(f"crash-looping:    {loop:5.2f}% of a core  (ratio to idle {loop / max(idle, 0.01):.1f}x; goal < 5%)")
PY
