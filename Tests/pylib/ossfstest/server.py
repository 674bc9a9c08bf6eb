"""One `oss-local` process: random keys through its environment (never argv), its buckets, in memory or in a
--data directory (then it can be stopped or killed and started again on the same port with the same objects).

Ready when it prints `oss-local listening on http://HOST:PORT`. `stop()`/`kill()` end it by PID and are safe
to call twice, so a test may stop the server on purpose and its fixture still cleans up."""
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

from .binaries import binary

READY = re.compile(r"oss-local listening on (http://[0-9A-Za-z.\[\]:]+)")
REGION = "cn-hangzhou"


def free_port() -> int:
    """An ephemeral port the kernel just handed out (released again for the server to take)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_bucket_name(prefix: str = "t") -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


@dataclass
class Keys:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None   # STS keys: the server then requires the token on every request

    @staticmethod
    def random() -> "Keys":
        # distinctive, so a grep for them in logs cannot match anything else by chance
        return Keys("LTAI5tTest" + secrets.token_hex(8), "TestSecret" + secrets.token_hex(16))


@dataclass
class OSSLocal:
    """One oss-local process. `bucket` (one) or `buckets` (several; `bucket` is then the first) name what it
    serves. Logs go to `workdir`, or to a private temporary directory that `cleanup()` removes."""

    workdir: Path | None = None
    bucket: str = ""
    buckets: list[str] = field(default_factory=list)
    keys: Keys = field(default_factory=Keys.random)
    extra_args: list[str] = field(default_factory=list)
    data_dir: Path | str | None = None   # None: --memory
    region: str = REGION
    keys_in_env: bool = True             # False: the server gets no keys from its environment (--credentials)
    ready_timeout: float = 30.0
    port: int = 0                        # kept across restarts: mounts point at it
    endpoint: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    _own_logdir: tempfile.TemporaryDirectory | None = None

    def __post_init__(self) -> None:
        if not self.buckets:
            self.buckets = [self.bucket] if self.bucket else []
        if not self.bucket and self.buckets:
            self.bucket = self.buckets[0].split(":")[0]   # "name:StorageClass" forms name the class too

    def __enter__(self) -> "OSSLocal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def start(self, extra_args: list[str] | None = None, ready_timeout: float | None = None) -> "OSSLocal":
        """Start, or start again on the same port. `extra_args` replaces the extra flags (faults) from now on."""
        if extra_args is not None:
            self.extra_args = list(extra_args)
        last: Exception | None = None
        for _ in range(3):
            port = self.port or free_port()
            try:
                self._start_once(port, ready_timeout or self.ready_timeout)
                return self
            except RuntimeError as e:
                last = e
                self.stop()
                if self.port:
                    # a restart keeps its port; one still in TIME_WAIT binds again soon
                    time.sleep(0.5)
        raise last  # type: ignore[misc]

    def _logdir(self) -> Path:
        if self.workdir is not None:
            return Path(self.workdir)
        if self._own_logdir is None:
            self._own_logdir = tempfile.TemporaryDirectory(prefix="oss-local-log-")
        return Path(self._own_logdir.name)

    def _start_once(self, port: int, ready_timeout: float) -> None:
        exe = binary("oss-local")
        if not exe.is_file():
            raise FileNotFoundError(f"oss-local not built: {exe} (swift build --product oss-local)")
        self.log_path = self._logdir() / f"oss-local-{port}.log"
        args = [str(exe), "--listen", f"127.0.0.1:{port}", "--region", self.region]
        for b in self.buckets:
            args += ["--bucket", b]
        args += ["--data", str(self.data_dir)] if self.data_dir else ["--memory"]
        args += self.extra_args
        env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
        if self.keys_in_env:
            env["OSS_ACCESS_KEY_ID"] = self.keys.access_key_id
            env["OSS_ACCESS_KEY_SECRET"] = self.keys.access_key_secret
            if self.keys.security_token:
                env["OSS_SESSION_TOKEN"] = self.keys.security_token
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0   # a restart appends
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
                raise RuntimeError(f"oss-local exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"oss-local not ready after {ready_timeout}s:\n{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGCONT (a test may have frozen it), SIGTERM, wait, then SIGKILL. The exit status, None if not running."""
        p, self.process = self.process, None
        if p is None:
            return None
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGCONT)
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass
        return p.returncode

    def kill(self) -> None:
        """SIGKILL: connections drop mid-request, nothing is flushed (what a crash looks like to clients)."""
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()

    def freeze(self) -> None:
        """SIGSTOP: the listening socket still accepts connections, but nothing is ever answered (a stall)."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def cleanup(self) -> None:
        self.stop()
        if self._own_logdir is not None:
            self._own_logdir.cleanup()
            self._own_logdir = None

    def oss2_bucket(self, name: str | None = None, secret: str | None = None):
        """An oss2 client of one bucket (the first by default), V1 signing; STS keys sign with their token."""
        import oss2
        k = self.keys
        sk = secret or k.access_key_secret
        auth = oss2.StsAuth(k.access_key_id, sk, k.security_token) if k.security_token \
            else oss2.Auth(k.access_key_id, sk)
        return oss2.Bucket(auth, self.endpoint, name or self.bucket, connect_timeout=30)
