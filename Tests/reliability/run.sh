#!/usr/bin/env bash
# The reliability and hardening suite: real FUSE mounts (needs root and /dev/fuse), oss-local, nginx for
# TLS, useradd for the second-user tests, swiftc for the fuzz targets.
# Usage: Tests/reliability/run.sh [pytest args]   e.g. -k faults, or FUZZ_SECONDS=60 for longer fuzzing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=${OSSFS_BIN_DIR:-$(swift build --show-bin-path)}
[ "$(id -u)" = 0 ] || { echo "run as root (FUSE mounts, useradd)" >&2; exit 1; }
[ -e /dev/fuse ] || { echo "/dev/fuse is missing" >&2; exit 1; }
for b in ossfs oss-local; do
    [ -x "$BIN/$b" ] || { echo "$BIN/$b not built (swift build --product $b)" >&2; exit 1; }
done
"$PY" -c 'import oss2, pytest' || { echo "$PY lacks oss2/pytest (scripts/test.sh makes .venv)" >&2; exit 1; }
TMP=$(mktemp -d -t ossfs-reliability-XXXXXX)
if OSSFS_BIN_DIR="$BIN" "$PY" -m pytest -c Tests/reliability/pytest.ini Tests/reliability --basetemp "$TMP/pytest" \
        --durations=0 "$@"; then
    rm -rf "$TMP"
else
    echo "temp dirs of failed tests kept in $TMP" >&2
    exit 1
fi
