"""Fixtures for the package tests: the packages (built once per session with `make deb` / `make rpm`, or
given as $OSSFS_DEB / $OSSFS_RPM) and an oss-local server from the build tree (it is not packaged).

Every test here is skipped unless OSSFS_PACKAGING_TESTS=1: building release programs takes minutes and the
.deb test installs and purges a package on this machine (root only).
"""
import os
import re
import secrets
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("OSSFS_PACKAGING_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="package tests run only with OSSFS_PACKAGING_TESTS=1 (make packaging-test)")
    for item in items:
        item.add_marker(skip)


def version():
    text = (REPO / "Sources" / "OSSCore" / "Version.swift").read_text()
    return re.search(r'static let string = "([^"]+)"', text).group(1)


def build_package(target, pattern, env_name):
    given = os.environ.get(env_name)
    if given:
        return Path(given)
    dist = Path(tempfile.mkdtemp(prefix=f"ossfs-{target}-"))
    subprocess.run(["make", "-C", str(REPO), target, f"DIST={dist}"], check=True)
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, f"make {target} wrote {found}"
    return found[0]


@pytest.fixture(scope="session")
def deb():
    return build_package("deb", "ossfs_*.deb", "OSSFS_DEB")


@pytest.fixture(scope="session")
def rpm():
    return build_package("rpm", "ossfs-*.rpm", "OSSFS_RPM")


class OSSLocal:
    """oss-local with one bucket and random keys (given through the environment, never argv)."""

    def __init__(self, bucket):
        self.bucket = bucket
        self.key_id = "LTAI5tPkg" + secrets.token_hex(6)
        self.secret = secrets.token_urlsafe(24)
        binary = os.environ.get("OSS_LOCAL_BIN") or str(REPO / ".build" / "debug" / "oss-local")
        if not os.access(binary, os.X_OK):
            pytest.fail(f"oss-local not built: {binary} (swift build --product oss-local)")
        env = dict(os.environ, OSS_ACCESS_KEY_ID=self.key_id, OSS_ACCESS_KEY_SECRET=self.secret)
        self.process = subprocess.Popen([binary, "--memory", "--bucket", bucket, "--listen", "127.0.0.1:0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.url = None
        for _ in range(50):
            line = self.process.stdout.readline()
            if not line:
                break
            match = re.search(r"oss-local listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        if self.url is None:
            self.stop()
            pytest.fail("oss-local did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


@pytest.fixture
def oss_local():
    server = OSSLocal("pkg-test-" + secrets.token_hex(4))
    try:
        yield server
    finally:
        server.stop()
