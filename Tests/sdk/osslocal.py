"""Starts and stops an `oss-local` process for the SDK tests.

Keys go to the server through its environment only (never argv). The server is ready when it prints
`oss-local listening on http://HOST:PORT`; whatever happens, `stop()` terminates it by PID (SIGTERM, then
SIGKILL), so a failing test never leaves a server behind.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

READY_PATTERN = re.compile(r"oss-local listening on (http://[0-9A-Za-z.\[\]:]+)")
DEFAULT_REGION = "cn-hangzhou"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def oss_local_binary() -> Path:
    """The binary under test: $OSS_LOCAL_BIN, or the debug build of this checkout."""
    override = os.environ.get("OSS_LOCAL_BIN")
    path = Path(override) if override else repo_root() / ".build" / "debug" / "oss-local"
    if not path.is_file():
        raise FileNotFoundError(f"oss-local not built: {path} (run `swift build --product oss-local`)")
    return path


def free_port() -> int:
    """An ephemeral port the kernel just handed out (released again for the server to take)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Keys:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    @staticmethod
    def random() -> "Keys":
        return Keys("LTAI5tSdk" + secrets.token_hex(8), secrets.token_urlsafe(24))


@dataclass
class OSSLocal:
    """One oss-local process. Use `start()`/`stop()` or the context manager."""

    buckets: list[str]
    keys: Keys = field(default_factory=Keys.random)
    data_dir: str | None = None          # None = --memory
    region: str = DEFAULT_REGION
    extra_args: list[str] = field(default_factory=list)
    keys_in_env: bool = True             # False: the server gets no keys from its environment (--credentials)
    ready_timeout: float = 30.0
    port: int = 0
    endpoint: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    _log_dir: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> "OSSLocal":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def start(self) -> "OSSLocal":
        last_error = None
        for _ in range(3):  # a port race with another process is possible; try a fresh port
            try:
                self._start_once(free_port())
                return self
            except RuntimeError as e:
                last_error = e
                self.stop()
        raise last_error  # type: ignore[misc]

    def _start_once(self, port: int) -> None:
        if self._log_dir is None:
            self._log_dir = tempfile.TemporaryDirectory(prefix="oss-local-log-")
        self.log_path = Path(self._log_dir.name) / f"oss-local-{port}.log"
        args = [str(oss_local_binary()), "--listen", f"127.0.0.1:{port}", "--region", self.region]
        for b in self.buckets:
            args += ["--bucket", b]
        args += ["--data", self.data_dir] if self.data_dir else ["--memory"]
        args += self.extra_args
        env = {k: v for k, v in os.environ.items()
               if k not in ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN")}
        if self.keys_in_env:
            env["OSS_ACCESS_KEY_ID"] = self.keys.access_key_id
            env["OSS_ACCESS_KEY_SECRET"] = self.keys.access_key_secret
            if self.keys.security_token:
                env["OSS_SESSION_TOKEN"] = self.keys.security_token
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            m = READY_PATTERN.search(self.log_text())
            if m:
                self.port = port
                self.endpoint = f"http://127.0.0.1:{port}"
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"oss-local exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"oss-local not ready after {self.ready_timeout}s:\n{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait, then SIGKILL. Returns the exit status (None if never started)."""
        p, self.process = self.process, None
        if p is None:
            return None
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass
        return p.returncode

    def cleanup(self) -> None:
        self.stop()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None
