#!/usr/bin/env bash
# Benchmark: control-state writes through the Raft log. Workload applies (PUT of a 0-replica
# workload, unique names) against a single node and against a 3-server cluster on 127.0.0.1, same
# run, same load generator (wrk with concurrent connections, so concurrent writes share log
# entries), at the leader and at a follower, each after a warm-up run. Prints throughput and
# p50/p99 of each, the cluster/single ratios, and the latency of lone writes (1 connection).
# Goal: cluster throughput >= 0.3 of single node; cluster p99 <= 20 ms on loopback. Admission's cpu
# threshold is lifted (the load itself would trip it).
# Then: catch-up time of a server that was down while N more workloads (default 5000, about
# 10,000 log entries) were applied, until its digest equals the leader's.
# The cluster runs twice in the same run: plaintext, then with mutual TLS between the nodes
# (certificates from `cairn tls`; the API stays plaintext so wrk measures the same client path);
# goal: TLS throughput >= 0.8 of plaintext.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
BEHIND=${BEHIND:-5000}  # one at a time: about 2 log entries each (the spec, then its status)
SECRET=bench-cluster-secret-0123456789
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ready() { for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

cat > "$work/apply.lua" <<'LUA'
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
function request()
  n = n + 1
  local name = prefix .. tid .. "-" .. n
  local body = '{"apiVersion":"cairn/v1","kind":"Workload","metadata":{"name":"' .. name ..
      '"},"spec":{"replicas":0,"command":["sleep","1"]}}'
  return wrk.format("PUT", "/api/v1/workloads/" .. name, {["Content-Type"] = "application/json"}, body)
end
LUA
bench() {  # label, port, prefix
  sed "1i prefix = \"$3\"" "$work/apply.lua" > "$work/apply-$3.lua"
  local out rps p50 p99 non2xx
  out=$(wrk -t"$(( CONNECTIONS < 2 ? 1 : 2 ))" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/apply-$3.lua" "http://127.0.0.1:$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-10s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" >&2
  echo "$rps"
}

# single node
sp=$(free_port)
CAIRN_ADMISSION_CPU_THRESHOLD=100 bin/cairn agent --data-dir "$work/single" --http-port "$sp" --s3-port 0 --log-format json > "$work/single.log" 2>&1 &
pids+=("$!")
ready "$sp"

# a CA and one server certificate per member, for the TLS run
bin/cairn tls ca create --out "$work/pki" >/dev/null
for i in 0 1 2; do
  bin/cairn tls cert create --ca "$work/pki" --role server --name "c$i" --ip 127.0.0.1 --out "$work/pki" >/dev/null
done

declare -a member_pid
start_member() {  # index, tls (0/1)
  local tls_env=()
  if [ "$2" = 1 ]; then
    tls_env=(CAIRN_TLS_CA_FILE="$work/pki/ca.pem" CAIRN_TLS_CERT_FILE="$work/pki/c$1.pem" CAIRN_TLS_KEY_FILE="$work/pki/c$1-key.pem")
  fi
  env "${tls_env[@]}" CAIRN_CLUSTER_SECRET=$SECRET CAIRN_ADMISSION_CPU_THRESHOLD=100 bin/cairn agent --cluster --join "$join" \
    --cluster-port "${cp[$1]}" --raft-port "${rp[$1]}" --http-port "${hp[$1]}" --s3-port 0 --data-dir "$work/$run/c$1" \
    --log-format json >> "$work/$run-c$1.log" 2>&1 &
  pids+=("$!")
  member_pid[$1]=$!
}

cluster_run() {  # label, tls (0/1): prints the leader's throughput on stdout
  run=$1
  cp=(); rp=(); hp=()
  for i in 0 1 2; do cp+=("$(free_port)"); rp+=("$(free_port)"); hp+=("$(free_port)"); done
  join="127.0.0.1:${cp[0]},127.0.0.1:${cp[1]},127.0.0.1:${cp[2]}"
  for i in 0 1 2; do start_member "$i" "$2"; done
  for i in 0 1 2; do ready "${hp[$i]}"; done
  leader=$(curl -s "http://127.0.0.1:${hp[0]}/api/v1/cluster" | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"])')
  lead=0
  for i in 0 1 2; do [ "$(cat "$work/$run/c$i/node.id")" = "$leader" ] && lead=$i; done
  follow=$(( (lead + 1) % 3 ))
  echo "== cluster, $run ==" >&2
  bench warmup "${hp[$lead]}" "w$run" >/dev/null
  bench warmup "${hp[$follow]}" "v$run" >/dev/null
  echo "$CONNECTIONS connections:" >&2
  atleader=$(bench leader "${hp[$lead]}" "l$run")
  atfollower=$(bench follower "${hp[$follow]}" "f$run")
  python3 -c "print(f'cluster/single throughput ratio: {float(\"$atleader\")/float(\"$single\"):.2f} at the leader, {float(\"$atfollower\")/float(\"$single\"):.2f} at a follower (goal >= 0.3)')" >&2
  echo "1 connection (latency of a lone write):" >&2
  CONNECTIONS=1 bench leader "${hp[$lead]}" "m$run" >/dev/null
  CONNECTIONS=1 bench follower "${hp[$follow]}" "g$run" >/dev/null
  catch_up "$2"
  for i in 0 1 2; do kill "${member_pid[$i]}" 2>/dev/null || true; done
  for i in 0 1 2; do wait "${member_pid[$i]}" 2>/dev/null || true; done
  echo "$atleader"
}

# catch-up: stop a follower, apply BEHIND workloads, start it, time until its digest matches
catch_up() {  # tls (0/1)
  local victim=-1 other before entries start
  for i in 0 1 2; do
    [ "$(cat "$work/$run/c$i/node.id")" != "$leader" ] && victim=$i
  done
  other=$(( (victim + 1) % 3 ))
  before=$(applied "${hp[$victim]}")
  kill -9 "${member_pid[$victim]}"
  echo "applying $BEHIND workloads while a follower is down..." >&2
  for n in $(seq "$BEHIND"); do
    printf '{"apiVersion":"cairn/v1","kind":"Workload","metadata":{"name":"behind-%s"},"spec":{"replicas":0,"command":["sleep","1"]}}\n' "$n"
  done | python3 -c '
import sys, json, http.client
port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port)
failed = 0
for line in sys.stdin:
    name = json.loads(line)["metadata"]["name"]
    conn.request("PUT", "/api/v1/workloads/" + name, line, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    failed += r.status >= 300
if failed:
    print(f"{failed} applies failed", file=sys.stderr)
' "${hp[$other]}"
  entries=$(applied "${hp[$other]}")
  start=$(date +%s%N)
  start_member "$victim" "$1"
  until [ "$(applied "${hp[$victim]}")" -ge "$entries" ]; do sleep 0.05; done
  echo "catch-up of a server $((entries - before)) log entries behind (index $before -> $entries): $(( ($(date +%s%N) - start) / 1000000 )) ms from its start (JVM start included)" >&2
}
applied() { curl -s "http://127.0.0.1:$1/api/v1/cluster/digest" 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["appliedIndex"])' 2>/dev/null || echo 0; }

echo "workload apply, $DURATION each, after a warm-up run on each target (the JIT makes first runs 2-4x slower):" >&2
bench warmup "$sp" w1 >/dev/null
echo "$CONNECTIONS connections:" >&2
single=$(bench single "$sp" s)
echo "1 connection (latency of a lone write):" >&2
CONNECTIONS=1 bench single "$sp" s1 >/dev/null
plain=$(cluster_run plaintext 0)
tls=$(cluster_run tls 1)
python3 -c "print(f'mutual TLS between nodes / plaintext, leader throughput: {float(\"$tls\")/float(\"$plain\"):.2f} (goal >= 0.8)')" >&2
