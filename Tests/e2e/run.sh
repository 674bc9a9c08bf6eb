#!/usr/bin/env bash
# Runs the end-to-end suite: real FUSE mounts of ossfs on oss-local, checked through oss2.
# Needs root (mounts), /dev/fuse, fusermount3, the binaries (swift build --product ossfs --product oss-local;
# OSSFS_BIN_DIR overrides .build/debug) and a Python with oss2 and pytest (PYTHON, default .venv/bin/python).
# Extra arguments go to pytest, e.g. Tests/e2e/run.sh -k rename -x
set -uo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
BIN="${OSSFS_BIN_DIR:-.build/debug}"
problems=()
[ "$(id -u)" -eq 0 ] || problems+=("run as root (FUSE mounts)")
[ -c /dev/fuse ] || problems+=("/dev/fuse is missing")
command -v fusermount3 >/dev/null || problems+=("fusermount3 is missing (apt-get install fuse3)")
[ -x "$BIN/ossfs" ] || problems+=("$BIN/ossfs is not built")
[ -x "$BIN/oss-local" ] || problems+=("$BIN/oss-local is not built")
"$PY" -c 'import oss2, pytest' 2>/dev/null || problems+=("$PY lacks oss2/pytest (scripts/test.sh creates .venv)")
if [ ${#problems[@]} -ne 0 ]; then
    printf 'e2e: %s\n' "${problems[@]}" >&2
    exit 2
fi
OSSFS_BIN_DIR="$BIN" exec "$PY" -m pytest -c Tests/e2e/pytest.ini Tests/e2e "$@"
