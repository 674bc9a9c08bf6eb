"""End-to-end fixtures: each test gets a fresh oss-local (in memory) with a fresh bucket, and mounts of it.

Built on the shared Tests/pylib/ossfstest: whatever happens (failure, exception, hang), teardown unmounts
every mount (`fusermount3 -u`, then `-uz`), ends every ossfs process by PID, and stops the server by PID. A
watchdog aborts the FUSE connections of a test that runs past its time limit (marker `time_limit(seconds)`,
default 300), so a hung daemon fails the test instead of hanging the run.
"""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))   # e2elib, for the tests

from ossfstest import mount as mountlib  # noqa: E402
from ossfstest.binaries import binary  # noqa: E402
from ossfstest.credentials import write_passwd_file  # noqa: E402,F401  (tests import it from here)
from ossfstest.fixtures import DEFAULT_TIME_LIMIT, MountEnv, guarded, log_excerpt  # noqa: E402,F401
from ossfstest.server import OSSLocal  # noqa: E402

pytest_plugins = ["ossfstest.plugin"]


class Env(MountEnv):
    def base_options(self, url: str | None = None, passwd_file: Path | None = None, **overrides) -> list[str]:
        """url, passwd_file, and retry/timeout values far below ossfs's defaults (300 s / 120 s), so a
        misbehaving request fails a test instead of stalling the run; keyword arguments override them."""
        limits = {"retries": 3, "connect_timeout": 10, "readwrite_timeout": 30}
        limits.update(overrides)
        return [f"url={url or self.server.endpoint}", f"passwd_file={passwd_file or self.passwd_file}"] + \
            [f"{k}={v}" for k, v in limits.items()]

    def mount(self, options: list[str] | tuple = (), prefix: str | None = None, base: bool = True,
              mountpoint: Path | None = None) -> mountlib.Mount:
        """Mount the bucket (or BUCKET:/prefix) in the foreground process mode (-f), tracked for teardown."""
        spec = self.bucket_name + (f":/{prefix.strip('/')}" if prefix else "")
        return self.mount_spec(spec, (self.base_options() if base else []) + list(options), mountpoint)


@pytest.fixture
def env(tmp_path, request):
    for name in ("ossfs", "oss-local"):
        if not binary(name).is_file():
            pytest.fail(f"{binary(name)} is not built (swift build --product {name}); OSSFS_BIN_DIR overrides")
    server = OSSLocal(workdir=tmp_path, bucket="e2e-" + secrets.token_hex(6))
    config = request.node.get_closest_marker("oss_local")
    if config:
        server.extra_args = list(config.kwargs.get("args", []))
        if config.kwargs.get("persistent"):
            server.data_dir = tmp_path / "oss-data"
            server.data_dir.mkdir()
    e = Env(workdir=tmp_path, server=server,
            passwd_file=write_passwd_file(tmp_path / "passwd-ossfs",
                                          f"{server.keys.access_key_id}:{server.keys.access_key_secret}"))
    with guarded(e, request):
        server.start()
        yield e


@pytest.fixture
def mnt(env) -> mountlib.Mount:
    """The bucket mounted with the suite's base options."""
    return env.mount()
