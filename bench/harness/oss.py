"""The local OSS server(s) of a benchmark run, and V1 presigned URLs for talking to them directly.

Two oss-local instances run side by side from the same binary: a signed one (ossfs and the raw curl limit, every
request signature-checked as a real client's would be) and an --anonymous one for the S3 tools (s3fs, rclone),
which sign in the AWS dialect.
"""
import base64
import hashlib
import hmac
import os
import re
import select
import subprocess
import threading
import time
import urllib.parse

BUCKET = "bench"
KEY_ID = "BenchKeyId"
KEY_SECRET = "BenchKeySecret"


def presign(base, verb, key, headers=None, content_type="", expires_in=6 * 3600):
    """A V1 presigned URL (oss-protocol.md §1): Expires in place of Date, x-oss-* headers signed."""
    expires = int(time.time()) + expires_in
    oss_headers = sorted((k.lower(), v.strip()) for k, v in (headers or {}).items() if k.lower().startswith("x-oss-"))
    canonical = "".join(f"{k}:{v}\n" for k, v in oss_headers)
    resource = f"/{BUCKET}/{key}"
    string_to_sign = f"{verb}\n\n{content_type}\n{expires}\n{canonical}{resource}"
    sig = base64.b64encode(hmac.new(KEY_SECRET.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    path = urllib.parse.quote(key, safe="/")
    return (f"{base}/{BUCKET}/{path}?OSSAccessKeyId={KEY_ID}&Expires={expires}"
            f"&Signature={urllib.parse.quote(sig, safe='')}")


def list_url(base, prefix, marker, signed):
    """A ListObjects page URL; prefix and marker are not sub-resources, so the signature covers /bucket/ only."""
    query = urllib.parse.urlencode({"prefix": prefix, "marker": marker, "max-keys": "1000"})
    if not signed:
        return f"{base}/{BUCKET}/?{query}"
    return presign(base, "GET", "", expires_in=3600) + "&" + query


class Server:
    """One oss-local process with its data directory on tmpfs; stopped by stop(), which is idempotent."""

    def __init__(self, binary, workdir, name, anonymous, registry):
        self.name = name
        self.anonymous = anonymous
        self.data = os.path.join(workdir, f"data-{name}")
        os.makedirs(self.data)
        self.log_path = os.path.join(workdir, f"oss-local-{name}.log")
        env = dict(os.environ)
        if anonymous:
            env.pop("OSS_ACCESS_KEY_ID", None)
            env.pop("OSS_ACCESS_KEY_SECRET", None)
        else:
            env.update(OSS_ACCESS_KEY_ID=KEY_ID, OSS_ACCESS_KEY_SECRET=KEY_SECRET)
        args = [binary, "--listen", "127.0.0.1:0", "--bucket", BUCKET, "--data", self.data]
        if anonymous:
            args.append("--anonymous")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, env=env,
                                     start_new_session=True)
        registry.append(self.stop)
        self.port = self._wait_ready(timeout=30)
        self.base = f"http://127.0.0.1:{self.port}"
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oss-local ({self.name}) exited with {self.proc.returncode}; see {self.log_path}")
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                buf += chunk
                m = re.search(rb"listening on http://[^:\s]+:(\d+)", buf)
                if m:
                    return int(m.group(1))
        raise RuntimeError(f"oss-local ({self.name}) not ready after {timeout}s")

    def _drain(self):
        try:
            while os.read(self.proc.stdout.fileno(), 65536):
                pass
        except OSError:
            pass

    def url(self, verb, key, headers=None, content_type=""):
        if self.anonymous:
            return f"{self.base}/{BUCKET}/{urllib.parse.quote(key, safe='/')}"
        return presign(self.base, verb, key, headers, content_type)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
