#!/usr/bin/env bash
# Benchmark: GET /api/v1/workloads/{name} on a real node, next to a bare Vert.x route returning the
# same bytes, measured in the same run with the same load generator (wrk), alternating ROUNDS times
# after two warm-up rounds each. Prints per round the ratio of throughputs and of p99s. Goal:
# throughput >= 0.8 of bare and p99 <= 5x bare's p99. Also the node's start-to-ready time and idle RSS.
# AUTH=1: the node requires tokens (auth.enabled); the benchmark bootstraps the admin token with
# `cairn acl bootstrap` and sends it as a Bearer header to both servers, so both parse the same header.
# TLS=1: then the same GET against a second node serving the API over TLS (tls.http, certificates
# from `cairn tls`), alternated with the plaintext node: goal TLS >= 0.8 of plaintext.
# Traffic stays on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
AUTH=${AUTH:-0}
TLS=${TLS:-0}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
auth_env=(CAIRN_AUTH_ENABLED=false); [ "$AUTH" = 1 ] && auth_env=(CAIRN_AUTH_ENABLED=true)

# 1. start-to-ready of `bin/cairn agent --dev` (first run builds the class-data archive; measure the second)
env "${auth_env[@]}" bin/cairn agent --dev --data-dir "$work/warm" --http-port 0 --log-format json > "$work/warm.log" 2>&1 & p=$!
for _ in $(seq 600); do grep -q '"node ready' "$work/warm.log" 2>/dev/null && break; kill -0 "$p" 2>/dev/null || { cat "$work/warm.log"; exit 1; }; sleep 0.1; done
kill "$p"; wait "$p" || true
# a fixed port, as in production (port 0 would run a single API instance)
env "${auth_env[@]}" bin/cairn agent --dev --data-dir "$work/data" --http-port "$(free_port)" --log-format json > "$work/node.log" 2>&1 & node=$!
pids+=("$node")
for _ in $(seq 1200); do grep -q '"node ready' "$work/node.log" 2>/dev/null && break; kill -0 "$node" 2>/dev/null || { cat "$work/node.log"; exit 1; }; sleep 0.05; done
ready_ms=$(grep -o '"startToReadyMs":[0-9]*' "$work/node.log" | cut -d: -f2)
port=$(cat "$work/data/http.port")
sleep 5
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$node/status)

# 2. a token (AUTH=1) and a workload to read
header=()
if [ "$AUTH" = 1 ]; then
  token=$(bin/cairn acl bootstrap --addr "http://127.0.0.1:$port" -o json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
  header=(-H "Authorization: Bearer $token")
fi
curl -sf "${header[@]}" -X PUT "http://127.0.0.1:$port/api/v1/workloads/web" -H 'Content-Type: application/json' \
  -d '{"metadata":{"labels":{"app":"web"}},"spec":{"replicas":2,"command":["sleep","3600"],"resources":{"cpu":"10m","memory":"8Mi"}}}' >/dev/null
curl -sf "${header[@]}" "http://127.0.0.1:$port/api/v1/workloads/web" > "$work/body.json"

# 3. the baseline: bare Vert.x, same bytes
bare_port=$(free_port)
"$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx512m -cp target/cairn.jar load-tests/BareServer.java "$bare_port" "$work/body.json" > "$work/bare.log" 2>&1 &
pids+=("$!")
until grep -q 'bare server' "$work/bare.log" 2>/dev/null; do sleep 0.1; done

ms() { python3 -c "import sys; v=sys.argv[1]; print(float(v[:-2]) if v.endswith('ms') else float(v[:-2])/1000 if v.endswith('us') else float(v[:-1])*1000)" "$1"; }
run() {  # url; prints requests/second and p99 in ms
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${header[@]}" "$1" > "$work/wrk.txt"
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") $(ms "$(awk '$1=="99%" {print $2}' "$work/wrk.txt")")"
}
cairn_url="http://127.0.0.1:$port/api/v1/workloads/web"
bare_url="http://127.0.0.1:$bare_port/api/v1/workloads/web"
for _ in 1 2; do run "$cairn_url" >/dev/null; run "$bare_url" >/dev/null; done   # warm up both JITs
[ "$AUTH" = 1 ] && echo "auth on (Bearer token, both servers)" || echo "auth off"
results=()
for _ in $(seq "$ROUNDS"); do
  read -r cairn_rps cairn_p99 < <(run "$cairn_url")
  read -r bare_rps bare_p99 < <(run "$bare_url")
  printf 'GET /api/v1/workloads/web  cairn: %s req/s (p99 %s ms)   bare vert.x: %s req/s (p99 %s ms)\n' \
    "$cairn_rps" "$cairn_p99" "$bare_rps" "$bare_p99"
  results+=("$cairn_rps/$bare_rps:$cairn_p99/$bare_p99")
done
curl -sf "${header[@]}" -X DELETE "$cairn_url" >/dev/null
python3 -c "
rounds = [tuple(eval(p) for p in r.split(':')) for r in '${results[*]}'.split()]
t = [r[0] for r in rounds]; l = [r[1] for r in rounds]
print('throughput cairn/bare = %s (mean %.2f; goal >= 0.8)' % (', '.join('%.2f' % x for x in t), sum(t) / len(t)))
print('p99 cairn/bare = %s (mean %.1fx; goal <= 5x)' % (', '.join('%.1fx' % x for x in l), sum(l) / len(l)))"
echo "start-to-ready: ${ready_ms} ms (goal <= 1500)   idle RSS: $((rss_kb/1024)) MB (goal <= 150)"
if [ "$TLS" = 1 ]; then
  plain_header=("${header[@]}")
  cairn_url="http://127.0.0.1:$port/api/v1/workloads/tlsweb"  # "web" may still be being deleted
  # admission refuses new workloads while the cpu is still busy from the last round: retry a while
  apply() { for _ in $(seq 30); do curl -sf "$@" -X PUT -H 'Content-Type: application/json' -d "$manifest" >/dev/null && return 0; sleep 1; done; return 1; }
  manifest='{"metadata":{"labels":{"app":"web"}},"spec":{"replicas":2,"command":["sleep","3600"],"resources":{"cpu":"10m","memory":"8Mi"}}}'
  apply "${plain_header[@]}" "$cairn_url"
  bin/cairn tls ca create --out "$work/pki" >/dev/null
  bin/cairn tls cert create --ca "$work/pki" --role server --name node --ip 127.0.0.1 --out "$work/pki" >/dev/null
  env "${auth_env[@]}" CAIRN_TLS_CA_FILE="$work/pki/ca.pem" CAIRN_TLS_CERT_FILE="$work/pki/node.pem" \
    CAIRN_TLS_KEY_FILE="$work/pki/node-key.pem" CAIRN_TLS_HTTP=true \
    bin/cairn agent --data-dir "$work/tls" --http-port "$(free_port)" --s3-port 0 --log-format json > "$work/tls.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1200); do grep -q '"node ready' "$work/tls.log" 2>/dev/null && break; sleep 0.05; done
  tls_base="https://127.0.0.1:$(cat "$work/tls/http.port")"
  tls_url="$tls_base/api/v1/workloads/tlsweb"
  tls_header=()
  if [ "$AUTH" = 1 ]; then
    tls_header=(-H "Authorization: Bearer $(bin/cairn acl bootstrap --addr "$tls_base" --ca-cert "$work/pki/ca.pem" -o json \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')")
  fi
  apply --cacert "$work/pki/ca.pem" "${tls_header[@]}" "$tls_url"
  cipher=$(curl -sv --cacert "$work/pki/ca.pem" "${tls_header[@]}" "$tls_url" -o /dev/null 2>&1 | sed -n 's/.*SSL connection using //p' | head -1)
  for _ in 1 2; do header=("${tls_header[@]}"); run "$tls_url" >/dev/null; header=("${plain_header[@]}"); run "$cairn_url" >/dev/null; done
  echo "TLS on the API port ($cipher) against the same node software in plaintext:"
  tls_results=()
  for _ in $(seq "$ROUNDS"); do
    header=("${tls_header[@]}"); read -r tls_rps tls_p99 < <(run "$tls_url")
    header=("${plain_header[@]}"); read -r plain_rps plain_p99 < <(run "$cairn_url")
    printf 'GET /api/v1/workloads/tlsweb  over TLS: %s req/s (p99 %s ms)   plaintext: %s req/s (p99 %s ms)\n' \
      "$tls_rps" "$tls_p99" "$plain_rps" "$plain_p99"
    tls_results+=("$tls_rps/$plain_rps")
  done
  python3 -c "
t = [eval(r) for r in '${tls_results[*]}'.split()]
print('throughput TLS/plaintext = %s (mean %.2f; goal >= 0.8)' % (', '.join('%.2f' % x for x in t), sum(t) / len(t)))"
fi
