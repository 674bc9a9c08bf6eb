#!/usr/bin/env bash
# The whole test run, on a fresh Debian 12 / Ubuntu machine or a warm one:
#   1. installs the system packages the build and tests need (apt only when something is missing),
#   2. creates/reuses .venv with the official OSS Python SDKs and pytest (pip only when missing),
#   3. builds ONE debug configuration (`swift build --build-tests`),
#   4. runs `swift test --skip-build` (Swift Testing + XCTest),
#   5. runs the SDK suite (Tests/sdk) against the freshly built .build/debug/oss-local.
# Exits non-zero if anything failed. Environment: SKIP_SWIFT_TESTS=1 or SKIP_SDK_TESTS=1 to skip a stage,
# PYTEST_ARGS to pass extra arguments to pytest (e.g. "-k multipart").
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

section() { printf '\n==== %s ==== (%ds)\n' "$*" "$((SECONDS - START))"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

section "System packages"
APT_PACKAGES=(libfuse3-dev fuse3 libcurl4-openssl-dev libssl-dev libxml2-dev pkg-config python3-venv attr rsync fio)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" 2>/dev/null | grep -qx 'Status: install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "all installed: ${APT_PACKAGES[*]}"
else
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -q || die "apt-get update"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]}"
fi

section "Python venv (.venv: oss2, alibabacloud-oss-v2, pytest)"
PY="$ROOT/.venv/bin/python"
if [ ! -x "$PY" ]; then
    python3 -m venv "$ROOT/.venv" || die "python3 -m venv .venv"
fi
if "$PY" -c 'import oss2, alibabacloud_oss_v2, pytest, requests, crcmod' 2>/dev/null; then
    echo "already installed"
else
    echo "installing from PyPI: oss2 alibabacloud-oss-v2 pytest requests"
    "$PY" -m pip install -q --disable-pip-version-check oss2 alibabacloud-oss-v2 pytest requests \
        || die "pip install"
fi
"$PY" -m pip list --disable-pip-version-check 2>/dev/null | grep -Ei '^(oss2|alibabacloud-oss-v2|pytest) '

section "Build (debug, with tests)"
swift build --build-tests || die "swift build --build-tests"

failed=()

if [ "${SKIP_SWIFT_TESTS:-0}" != "1" ]; then
    section "Swift tests (swift test --skip-build)"
    swift test --skip-build || failed+=("swift test")
fi

if [ "${SKIP_SDK_TESTS:-0}" != "1" ]; then
    section "SDK suite (Tests/sdk: oss2 + alibabacloud-oss-v2 against oss-local)"
    BIN="$(swift build --show-bin-path)/oss-local"
    if [ ! -x "$BIN" ]; then
        failed+=("SDK suite (no oss-local binary at $BIN)")
    else
        # its own temp root, so other suites' leftovers (e.g. stale FUSE mounts) never get in the way
        SDK_TMP=$(mktemp -d -t ossfs-sdk-tests-XXXXXX)
        # shellcheck disable=SC2086
        if OSS_LOCAL_BIN="$BIN" "$PY" -m pytest -c Tests/sdk/pytest.ini Tests/sdk --basetemp "$SDK_TMP/pytest" \
                ${PYTEST_ARGS:-}; then
            rm -rf "$SDK_TMP"
        else
            failed+=("SDK suite (temp dirs of failed tests kept in $SDK_TMP)")
        fi
    fi
fi

section "Summary"
if [ ${#failed[@]} -ne 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "all tests passed"
