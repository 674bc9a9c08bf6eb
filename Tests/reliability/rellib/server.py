"""One oss-local process: random keys through its environment (never argv), one bucket, optional --data
directory so it can be killed and restarted on the same port with the same objects.

Ready when it prints `oss-local listening on http://HOST:PORT`. `stop()`/`kill()` end it by PID and are safe
to call twice."""
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
    security_token: str | None = None   # STS keys: the server then requires the token on every request

    @staticmethod
    def random() -> "Keys":
        # distinctive, so a grep for them in logs cannot match anything else by chance
        return Keys("LTAI5tRel" + secrets.token_hex(8), "RelSecret" + secrets.token_hex(16))


@dataclass
class OSSLocal:
    workdir: Path
    bucket: str
    keys: Keys = field(default_factory=Keys.random)
    extra_args: list[str] = field(default_factory=list)
    data_dir: Path | None = None
    port: int = 0
    endpoint: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, extra_args: list[str] | None = None, ready_timeout: float = 30.0) -> "OSSLocal":
        """Start (or restart on the same port). `extra_args` replaces the fault flags for this run."""
        if extra_args is not None:
            self.extra_args = list(extra_args)
        last: Exception | None = None
        for _ in range(3):
            port = self.port or free_port()
            try:
                self._start_once(port, ready_timeout)
                return self
            except RuntimeError as e:
                last = e
                self.stop()
                if self.port:
                    # a restart keeps its port (mounts point at it); a port still in TIME_WAIT binds again soon
                    time.sleep(0.5)
        raise last  # type: ignore[misc]

    def _start_once(self, port: int, ready_timeout: float) -> None:
        exe = binary("oss-local")
        if not exe.is_file():
            raise FileNotFoundError(f"oss-local not built: {exe}")
        self.log_path = self.workdir / f"oss-local-{port}.log"
        args = [str(exe), "--listen", f"127.0.0.1:{port}", "--region", REGION, "--bucket", self.bucket,
                *(["--data", str(self.data_dir)] if self.data_dir else ["--memory"]), *self.extra_args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
        env["OSS_ACCESS_KEY_ID"] = self.keys.access_key_id
        env["OSS_ACCESS_KEY_SECRET"] = self.keys.access_key_secret
        if self.keys.security_token:
            env["OSS_SESSION_TOKEN"] = self.keys.security_token
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
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
            os.kill(p.pid, signal.SIGCONT)
            os.kill(p.pid, signal.SIGTERM)
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL: connections drop mid-request, nothing is flushed (what a crash looks like to clients)."""
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()

    def freeze(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def oss2_bucket(self) -> oss2.Bucket:
        k = self.keys
        auth = oss2.StsAuth(k.access_key_id, k.access_key_secret, k.security_token) if k.security_token \
            else oss2.Auth(k.access_key_id, k.access_key_secret)
        return oss2.Bucket(auth, self.endpoint, self.bucket, connect_timeout=30)


def new_bucket_name() -> str:
    return "rel-" + secrets.token_hex(6)
