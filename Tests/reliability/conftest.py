"""Fixtures of the reliability suite, built on the shared Tests/pylib/ossfstest. `env` gives a test its own
oss-local (started by the test, with the fault flags it wants) and tracks every mount it makes. Whatever
happens, teardown unmounts every mount, ends every ossfs and oss-local process by PID, and a watchdog aborts
the FUSE connections of a test that runs past its time limit (marker `time_limit(seconds)`, default 300 s),
so a hang fails the test instead of stalling the run."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))   # rellib, for the tests

from ossfstest import mount as mountlib  # noqa: E402
from ossfstest.binaries import binary  # noqa: E402
from ossfstest.credentials import write_private  # noqa: E402,F401  (tests import it from here)
from ossfstest.fixtures import MountEnv, guarded  # noqa: E402
from ossfstest.server import OSSLocal, new_bucket_name  # noqa: E402

pytest_plugins = ["ossfstest.plugin"]


class Env(MountEnv):
    def options(self, url: str | None = None, **overrides) -> list[str]:
        """url, passwd_file and timeouts far below ossfs's defaults, so stalls resolve within seconds."""
        limits = {"retries": 3, "connect_timeout": 3, "readwrite_timeout": 5}
        limits.update(overrides)
        return [f"url={url or self.server.endpoint}", f"passwd_file={self.passwd_file}"] + \
            [f"{k}={v}" for k, v in limits.items() if v is not None]

    def mountpoint(self) -> Path:
        return self.new_mountpoint()

    def mount(self, options: list[str], mountpoint: Path | None = None, env: dict | None = None) -> mountlib.Mount:
        return self.mount_spec(self.server.bucket, options, mountpoint, env=env)


@pytest.fixture
def env(tmp_path, request):
    for name in ("ossfs", "oss-local"):
        if not binary(name).is_file():
            pytest.fail(f"{binary(name)} is not built; OSSFS_BIN_DIR overrides the directory")
    os.chmod(tmp_path, 0o755)   # the second-user tests walk into it
    server = OSSLocal(workdir=tmp_path, bucket=new_bucket_name("rel"))
    e = Env(workdir=tmp_path, server=server,
            passwd_file=write_private(tmp_path / "passwd-ossfs",
                                      f"{server.keys.access_key_id}:{server.keys.access_key_secret}\n"))
    # these tests kill daemons on purpose and unmount them themselves
    with guarded(e, request, died_is_problem=False):
        yield e
