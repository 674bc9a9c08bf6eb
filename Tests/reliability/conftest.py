"""Fixtures of the reliability suite. `env` gives a test its own oss-local (started by the test, with the
fault flags it wants) and tracks every mount it makes. Whatever happens, teardown unmounts every mount,
ends every ossfs and oss-local process by PID, and a watchdog aborts the FUSE connections of a test that
runs past its time limit (marker `time_limit(seconds)`, default 300 s), so a hang fails the test instead of
stalling the run."""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rellib import mount as mountlib  # noqa: E402
from rellib.binaries import binary  # noqa: E402
from rellib.server import OSSLocal, new_bucket_name  # noqa: E402

DEFAULT_TIME_LIMIT = 300.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def write_private(path: Path, text: str, mode: int = 0o600) -> Path:
    """A file created with `mode` from the start (a credentials file is never readable by others, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


@dataclass
class Env:
    workdir: Path
    server: OSSLocal
    passwd_file: Path
    mounts: list[mountlib.Mount] = field(default_factory=list)
    cleanups: list = field(default_factory=list)
    _n: int = 0

    @property
    def bucket(self):
        return self.server.oss2_bucket()

    def options(self, url: str | None = None, **overrides) -> list[str]:
        """url, passwd_file and timeouts far below ossfs's defaults, so stalls resolve within seconds."""
        limits = {"retries": 3, "connect_timeout": 3, "readwrite_timeout": 5}
        limits.update(overrides)
        return [f"url={url or self.server.endpoint}", f"passwd_file={self.passwd_file}"] + \
            [f"{k}={v}" for k, v in limits.items() if v is not None]

    def mountpoint(self) -> Path:
        self._n += 1
        mp = self.workdir / f"mnt{self._n}"
        mp.mkdir()
        return mp

    def mount(self, options: list[str], mountpoint: Path | None = None, env: dict | None = None) -> mountlib.Mount:
        mp = mountpoint or self.mountpoint()
        log = self.workdir / f"ossfs-{mp.name}.log"
        placeholder = mountlib.Mount(self.server.bucket, mp, options, log)
        self.mounts.append(placeholder)   # tracked before it starts: a half-started mount is cleaned up too
        m = mountlib.mount(self.server.bucket, mp, options, log, env=env)
        self.mounts[self.mounts.index(placeholder)] = m
        return m

    def unmount(self, m: mountlib.Mount, grace: float = 60.0) -> list[str]:
        problems = mountlib.unmount(m, grace)
        if m in self.mounts:
            self.mounts.remove(m)
        return problems


@pytest.fixture
def env(tmp_path, request):
    for name in ("ossfs", "oss-local"):
        if not binary(name).is_file():
            pytest.fail(f"{binary(name)} is not built; OSSFS_BIN_DIR overrides the directory")
    os.chmod(tmp_path, 0o755)   # the second-user tests walk into it
    server = OSSLocal(workdir=tmp_path, bucket=new_bucket_name())
    e = Env(workdir=tmp_path, server=server,
            passwd_file=write_private(tmp_path / "passwd-ossfs",
                                      f"{server.keys.access_key_id}:{server.keys.access_key_secret}\n"))
    marker = request.node.get_closest_marker("time_limit")
    limit = float(marker.args[0]) if marker else DEFAULT_TIME_LIMIT
    fired = threading.Event()

    def watchdog():
        fired.set()
        for m in list(e.mounts):
            m.aborted = True
            mountlib.abort_connection(m.path)

    timer = threading.Timer(limit, watchdog)
    timer.daemon = True
    timer.start()
    problems: list[str] = []
    try:
        yield e
    finally:
        timer.cancel()
        timer.join()
        failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
        for m in list(e.mounts):
            try:
                problems += [f"{m.path}: {p}" for p in e.unmount(m, grace=15.0 if failed else 60.0)]
            except Exception as exc:
                problems.append(f"{m.path}: unmount raised {exc!r}")
        server.thaw()
        server.stop()
        for fn in reversed(e.cleanups):
            try:
                fn()
            except Exception as exc:
                problems.append(f"cleanup {fn}: {exc!r}")
        if failed or problems or fired.is_set():
            for log in sorted(tmp_path.glob("*.log")):
                text = log.read_text(errors="replace")
                print(f"----- {log.name} ({len(text)} chars), last 3000 -----\n{text[-3000:]}")
    if fired.is_set():
        pytest.fail(f"test exceeded its {limit:.0f}s limit; its FUSE connections were aborted")
    if problems and not failed:
        pytest.fail("teardown was not clean: " + "; ".join(problems))
