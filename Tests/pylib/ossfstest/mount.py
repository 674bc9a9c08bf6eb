"""Mounting and unmounting `ossfs`, and knowing for sure whether a path is mounted.

Every mount is undone with `fusermount3 -u` (then an abort and `-uz`), and the ossfs process is ended by its
PID. A mount whose daemon hangs is aborted through fusectl (/sys/fs/fuse/connections/N/abort), which makes
the blocked system calls fail with ENOTCONN, so a hang fails a test instead of stalling the run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .binaries import binary

FUSECTL = Path("/sys/fs/fuse/connections")


def _unescape(field_: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo
    out, i = [], 0
    while i < len(field_):
        code = field_[i + 1:i + 4]
        if field_[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field_[i])
            i += 1
    return "".join(out)


def mount_entry(path: Path | str) -> dict | None:
    """The /proc/self/mountinfo entry mounted at `path` (the last one, if stacked), or None."""
    target = os.path.realpath(str(path))
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts = left.split()
            if len(parts) < 5 or _unescape(parts[4]) != target:
                continue
            r = right.split()
            found = {"dev": parts[2], "fstype": r[0] if r else "", "source": r[1] if len(r) > 1 else ""}
    return found


def is_fuse_mounted(path: Path | str) -> bool:
    e = mount_entry(path)
    return e is not None and e["fstype"].startswith("fuse")


def abort_connection(path: Path | str) -> bool:
    """Abort the FUSE connection of the mount at `path` (no stat on the mount, which could hang)."""
    e = mount_entry(path)
    if e is None or not e["fstype"].startswith("fuse"):
        return False
    major, _, minor = e["dev"].partition(":")
    conn = FUSECTL / str((int(major) << 20) | int(minor) if int(major) else int(minor))
    if not conn.exists():
        # fusectl may not be mounted on this machine; mounting it changes nothing else.
        subprocess.run(["mount", "-t", "fusectl", "fusectl", str(FUSECTL)], capture_output=True, timeout=10)
    try:
        (conn / "abort").write_text("1")
        return True
    except OSError:
        return False


def ossfs_pids(mountpoint: Path | str) -> list[int]:
    """PIDs of ossfs processes started for `mountpoint` (argv names our binary and that path)."""
    exe, mp = str(binary("ossfs")), os.path.realpath(str(mountpoint))
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if args and os.path.basename(args[0]) == os.path.basename(exe) \
                and any(os.path.realpath(a) == mp for a in args[1:] if a.startswith("/")):
            pids.append(int(entry))
    return pids


def wait_gone(pid: int, timeout: float) -> bool:
    """True once `pid` has exited (a zombie counts: its parent reaps it), False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1][:1]
        except OSError:
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def stop_pid(pid: int, grace: float = 30.0) -> bool:
    """Give a process `grace` seconds to exit, then SIGTERM, then SIGKILL. True when it exited by itself."""
    if wait_gone(pid, grace):
        return True
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return False
        if wait_gone(pid, 10):
            return False
    return False


@dataclass
class Mount:
    spec: str                       # BUCKET or BUCKET:/PREFIX
    path: Path
    options: list[str]
    log_path: Path
    process: subprocess.Popen | None = None   # set for -f mounts
    pids: list[int] = field(default_factory=list)
    aborted: bool = False                     # its FUSE connection was aborted: the daemon is presumed hung
    expect_exit: bool = False                 # the test ends the daemon itself (signals, crash-free exits)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else (self.pids[0] if self.pids else None)

    def __truediv__(self, other: str) -> Path:
        return self.path / other


def ossfs_command(spec: str, mountpoint: Path, options: list[str], foreground: bool = True) -> list[str]:
    args = [str(binary("ossfs")), spec, str(mountpoint)]
    if options:
        args += ["-o", ",".join(options)]
    if foreground:
        args.append("-f")
    return args


def mount_foreground(spec: str, mountpoint: Path, options: list[str], log_path: Path, env: dict | None = None,
                     timeout: float = 60.0) -> Mount:
    """Start `ossfs ... -f` and return once statfs answers (FUSE INIT done); raise, after cleaning up, with
    the log if it never does."""
    exe = binary("ossfs")
    if not exe.is_file():
        raise FileNotFoundError(f"ossfs not built: {exe} (swift build --product ossfs)")
    m = Mount(spec, mountpoint, options, log_path)
    with open(log_path, "ab") as log:
        m.process = subprocess.Popen(ossfs_command(spec, mountpoint, options, True), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
    m.pids = [m.process.pid]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_fuse_mounted(mountpoint):
            # the mount entry appears before FUSE INIT; statfs waits for INIT and fails if the daemon died
            try:
                os.statvfs(mountpoint)
            except OSError as e:
                unmount(m, grace=5)
                raise RuntimeError(f"ossfs mounted but does not answer ({e}):\n{m.log_text()[-3000:]}")
            if m.process.poll() is not None:
                unmount(m, grace=5)
                raise RuntimeError(f"ossfs exited with {m.process.returncode} right after mounting:\n"
                                   f"{m.log_text()[-3000:]}")
            return m
        if m.process.poll() is not None:
            raise RuntimeError(f"ossfs exited with {m.process.returncode} before mounting:\n{m.log_text()[-3000:]}")
        time.sleep(0.05)
    unmount(m, grace=5)
    raise RuntimeError(f"ossfs did not mount within {timeout}s:\n{m.log_text()[-3000:]}")


def run_ossfs(spec: str, mountpoint: Path, options: list[str], timeout: float = 90.0,
              extra_args: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run ossfs without -f (it daemonizes and returns once mounted, or fails with a message).

    Output goes to files, not pipes, and only the parent is waited for: a daemon that kept the caller's
    pipes open would otherwise look like a parent that never returns."""
    args = ossfs_command(spec, mountpoint, options, False) + (extra_args or [])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, rc, out.read().decode(errors="replace"),
                                           err.read().decode(errors="replace"))


def unmount(m: Mount, grace: float = 60.0) -> list[str]:
    """Unmount and end the daemon, whatever state it is in. Returns what was not clean (empty when clean)."""
    problems: list[str] = []
    if m.aborted:
        grace = 5.0   # a hung daemon gets no time to finish uploads
    if is_fuse_mounted(m.path):
        try:
            r = subprocess.run(["fusermount3", "-u", str(m.path)], capture_output=True, text=True, timeout=grace)
            if r.returncode != 0:
                problems.append(f"fusermount3 -u: {r.stderr.strip()}")
        except subprocess.TimeoutExpired:
            problems.append("fusermount3 -u timed out")
            m.aborted = abort_connection(m.path)
        if is_fuse_mounted(m.path):
            abort_connection(m.path)
            subprocess.run(["fusermount3", "-uz", str(m.path)], capture_output=True, timeout=30)
    # after unmount the daemon finishes its uploads and exits by itself
    for pid in set(m.pids) | set(ossfs_pids(m.path)):
        if not stop_pid(pid, grace):
            problems.append(f"ossfs {pid} still running {grace:.0f}s after unmount (ended by signal)")
    if m.process is not None:
        try:
            m.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            problems.append("ossfs process still running after SIGKILL")
    return problems
