"""oss-local behind a TLS terminator: nginx (Debian's nginx-light, already a system package of the project)
with a self-signed certificate made by `openssl req -x509` for 127.0.0.1. No TLS code in oss-local itself,
so the server's build stays free of swift-nio-ssl."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ossfstest.server import free_port


def self_signed(dirpath: Path, name: str) -> tuple[Path, Path]:
    """(certificate, key) for CN=`name`, valid for IP 127.0.0.1 and localhost; the certificate is its own CA."""
    cert, key = dirpath / f"{name}.crt", dirpath / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


@dataclass
class TLSProxy:
    workdir: Path
    upstream_port: int
    cert: Path
    key: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> "TLSProxy":
        nginx = "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise FileNotFoundError("nginx is not installed (apt-get install nginx-light)")
        root = self.workdir / "nginx"
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate {self.cert};
        ssl_certificate_key {self.key};
        client_max_body_size 0;
        location / {{
            proxy_pass http://127.0.0.1:{self.upstream_port};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_buffering off;
        }}
    }}
}}
""")
        log = open(root / "stderr.log", "ab")
        self.process = subprocess.Popen([nginx, "-p", str(root), "-c", str(conf)], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(root / 'stderr.log').read_text()}{(root / 'error.log').read_text() if (root / 'error.log').exists() else ''}")
            r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}"], input=b"",
                               capture_output=True, timeout=10)
            if b"BEGIN CERTIFICATE" in r.stdout or b"Server certificate" in r.stdout:
                return self
            time.sleep(0.1)
        raise RuntimeError("nginx TLS proxy not answering")

    def stop(self) -> None:
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
