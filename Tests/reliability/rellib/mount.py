"""ossfs mounts that are always undone: `fusermount3 -u`, then abort through fusectl and `-uz`, then the
daemon ended by PID. Aborting the FUSE connection turns a hung daemon's blocked calls into ENOTCONN, so a
hang fails a test instead of stalling the run."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .binaries import binary

FUSECTL = Path("/sys/fs/fuse/connections")


def _mountinfo_path(field_: str) -> str:
    # mountinfo writes space, tab, newline and backslash as \ooo
    return bytes(field_, "utf-8").decode("unicode_escape") if "\\" in field_ else field_


def mount_entry(path: Path | str) -> dict | None:
    target = os.path.realpath(str(path))
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts = left.split()
            if len(parts) >= 5 and _mountinfo_path(parts[4]) == target:
                r = right.split()
                found = {"dev": parts[2], "fstype": r[0] if r else ""}
    return found


def is_fuse_mounted(path: Path | str) -> bool:
    e = mount_entry(path)
    return e is not None and e["fstype"].startswith("fuse")


def abort_connection(path: Path | str) -> bool:
    e = mount_entry(path)
    if e is None or not e["fstype"].startswith("fuse"):
        return False
    major, _, minor = e["dev"].partition(":")
    conn = FUSECTL / str((int(major) << 20) | int(minor) if int(major) else int(minor))
    if not conn.exists():
        subprocess.run(["mount", "-t", "fusectl", "fusectl", str(FUSECTL)], capture_output=True, timeout=10)
    try:
        (conn / "abort").write_text("1")
        return True
    except OSError:
        return False


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1][:1]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@dataclass
class Mount:
    spec: str
    path: Path
    options: list[str]
    log_path: Path
    process: subprocess.Popen | None = None
    aborted: bool = False
    extra_env: dict = field(default_factory=dict)

    def __truediv__(self, other: str) -> Path:
        return self.path / other

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def command(spec: str, mountpoint: Path, options: list[str], foreground: bool = True) -> list[str]:
    args = [str(binary("ossfs")), spec, str(mountpoint)]
    if options:
        args += ["-o", ",".join(options)]
    if foreground:
        args.append("-f")
    return args


def mount(spec: str, mountpoint: Path, options: list[str], log_path: Path, env: dict | None = None,
          timeout: float = 60.0) -> Mount:
    """`ossfs ... -f`, returned once statfs answers (INIT done). Raises with the log if it never mounts."""
    m = Mount(spec, mountpoint, options, log_path)
    with open(log_path, "ab") as log:
        m.process = subprocess.Popen(command(spec, mountpoint, options), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_fuse_mounted(mountpoint):
            try:
                os.statvfs(mountpoint)
                return m
            except OSError as e:
                unmount(m, grace=5)
                raise RuntimeError(f"ossfs mounted but does not answer ({e}):\n{m.log_text()[-3000:]}")
        if m.process.poll() is not None:
            raise RuntimeError(f"ossfs exited with {m.process.returncode} before mounting:\n{m.log_text()[-3000:]}")
        time.sleep(0.05)
    unmount(m, grace=5)
    raise RuntimeError(f"ossfs did not mount within {timeout}s:\n{m.log_text()[-3000:]}")


def unmount(m: Mount, grace: float = 60.0) -> list[str]:
    """Unmount and end the daemon whatever its state. Returns what was not clean."""
    problems: list[str] = []
    if m.aborted:
        grace = 5.0
    if is_fuse_mounted(m.path):
        try:
            r = subprocess.run(["fusermount3", "-u", str(m.path)], capture_output=True, text=True, timeout=grace)
            if r.returncode != 0:
                problems.append(f"fusermount3 -u: {r.stderr.strip()}")
        except subprocess.TimeoutExpired:
            problems.append("fusermount3 -u timed out")
        if is_fuse_mounted(m.path):
            abort_connection(m.path)
            subprocess.run(["fusermount3", "-uz", str(m.path)], capture_output=True, timeout=30)
    p = m.process
    if p is not None:
        # after unmount the daemon finishes its uploads and exits by itself
        if not _gone(p.pid, grace):
            problems.append(f"ossfs still running {grace:.0f}s after unmount")
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            problems.append("ossfs survived SIGKILL")
    return problems
