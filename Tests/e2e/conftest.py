"""End-to-end fixtures: each test gets a fresh oss-local (in memory) with a fresh bucket, and mounts of it.

Whatever happens (failure, exception, hang), teardown unmounts every mount (`fusermount3 -u`, then `-uz`),
ends every ossfs process by PID, and stops the server by PID. A watchdog aborts the FUSE connections of a
test that runs past its time limit (marker `time_limit(seconds)`, default 300), so a hung daemon fails
the test instead of hanging the run.
"""
from __future__ import annotations

import os
import secrets
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2elib import mount as mountlib  # noqa: E402
from e2elib.binaries import binary  # noqa: E402
from e2elib.server import OSSLocal  # noqa: E402

DEFAULT_TIME_LIMIT = 300.0


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): abort the test's mounts after this many seconds")
    config.addinivalue_line("markers", "oss_local(persistent=False, args=[]): how to start the test's oss-local")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def write_passwd_file(path: Path, line: str) -> Path:
    """A credentials file with mode 0600 from the start (never readable by others, not even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(line + "\n")
    os.chmod(path, 0o600)
    return path


def log_excerpt(path: Path, tail: int = 4000) -> str:
    """A log's crash and error lines (a backtrace's head is what matters) followed by its tail."""
    text = path.read_text(errors="replace")
    marks = [line for line in text.splitlines()
             if any(w in line for w in ("Fatal error", "fatal", "crashed", "[err]", "[crit]", "panic"))][:20]
    head = ("important lines:\n" + "\n".join(marks) + "\n") if marks else ""
    return f"----- {path.name} ({len(text)} chars) -----\n{head}last {tail} chars:\n{text[-tail:]}"


@dataclass
class Env:
    workdir: Path
    server: OSSLocal
    passwd_file: Path
    mounts: list[mountlib.Mount] = field(default_factory=list)
    _counter: int = 0

    @property
    def bucket_name(self) -> str:
        return self.server.bucket

    @property
    def bucket(self):
        return self.server.oss2_bucket()

    def base_options(self, url: str | None = None, passwd_file: Path | None = None, **overrides) -> list[str]:
        """url, passwd_file, and retry/timeout values far below ossfs's defaults (300 s / 120 s), so a
        misbehaving request fails a test instead of stalling the run; keyword arguments override them."""
        limits = {"retries": 3, "connect_timeout": 10, "readwrite_timeout": 30}
        limits.update(overrides)
        return [f"url={url or self.server.endpoint}", f"passwd_file={passwd_file or self.passwd_file}"] + \
            [f"{k}={v}" for k, v in limits.items()]

    def new_mountpoint(self) -> Path:
        self._counter += 1
        mp = self.workdir / f"mnt{self._counter}"
        mp.mkdir()
        return mp

    def mount(self, options: list[str] | tuple = (), prefix: str | None = None, base: bool = True,
              mountpoint: Path | None = None) -> mountlib.Mount:
        """Mount the bucket (or BUCKET:/prefix) in the foreground process mode (-f), tracked for teardown."""
        mp = mountpoint or self.new_mountpoint()
        spec = self.bucket_name + (f":/{prefix.strip('/')}" if prefix else "")
        opts = (self.base_options() if base else []) + list(options)
        log = self.workdir / f"ossfs-{mp.name}.log"
        m = mountlib.Mount(spec, mp, opts, log)
        self.mounts.append(m)  # tracked before starting: a half-started mount is cleaned up too
        started = mountlib.mount_foreground(spec, mp, opts, log)
        m.process, m.pids = started.process, started.pids
        return m

    def track_daemon(self, mp: Path, options: list[str], spec: str | None = None) -> mountlib.Mount:
        """Track a mount made by a daemonizing `ossfs` run, so teardown unmounts it and ends its process."""
        m = mountlib.Mount(spec or self.bucket_name, mp, options, self.workdir / f"ossfs-{mp.name}.log")
        m.pids = mountlib.ossfs_pids(mp)
        self.mounts.append(m)
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
    marker = request.node.get_closest_marker("time_limit")
    limit = float(marker.args[0]) if marker else DEFAULT_TIME_LIMIT
    fired = threading.Event()

    def watchdog():
        fired.set()
        for m in list(e.mounts):
            m.aborted = True   # before the abort: the unblocked test may reach teardown at once
            mountlib.abort_connection(m.path)

    timer = threading.Timer(limit, watchdog)
    timer.daemon = True
    timer.start()
    problems: list[str] = []
    try:
        server.start()
        yield e
    finally:
        timer.cancel()
        timer.join()   # a watchdog already running finishes its aborts before teardown starts
        failed = any(getattr(request.node, f"rep_{w}", None) is not None and getattr(request.node, f"rep_{w}").failed
                     for w in ("setup", "call"))
        for m in list(e.mounts):
            if m.process is not None and m.process.poll() is not None and not m.expect_exit:
                # the daemon died mid-test: later writes may have gone to the bare mountpoint directory
                problems.append(f"{m.path}: ossfs exited during the test with status {m.process.returncode}")
        for m in list(e.mounts):
            try:
                # after a failure the test may still hold descriptors (its traceback): do not wait long
                problems += [f"{m.path}: {p}" for p in e.unmount(m, grace=15.0 if failed else 60.0)]
            except Exception as exc:  # keep cleaning up the rest
                problems.append(f"{m.path}: unmount raised {exc!r}")
        server.stop()
        if failed or problems or fired.is_set():
            for log in sorted(tmp_path.glob("*.log")):
                print(log_excerpt(log))
    if fired.is_set():
        pytest.fail(f"test exceeded its {limit:.0f}s limit; its FUSE connections were aborted")
    if problems and not failed:
        pytest.fail("unmount was not clean: " + "; ".join(problems))


@pytest.fixture
def mnt(env) -> mountlib.Mount:
    """The bucket mounted with the suite's base options."""
    return env.mount()
