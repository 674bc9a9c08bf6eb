#!/usr/bin/env bash
# The whole test run, on a fresh Debian 12 / Ubuntu machine or a warm one:
#   1. installs the system packages the build and tests need (apt only when something is missing),
#   2. creates/reuses .venv with the official OSS Python SDKs and pytest (pip only when missing),
#   3. builds ONE debug configuration (`swift build --build-tests`),
#   4. runs `swift test --skip-build` (Swift Testing + XCTest),
#   5. runs the pytest suites against the freshly built binaries: Tests/sdk (official SDKs against oss-local),
#      Tests/cli (ossfs-passwd, mount.ossfs, man pages), Tests/e2e (real FUSE mounts), Tests/reliability.
# Exits non-zero if anything failed. Environment: SKIP_SWIFT_TESTS=1, SKIP_SDK_TESTS=1, SKIP_CLI_TESTS=1,
# SKIP_E2E_TESTS=1 or SKIP_RELIABILITY_TESTS=1 to skip a stage,
# PYTEST_ARGS to pass extra arguments to pytest (e.g. "-k multipart").
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

section() { printf '\n==== %s ==== (%ds)\n' "$*" "$((SECONDS - START))"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

section "System packages"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
ossfs_install_system_packages || die "installing system packages (scripts/deps.sh)"

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
# Every runner's output is also kept here, so the summary can count the tests all stages ran.
RUN_LOG=$(mktemp -t ossfs-test-run-XXXXXX.log)

if [ "${SKIP_SWIFT_TESTS:-0}" != "1" ]; then
    section "Swift tests (swift test --skip-build)"
    swift test --skip-build 2>&1 | tee -a "$RUN_LOG" || failed+=("swift test")
    # Proxy variables are process-wide, so this one runs alone, in a process started with them set.
    section "Swift tests with a proxy environment (ProxyEnvironmentTests)"
    OSSFS_PROXY_ENV_TEST=1 http_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
        swift test --skip-build --filter ProxyEnvironmentTests 2>&1 | tee -a "$RUN_LOG" \
        || failed+=("proxy environment tests")
fi

BIN_DIR="$(swift build --show-bin-path)"

# run_pytest_suite NAME DIR [ENV=VALUE ...]: one pytest suite, with its own temp root (kept when it fails), so
# other suites' leftovers (e.g. stale FUSE mounts) never get in the way.
run_pytest_suite() {
    local name=$1 dir=$2; shift 2
    section "$name ($dir)"
    local tmp
    tmp=$(mktemp -d -t ossfs-tests-XXXXXX)
    local ini=()
    [ -f "$dir/pytest.ini" ] && ini=(-c "$dir/pytest.ini")
    # shellcheck disable=SC2086
    if env OSS_LOCAL_BIN="$BIN_DIR/oss-local" OSSFS_BIN_DIR="$BIN_DIR" OSSFS_BUILD_DIR="$BIN_DIR" "$@" \
            "$PY" -m pytest "${ini[@]}" "$dir" --basetemp "$tmp/pytest" ${PYTEST_ARGS:-} 2>&1 | tee -a "$RUN_LOG"; then
        rm -rf "$tmp"
    else
        failed+=("$name (temp dirs of failed tests kept in $tmp)")
    fi
}

[ "${SKIP_SDK_TESTS:-0}" = "1" ] || \
    run_pytest_suite "SDK suite: oss2 + alibabacloud-oss-v2 against oss-local" Tests/sdk
[ "${SKIP_CLI_TESTS:-0}" = "1" ] || \
    run_pytest_suite "Command-line tools: ossfs-passwd, mount.ossfs with mount(8), man pages" Tests/cli
if [ "${SKIP_E2E_TESTS:-0}" != "1" ] && [ -d Tests/e2e ]; then
    run_pytest_suite "End to end: real FUSE mounts of ossfs on oss-local" Tests/e2e
fi
if [ "${SKIP_RELIABILITY_TESTS:-0}" != "1" ] && [ -d Tests/reliability ]; then
    run_pytest_suite "Reliability: faults, bad input, security" Tests/reliability
fi

section "Summary"
# Totals over every stage, from Swift Testing's "Test run with N tests ... passed/failed" and pytest's
# "N passed, M failed, K errors" closing lines.
TOTALS=$("$PY" - "$RUN_LOG" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
passed = failed = 0
for m in re.finditer(r"Test run with (\d+) tests? in \d+ suites? (passed|failed)(?: after [\d.]+ seconds)?(?: with (\d+) issues?)?", text):
    n, verdict, issues = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    failed_here = min(n, issues) if verdict == "failed" else 0
    passed += n - failed_here
    failed += failed_here
for m in re.finditer(r"^=+ (.*) in [\d.]+s", text, re.M):
    counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (passed|failed|errors?|xfailed|skipped)", m.group(1)))
    passed += counts.get("passed", 0)
    failed += counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
print(f"tests: {passed} passed, {failed} failed")
PY
)
rm -f "$RUN_LOG"
if [ ${#failed[@]} -ne 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    echo "$TOTALS"
    exit 1
fi
echo "all tests passed"
echo "$TOTALS"
