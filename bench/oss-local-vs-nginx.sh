#!/usr/bin/env bash
# How fast is oss-local? It must never be the bottleneck of our benchmarks (issue 3: a single-stream GET of a
# 1 GiB object at >= 70% of nginx serving the same bytes from tmpfs; small GETs at thousands per second).
# Both servers run here, in the same run, on loopback; the client is the same curl and wrk for both.
# Requests to oss-local are V1 presigned URLs, so every one is signature-checked as a real client's would be.
#
# Usage: bench/oss-local-vs-nginx.sh [--size-mib N] [--seconds S]   (needs nginx-light, wrk, curl; run as root)
# Writes bench/results/oss-local-vs-nginx.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=1024
SECONDS_SMALL=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mib) SIZE_MIB=$2; shift 2 ;;
    --seconds) SECONDS_SMALL=$2; shift 2 ;;
    *) echo "bench: unknown argument $1 (use --size-mib N, --seconds S)" >&2; exit 2 ;;
  esac
done

for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: apt-get install nginx-light wrk curl" >&2; exit 2; }
done

echo "== building oss-local (release)"
swift build -c release --product oss-local >/dev/null
BIN=$(swift build -c release --show-bin-path)/oss-local

WORK=$(mktemp -d /dev/shm/ossbench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as www-data and must read the files
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$WORK/www/bench" "$WORK/logs" "$WORK/data"
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/www/bench/big.bin"
head -c 4096 /dev/urandom > "$WORK/www/bench/small.bin"

NGINX_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path $WORK/logs; proxy_temp_path $WORK/logs; fastcgi_temp_path $WORK/logs;
  uwsgi_temp_path $WORK/logs; scgi_temp_path $WORK/logs;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)

OSS_PORT=$(free_port)
export OSS_ACCESS_KEY_ID=BenchKeyId OSS_ACCESS_KEY_SECRET=BenchKeySecret
"$BIN" --listen "127.0.0.1:$OSS_PORT" --bucket bench --data "$WORK/data" > "$WORK/logs/oss-local.out" &
PIDS+=($!)
for _ in $(seq 100); do
  grep -q listening "$WORK/logs/oss-local.out" 2>/dev/null && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/bench/small.bin" && break
  sleep 0.1
done

# A V1 presigned URL (oss-protocol.md §1): StringToSign = VERB\n\n\nExpires\n/bucket/key.
presign() {
  python3 - "$1" "$2" "$3" <<'PY'
import base64, hashlib, hmac, os, sys, time, urllib.parse
verb, port, key = sys.argv[1:4]
expires = int(time.time()) + 3600
sts = f"{verb}\n\n\n{expires}\n/bench/{key}"
sig = base64.b64encode(hmac.new(os.environ["OSS_ACCESS_KEY_SECRET"].encode(), sts.encode(), hashlib.sha1).digest()).decode()
print(f"http://127.0.0.1:{port}/bench/{key}?OSSAccessKeyId={os.environ['OSS_ACCESS_KEY_ID']}&Expires={expires}&Signature={urllib.parse.quote(sig, safe='')}")
PY
}

echo "== uploading the same bytes to oss-local"
curl -sf -X PUT -H 'Content-Type:' -T "$WORK/www/bench/big.bin" "$(presign PUT "$OSS_PORT" big.bin)" -o /dev/null
curl -sf -X PUT -H 'Content-Type:' -T "$WORK/www/bench/small.bin" "$(presign PUT "$OSS_PORT" small.bin)" -o /dev/null

# Best of three single-stream GETs, bytes per second.
stream() {
  local best=0 v
  for _ in 1 2 3; do
    v=$(curl -sf -o /dev/null -w '%{speed_download}' "$1") || { echo "bench: GET $1 failed" >&2; exit 1; }
    best=$(python3 -c "print(max($best, $v))")
  done
  echo "$best"
}
echo "== single-stream GET of ${SIZE_MIB} MiB"
NGINX_BIG=$(stream "http://127.0.0.1:$NGINX_PORT/bench/big.bin")
OSS_BIG=$(stream "$(presign GET "$OSS_PORT" big.bin)")

# Requests per second; a run with any non-2xx answer is a broken benchmark, not a figure.
rps() {
  local out
  out=$(wrk -t2 -c16 -d"${SECONDS_SMALL}s" "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "bench: $1 answered errors:" >&2; echo "$out" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
echo "== 4 KiB GETs, 16 connections, ${SECONDS_SMALL}s each"
NGINX_SMALL=$(rps "http://127.0.0.1:$NGINX_PORT/bench/small.bin")
OSS_SMALL=$(rps "$(presign GET "$OSS_PORT" small.bin)")

mkdir -p bench/results
python3 - "$SIZE_MIB" "$NGINX_BIG" "$OSS_BIG" "$NGINX_SMALL" "$OSS_SMALL" <<'PY'
import json, platform, sys, time, os
size, nb, ob, ns, os_ = sys.argv[1], *map(float, sys.argv[2:])
res = {
  "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.node()} {os.cpu_count()} cores {platform.release()}",
  "get_1stream_MBps": {"nginx": nb / 1e6, "oss-local": ob / 1e6, "ratio": ob / nb},
  "get_4KiB_per_s": {"nginx": ns, "oss-local": os_, "ratio": os_ / ns},
  "object_MiB": int(size),
}
json.dump(res, open("bench/results/oss-local-vs-nginx.json", "w"), indent=2)
print(f"{'workload':<32}{'nginx':>12}{'oss-local':>12}{'ratio':>8}")
print(f"{'GET ' + size + ' MiB, 1 stream (MB/s)':<32}{nb/1e6:>12.0f}{ob/1e6:>12.0f}{ob/nb:>8.2f}")
print(f"{'GET 4 KiB, 16 conns (req/s)':<32}{ns:>12.0f}{os_:>12.0f}{os_/ns:>8.2f}")
PY
