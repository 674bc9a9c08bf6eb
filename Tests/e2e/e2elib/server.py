"""One `oss-local` process per test: random keys (through its environment, never argv), one bucket.

Ready when it prints `oss-local listening on http://HOST:PORT`. `stop()` ends it by PID (SIGTERM, then
SIGKILL) and is safe to call twice, so a test may stop the server on purpose and the fixture still cleans up.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import oss2

from .binaries import binary

READY = re.compile(r"oss-local listening on (http://[0-9A-Za-z.\[\]:]+)")
REGION = "cn-hangzhou"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Keys:
    access_key_id: str
    access_key_secret: str

    @staticmethod
    def random() -> "Keys":
        return Keys("LTAI5tE2e" + secrets.token_hex(8), "E2eSecret" + secrets.token_urlsafe(24))


@dataclass
class OSSLocal:
    workdir: Path
    bucket: str
    keys: Keys = field(default_factory=Keys.random)
    extra_args: list[str] = field(default_factory=list)
    data_dir: Path | None = None      # None: --memory; a directory keeps objects across a restart
    endpoint: str = ""
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, ready_timeout: float = 30.0) -> "OSSLocal":
        exe = binary("oss-local")
        if not exe.is_file():
            raise FileNotFoundError(f"oss-local not built: {exe} (swift build --product oss-local)")
        last = None
        for _ in range(3):  # another process may grab the port between free_port() and bind
            port = self.port or free_port()
            try:
                self._start_once(exe, port, ready_timeout)
                return self
            except RuntimeError as e:
                last = e
                self.stop()
                if self.port:  # a restart must keep its port (mounts point at it): no second try elsewhere
                    break
        raise last  # type: ignore[misc]

    def _start_once(self, exe: Path, port: int, ready_timeout: float) -> None:
        self.log_path = self.workdir / f"oss-local-{port}.log"
        args = [str(exe), "--listen", f"127.0.0.1:{port}", "--region", REGION, "--bucket", self.bucket,
                *(["--data", str(self.data_dir)] if self.data_dir else ["--memory"]), *self.extra_args]
        env = dict(os.environ)
        env["OSS_ACCESS_KEY_ID"] = self.keys.access_key_id
        env["OSS_ACCESS_KEY_SECRET"] = self.keys.access_key_secret
        env.pop("OSS_SESSION_TOKEN", None)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0  # a restart appends to the log
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=env)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if READY.search(self.log_text()[offset:]):
                self.port = port
                self.endpoint = f"http://127.0.0.1:{port}"
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"oss-local exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"oss-local not ready after {ready_timeout}s:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        p, self.process = self.process, None
        if p is None or p.poll() is not None:
            return
        try:
            os.kill(p.pid, signal.SIGCONT)   # a test may have frozen it with SIGSTOP
            os.kill(p.pid, signal.SIGTERM)
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
        except ProcessLookupError:
            pass

    def freeze(self) -> None:
        """SIGSTOP: the listening socket still accepts connections, but nothing is ever answered (a stall)."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def oss2_bucket(self, name: str | None = None, secret: str | None = None) -> oss2.Bucket:
        auth = oss2.Auth(self.keys.access_key_id, secret or self.keys.access_key_secret)
        return oss2.Bucket(auth, self.endpoint, name or self.bucket, connect_timeout=30)
