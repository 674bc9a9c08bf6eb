"""The per-test mount environment of the e2e and reliability suites: an oss-local, a credentials file, the
mounts the test makes, and `guarded()`, which whatever happens (failure, exception, hang) unmounts every
mount, ends every ossfs and oss-local process by PID, and runs a watchdog that aborts the FUSE connections
of a test running past its `time_limit(seconds)` marker, so a hung daemon fails the test instead of hanging
the run. The suites' conftest.py files build their `env` fixtures on it."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import mount as mountlib
from .server import OSSLocal

DEFAULT_TIME_LIMIT = 300.0
IMPORTANT = ("Fatal error", "fatal", "crashed", "[err]", "[crit]", "panic")


def node_failed(node) -> bool:
    """Whether setup or call of this test failed (the plugin's report hook leaves rep_setup/rep_call)."""
    return any(getattr(getattr(node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


def log_excerpt(path: Path, tail: int = 4000) -> str:
    """A log's crash and error lines (a backtrace's head is what matters) followed by its tail."""
    text = path.read_text(errors="replace")
    marks = [line for line in text.splitlines() if any(w in line for w in IMPORTANT)][:20]
    head = ("important lines:\n" + "\n".join(marks) + "\n") if marks else ""
    return f"----- {path.name} ({len(text)} chars) -----\n{head}last {tail} chars:\n{text[-tail:]}"


@dataclass
class MountEnv:
    workdir: Path
    server: OSSLocal
    passwd_file: Path
    mounts: list[mountlib.Mount] = field(default_factory=list)
    cleanups: list = field(default_factory=list)   # called last to first at teardown
    _counter: int = 0

    @property
    def bucket_name(self) -> str:
        return self.server.bucket

    @property
    def bucket(self):
        return self.server.oss2_bucket()

    def new_mountpoint(self) -> Path:
        self._counter += 1
        mp = self.workdir / f"mnt{self._counter}"
        mp.mkdir()
        return mp

    def mount_spec(self, spec: str, options: list[str], mountpoint: Path | None = None,
                   env: dict | None = None) -> mountlib.Mount:
        """`ossfs SPEC MP -o OPTIONS -f`, tracked for teardown before it starts (a half-started mount is
        cleaned up too)."""
        mp = mountpoint or self.new_mountpoint()
        log = self.workdir / f"ossfs-{mp.name}.log"
        m = mountlib.Mount(spec, mp, list(options), log)
        self.mounts.append(m)
        started = mountlib.mount_foreground(spec, mp, list(options), log, env=env)
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


@contextmanager
def guarded(e: MountEnv, request, died_is_problem: bool = True):
    """Runs the test body under the watchdog, then tears everything down. `died_is_problem`: a daemon that
    exited during the test (not marked `expect_exit`) fails it, as later writes may have gone to the bare
    mount point directory."""
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
        yield e
    finally:
        timer.cancel()
        timer.join()   # a watchdog already running finishes its aborts before teardown starts
        failed = node_failed(request.node)
        if died_is_problem:
            for m in e.mounts:
                if m.process is not None and m.process.poll() is not None and not m.expect_exit:
                    problems.append(f"{m.path}: ossfs exited during the test with status {m.process.returncode}")
        for m in list(e.mounts):
            try:
                # after a failure the test may still hold descriptors (its traceback): do not wait long
                problems += [f"{m.path}: {p}" for p in e.unmount(m, grace=15.0 if failed else 60.0)]
            except Exception as exc:  # keep cleaning up the rest
                problems.append(f"{m.path}: unmount raised {exc!r}")
        e.server.thaw()
        e.server.stop()
        for fn in reversed(e.cleanups):
            try:
                fn()
            except Exception as exc:
                problems.append(f"cleanup {fn}: {exc!r}")
        if failed or problems or fired.is_set():
            for log in sorted(e.workdir.glob("*.log")):
                print(log_excerpt(log))
    if fired.is_set():
        pytest.fail(f"test exceeded its {limit:.0f}s limit; its FUSE connections were aborted")
    if problems and not failed:
        pytest.fail("teardown was not clean: " + "; ".join(problems))
