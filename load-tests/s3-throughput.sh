#!/usr/bin/env bash
# Benchmark: S3 PUT and GET throughput for 1 MiB and 64 MiB objects on a real node, printed next to
# baselines measured in the same run: raw disk write with fsync (dd), the JVM's MD5 and SHA-256
# rates each alone (a PUT needs both: MD5 for the ETag, SHA-256 for chunk names), and nginx serving
# the same bytes with sendfile and one worker per core, as the node has its threads on every core.
# Goals: PUT >= 0.6 (64 MiB) / 0.4 (1 MiB) x min(disk, MD5, SHA-256); GET >= 0.8 (64 MiB) / 0.7
# (1 MiB) x nginx. Then the 64 MiB PUT and GET again against a node serving S3 over TLS (tls.http,
# certificates from `cairn tls`), same run: goal TLS >= 0.7 of plaintext; prints the negotiated
# protocol and cipher and whether the JVM uses its AES intrinsics (AES-NI).
# The client is one curl process running C transfers at once (SigV4 via --aws-sigv4, unsigned
# payload): a JVM client spent three times the server's CPU on this 2-core machine and so measured
# itself. Each size and direction is warmed up first, 10 s (30 s for the first, which warms the whole
# server: profiles showed C2 compiling a quarter of the time for 20 s), then the median of three
# passes is reported; every PUT pass's bytes differ in every
# MiB, so dedup never skips a chunk write. Traffic stays on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bin/find-java
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx; }
[ -f target/cairn.jar ] || mvn -B -q -DskipTests package
work=$(mktemp -d -p "$root/target" s3bench.XXXX)
chmod 755 "$work"  # nginx's worker (nobody) must read the files it serves
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
java=("$JAVA_HOME/bin/java" -cp target/cairn.jar)

disk=$(dd if=/dev/zero of="$work/dd.bin" bs=4M count=64 oflag=direct conv=fsync 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
disk_mib=$(python3 -c "v,u='$disk'.split(); f={'GB/s':953.7,'MB/s':0.9537,'kB/s':0.000931}[u]; print(round(float(v)*f,1))")
rm -f "$work/dd.bin"
hash_mib=$("${java[@]}" load-tests/DigestSpeed.java SHA-256)
md5_mib=$("${java[@]}" load-tests/DigestSpeed.java MD5)

key=BENCHKEY0000000000001; secret=bench/secret/0000000000000000000000000000
CAIRN_S3_ACCESS_KEY_ID=$key CAIRN_S3_SECRET_ACCESS_KEY=$secret CAIRN_STORAGE_COMPRESSION=none \
  bin/cairn agent --data-dir "$work/data" --http-port 0 --s3-port 0 --log-format json > "$work/node.log" 2>&1 &
pids+=("$!")
plain_node=$!
until [ -f "$work/data/s3.port" ]; do sleep 0.1; done
ep="http://127.0.0.1:$(cat "$work/data/s3.port")"
python3 - "$ep" "$key" "$secret" <<'PY'
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="bench")
PY

port=$(free_port)
mkdir -p "$work/www/bench"
cat > "$work/nginx.conf" <<NGX
daemon off; worker_processes auto; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 256; }
http { access_log off; sendfile on; server { listen 127.0.0.1:$port; root $work/www; } }
NGX

# Fresh bytes in every MiB of every file, so a PUT never finds its chunks already stored.
stamp() { python3 -c '
import os, sys
for f in sys.argv[1:]:
    with open(f, "r+b") as fh:
        for at in range(0, os.path.getsize(f) - 15, 1 << 20):
            fh.seek(at); fh.write(os.urandom(16))' "$@"; }
# transfers MODE(put|get) BASE_URL SIZE COUNT CONC SIGN(yes|no) -> MiB/s of one curl -Z run.
transfers() {
  local mode=$1 base=$2 size=$3 count=$4 conc=$5 sign=$6 cfg="$work/curl.cfg" i
  : > "$cfg"
  for i in $(seq 0 $((count - 1))); do
    printf 'url = "%s/bench/obj-%s-%s"\noutput = "/dev/null"\n' "$base" "$size" "$i" >> "$cfg"
    [ "$mode" = put ] && printf 'upload-file = "%s/files/%s-%s"\n' "$work" "$size" "$i" >> "$cfg"
  done
  local auth=()
  [ "$sign" = yes ] && auth=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$key:$secret" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
  local t0 t1
  t0=$(date +%s.%N)
  curl -sS --no-progress-meter --fail -Z --parallel-max "$conc" -K "$cfg" "${auth[@]}" "${curl_tls[@]}" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print(round($size * $count / 1048576 / ($t1 - $t0), 1))"
}

curl_tls=()
echo "baselines: disk write+fsync $disk_mib MiB/s, JVM MD5 $md5_mib MiB/s, JVM SHA-256 $hash_mib MiB/s"
mkdir -p "$work/files"
# warm_up SECONDS CMD...: runs CMD until SECONDS have passed (at least twice): the JIT keeps
# compiling through the first seconds of traffic, and a benchmark measures the steady state.
warm_up() {
  local until=$(( $(date +%s) + $1 )) n=0; shift
  while [ "$n" -lt 2 ] || [ "$(date +%s)" -lt "$until" ]; do "$@" >/dev/null; n=$((n + 1)); done
}
# median_of_3 CMD...: the median MiB/s of three measured runs.
median_of_3() { local a b c; a=$("$@"); b=$("$@"); c=$("$@"); printf '%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p; }
fresh_put() { stamp "$work/files/$size-"*; transfers put "$ep" "$size" "$count" "$conc" yes; }
for spec in "1048576 256 8" "67108864 6 2"; do
  read -r size count conc <<<"$spec"
  for i in $(seq 0 $((count - 1))); do head -c "$size" /dev/urandom > "$work/files/$size-$i"; done
  # every PUT pass stamps fresh bytes first (stamping is not timed), so each writes every chunk anew
  warm_up "$([ "$size" = 1048576 ] && echo 30 || echo 10)" fresh_put   # the first phase also warms the whole server up
  put=$(median_of_3 fresh_put)
  warm_up 10 transfers get "$ep" "$size" "$count" "$conc" yes
  get=$(median_of_3 transfers get "$ep" "$size" "$count" "$conc" yes)
  for i in $(seq 0 $((count - 1))); do ln -f "$work/files/$size-$i" "$work/www/bench/obj-$size-$i"; done
  chmod -R a+rX "$work/www"
  nginx -c "$work/nginx.conf" -p "$work" >/dev/null 2>&1 & ngx=$!
  pids+=("$ngx")
  sleep 0.5
  warm_up 2 transfers get "http://127.0.0.1:$port" "$size" "$count" "$conc" no
  base=$(median_of_3 transfers get "http://127.0.0.1:$port" "$size" "$count" "$conc" no)
  kill "$ngx"; wait "$ngx" 2>/dev/null || true
  label=$([ "$size" = 1048576 ] && echo "1 MiB" || echo "64 MiB")
  python3 - "$label" "$put" "$get" "$base" "$disk_mib" "$hash_mib" "$md5_mib" <<'PY'
import sys
label, put, get, nginx, disk, sha, md5 = sys.argv[1], *map(float, sys.argv[2:])
ceiling = min(disk, sha, md5)
put_goal, get_goal = (0.4, 0.7) if label == "1 MiB" else (0.6, 0.8)
print(f"{label:>6} objects: PUT {put:8.1f} MiB/s = {put/ceiling:.2f} x min(disk, md5, sha256) (goal {put_goal}) | "
      f"GET {get:8.1f} MiB/s vs nginx {nginx:8.1f} = {get/nginx:.2f} (goal {get_goal})")
PY
done

# the same 64 MiB PUT and GET over TLS, against a second node (the first one stopped, so they do not share the cores)
plain_put=$put; plain_get=$get
kill "$plain_node"; wait "$plain_node" 2>/dev/null || true
bin/cairn tls ca create --out "$work/pki" >/dev/null
bin/cairn tls cert create --ca "$work/pki" --role server --name node --ip 127.0.0.1 --out "$work/pki" >/dev/null
CAIRN_S3_ACCESS_KEY_ID=$key CAIRN_S3_SECRET_ACCESS_KEY=$secret CAIRN_STORAGE_COMPRESSION=none \
  CAIRN_TLS_CA_FILE="$work/pki/ca.pem" CAIRN_TLS_CERT_FILE="$work/pki/node.pem" CAIRN_TLS_KEY_FILE="$work/pki/node-key.pem" \
  CAIRN_TLS_HTTP=true bin/cairn agent --data-dir "$work/tls" --http-port 0 --s3-port 0 --log-format json > "$work/tls.log" 2>&1 &
pids+=("$!")
until [ -f "$work/tls/s3.port" ]; do sleep 0.1; done
ep="https://127.0.0.1:$(cat "$work/tls/s3.port")"
curl_tls=(--cacert "$work/pki/ca.pem")
python3 - "$ep" "$key" "$secret" "$work/pki/ca.pem" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
                  region_name="us-east-1", verify=sys.argv[4])
s3.create_bucket(Bucket="bench")
PY
warm_up 20 fresh_put
put=$(median_of_3 fresh_put)
warm_up 10 transfers get "$ep" "$size" "$count" "$conc" yes
get=$(median_of_3 transfers get "$ep" "$size" "$count" "$conc" yes)
cipher=$(curl -sv --cacert "$work/pki/ca.pem" "$ep/" -o /dev/null 2>&1 | sed -n 's/.*SSL connection using //p' | head -1)
aes=$("$JAVA_HOME/bin/java" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -o "UseAESIntrinsics *= *[a-z]*" | grep -o "[a-z]*$")
aesni=$(grep -qw aes /proc/cpuinfo && echo yes || echo no)
python3 -c "print(f'64 MiB over TLS ($cipher; cpu AES-NI: $aesni, JVM UseAESIntrinsics: $aes): PUT $put MiB/s = {$put/$plain_put:.2f} x plaintext, GET $get MiB/s = {$get/$plain_get:.2f} x plaintext (goal >= 0.7)')"
