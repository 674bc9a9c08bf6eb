#!/usr/bin/env bash
# The README demo: builds ossfs, starts the local OSS-compatible server (oss-local) with a bucket named
# `demo`, mounts it at /tmp/ossfs-demo/mnt, writes a file through the mount and shows it both ways.
# The mount stays up until you press Enter (or Ctrl-C); then it is unmounted and the server stopped.
# Objects persist in /tmp/ossfs-demo/data between runs. Needs root (FUSE mounts) and Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=${OSSFS_DEMO_DIR:-/tmp/ossfs-demo}
MNT=$DEMO/mnt
mkdir -p "$DEMO/data" "$MNT"

echo "== system packages"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
ossfs_install_system_packages

echo "== building (debug)"
swift build --product ossfs && swift build --product oss-local
BIN=$(swift build --show-bin-path)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Demo keys: the server reads them from its environment, ossfs from a 0600 credential file. Never argv.
KEY_ID=LTAI5tDemoAccessKey01
KEY_SECRET=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
(umask 077; printf '%s:%s\n' "$KEY_ID" "$KEY_SECRET" > "$DEMO/passwd-ossfs")

SERVER_PID=""
cleanup() {
    if mountpoint -q "$MNT"; then fusermount3 -u "$MNT" || fusermount3 -uz "$MNT" || true; fi
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -f "$DEMO/passwd-ossfs"
}
trap cleanup EXIT INT TERM

echo "== starting oss-local on 127.0.0.1:$PORT (bucket: demo, data: $DEMO/data)"
OSS_ACCESS_KEY_ID=$KEY_ID OSS_ACCESS_KEY_SECRET=$KEY_SECRET \
    "$BIN/oss-local" --listen "127.0.0.1:$PORT" --bucket demo --data "$DEMO/data" > "$DEMO/oss-local.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q listening "$DEMO/oss-local.log" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$DEMO/oss-local.log" || { cat "$DEMO/oss-local.log"; exit 1; }

echo "== mounting demo at $MNT"
"$BIN/ossfs" demo "$MNT" -o "url=http://127.0.0.1:$PORT,passwd_file=$DEMO/passwd-ossfs,allow_other"

echo "hello from ossfs, $(date -u)" > "$MNT/hello.txt"
mkdir -p "$MNT/photos/2026"
cp /etc/os-release "$MNT/photos/2026/os-release"
echo
echo "\$ ls -lR $MNT"
ls -lR "$MNT"
echo
echo "\$ cat $MNT/hello.txt"
cat "$MNT/hello.txt"
echo
echo "The same files, as objects in the bucket (a V1-signed ListObjects request to oss-local):"
KEY_ID=$KEY_ID KEY_SECRET=$KEY_SECRET python3 - "$PORT" <<'PY'
import base64, hashlib, hmac, os, sys, urllib.request, email.utils, re
date = email.utils.formatdate(usegmt=True)
sts = f"GET\n\n\n{date}\n/demo/"
sig = base64.b64encode(hmac.new(os.environ["KEY_SECRET"].encode(), sts.encode(), hashlib.sha1).digest()).decode()
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/demo/",
                             headers={"Date": date, "Authorization": f"OSS {os.environ['KEY_ID']}:{sig}"})
body = urllib.request.urlopen(req).read().decode()
for key, size in re.findall(r"<Key>(.*?)</Key>.*?<Size>(\d+)</Size>", body, re.S):
    print(f"  {size:>8}  {key}")
PY
echo
echo "The bucket is mounted at $MNT: try cp, mv, rsync, tar there from another shell."
if [ -t 0 ]; then
    read -r -p "Press Enter to unmount and stop the server... " _
fi
