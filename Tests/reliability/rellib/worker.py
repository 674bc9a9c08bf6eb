"""File operations on a mount, run in a child process with a time bound per operation.

A FUSE call that hangs blocks its thread in the kernel, where no Python timeout reaches it. So every
operation runs in a long-lived child (`python -m rellib.worker`) and the test waits for its answer with a
deadline: an operation either succeeds, fails with an errno, or is reported as a hang (the child is then
killed and a new one started; the caller aborts the mount). File contents are never sent over the pipe:
both sides derive them from (seed, size) with `content()`."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import select
import subprocess
import sys
import time
from pathlib import Path


def content(seed: int, size: int) -> bytes:
    """Deterministic bytes that differ at every offset from any other seed's (a misplaced block shows)."""
    return random.Random(seed).randbytes(size)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hang(Exception):
    pass


# ---- child side -------------------------------------------------------------------------------------

def _do(op: dict):
    kind, path = op["op"], op.get("path")
    if kind == "write":            # create/truncate, write in chunks, close (close = the upload)
        data = content(op["seed"], op["size"])
        with open(path, "wb") as f:
            for i in range(0, len(data), 1 << 20):
                f.write(data[i:i + (1 << 20)])
        return None
    if kind == "pwrite":           # overwrite a range of an existing file
        data = content(op["seed"], op["size"])
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, op["offset"])
        finally:
            os.close(fd)
        return None
    if kind == "read":
        with open(path, "rb") as f:
            data = f.read()
        return {"size": len(data), "sha256": digest(data)}
    if kind == "rename":
        os.rename(path, op["to"])
        return None
    if kind == "unlink":
        os.unlink(path)
        return None
    if kind == "mkdir":
        os.mkdir(path)
        return None
    if kind == "rmdir":
        os.rmdir(path)
        return None
    if kind == "listdir":
        return sorted(os.listdir(path))
    if kind == "stat":
        st = os.stat(path)
        return {"size": st.st_size, "mode": st.st_mode}
    if kind == "walk":
        out = []
        for root, dirs, files in os.walk(path):
            out += [os.path.relpath(os.path.join(root, n), path) for n in files]
        return sorted(out)
    raise ValueError(f"unknown op {kind}")


def _child() -> None:
    for line in sys.stdin:
        op = json.loads(line)
        start = time.monotonic()
        try:
            result = {"ok": True, "value": _do(op)}
        except OSError as e:
            result = {"ok": False, "errno": errno.errorcode.get(e.errno, str(e.errno)), "message": str(e)}
        except Exception as e:  # a bug in the test itself, reported as such
            result = {"ok": False, "errno": "TESTBUG", "message": repr(e)}
        result["seconds"] = time.monotonic() - start
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


# ---- parent side ------------------------------------------------------------------------------------

class Worker:
    def __init__(self, user: tuple[int, int] | None = None):
        self.user = user
        self.proc: subprocess.Popen | None = None

    def _start(self) -> None:
        # The child gets this file's source on its command line (stdlib only), so it also runs as another
        # user who cannot read the test tree or the venv: then with the system's python3.
        kwargs = {}
        python = sys.executable
        if self.user is not None:
            uid, gid = self.user
            kwargs.update(user=uid, group=gid, extra_groups=[])
            python = "/usr/bin/python3"
        source = Path(__file__).read_text().split("# ---- parent side")[0] + "\n_child()\n"
        self.proc = subprocess.Popen([python, "-c", source], cwd="/", stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     env={"PATH": "/usr/bin:/bin"}, **kwargs)

    def run(self, op: dict, timeout: float) -> dict:
        """The child's answer to `op` ({"ok": bool, "errno": name, "value": ..., "seconds": float});
        raises Hang (after killing the child) when none comes within `timeout` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(op) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.kill()
            raise Hang(f"{op['op']} {op.get('path')} still blocked after {timeout:.0f}s")
        line = self.proc.stdout.readline()
        if not line:
            self.kill()
            raise RuntimeError(f"worker died during {op}")
        return json.loads(line)

    def kill(self) -> None:
        p, self.proc = self.proc, None
        if p is not None and p.poll() is None:
            p.kill()   # a child stuck in a FUSE call dies once the connection is aborted
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def close(self) -> None:
        p, self.proc = self.proc, None
        if p is not None:
            try:
                p.stdin.close()
                p.wait(timeout=10)
            except Exception:
                p.kill()
