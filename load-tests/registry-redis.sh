#!/usr/bin/env bash
# Benchmark: the Redis registry's register (move) and locate rates and locate latency, printed next to
# redis-benchmark's SET and GET against the same private redis-server in the same run.
# Goals: >= 0.5 of raw ops/s; locate p99 < 0.5 ms. Traffic stays on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package
n=${N:-100000}; c=${C:-50}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile /dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
raw=$(redis-benchmark -p "$port" -t set,get -n "$n" -c "$c" -q --csv)
raw1=$(redis-benchmark -p "$port" -t get -n $((n / 10)) -c 1 -q --csv)
set_rps=$(echo "$raw" | awk -F'","' '/"SET"/ {print $2}')
get_rps=$(echo "$raw" | awk -F'","' '/"GET"/ {print $2}')
get_p99=$(echo "$raw1" | awk -F'","' '/"GET"/ {print $7}')
redis-cli -p "$port" flushall >/dev/null
read -r reg loc p50 p99 < <("$JAVA_HOME/bin/java" -cp target/cairn.jar load-tests/RegistryLoad.java \
  "redis://127.0.0.1:$port/0" "$n" "$c" 2>/dev/null)
python3 - "$set_rps" "$get_rps" "$get_p99" "$reg" "$loc" "$p50" "$p99" <<'PY'
import sys
set_rps, get_rps, get_p99, reg, loc, p50, p99 = map(float, sys.argv[1:])
print(f"redis-benchmark: SET {set_rps:,.0f}/s, GET {get_rps:,.0f}/s; GET p99 one client {get_p99:.3f} ms")
print(f"registry: register {reg:,.0f}/s = {reg/set_rps:.2f} x SET (goal 0.5) | locate {loc:,.0f}/s = {loc/get_rps:.2f} x GET (goal 0.5)")
print(f"registry locate latency, one call at a time: p50 {p50:.3f} ms, p99 {p99:.3f} ms (goal p99 < 0.5 ms)")
PY
