"""An HTTP/1.1 proxy between ossfs and oss-local that lies in answers to GETs of chosen objects.

Requests pass through unchanged. For a GET of a key containing one of these markers, the answer is bent
(every time, so retries cannot hide it):
  lie-truncate  the headers promise the whole body, half of it arrives, then the connection closes
  lie-shortlen  Content-Length (and the body) 10 bytes shorter than the object; other headers unchanged
  lie-crc       x-oss-hash-crc64ecma replaced by a wrong value; body intact
  lie-flip      one body byte changed; headers intact (the CRC header then no longer matches)

`hold(method, target)`, when given, names requests that are never forwarded nor answered: the proxy sets
`held` and keeps the connection open until `close()`. A test learns exactly when the client has sent such a
request (say the DELETE that ends a rename), and can kill the client at that point without guessing times.
"""
from __future__ import annotations

import socket
import threading

MARKERS = ("lie-truncate", "lie-shortlen", "lie-crc", "lie-flip")


def _read_head(sock: socket.socket, buf: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    del buf[:end]
    return head


def _read_exact(sock: socket.socket, buf: bytearray, n: int) -> bytes:
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("peer closed mid-body")
        buf += chunk
    out = bytes(buf[:n])
    del buf[:n]
    return out


def _read_chunked(sock: socket.socket, buf: bytearray) -> bytes:
    """A chunked body, returned re-encoded exactly as received."""
    out = bytearray()
    while True:
        while b"\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("peer closed mid-chunk")
            buf += chunk
        i = buf.index(b"\r\n")
        size = int(bytes(buf[:i]).split(b";")[0], 16)
        out += _read_exact(sock, buf, i + 2)
        out += _read_exact(sock, buf, size + 2)
        if size == 0:
            return bytes(out)


def _headers(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    return lines[0], [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]


def _get(headers, name):
    return next((v for k, v in headers if k.lower() == name), None)


def _render(first: str, headers) -> bytes:
    return (first + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")


class LyingProxy:
    def __init__(self, upstream_port: int, hold=None):
        self.upstream_port = upstream_port
        self.hold = hold
        self.held = threading.Event()
        self.held_requests: list[str] = []
        self._closed = threading.Event()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lies: dict[str, int] = {m: 0 for m in MARKERS}
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop = True
        self._closed.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        cbuf, ubuf = bytearray(), bytearray()
        try:
            while True:
                head = _read_head(client, cbuf)
                if head is None:
                    return
                first, headers = _headers(head)
                method, target = first.split(" ")[0], first.split(" ")[1]
                if self.hold is not None and self.hold(method, target):
                    self.held_requests.append(f"{method} {target}")
                    self.held.set()
                    self._closed.wait()
                    return
                body = b""
                if _get(headers, "transfer-encoding") == "chunked":
                    body = _read_chunked(client, cbuf)
                elif _get(headers, "content-length"):
                    body = _read_exact(client, cbuf, int(_get(headers, "content-length")))
                upstream.sendall(head + body)
                rhead = _read_head(upstream, ubuf)
                if rhead is None:
                    return
                rfirst, rheaders = _headers(rhead)
                rbody = b""
                if method != "HEAD":
                    if _get(rheaders, "transfer-encoding") == "chunked":
                        rbody = _read_chunked(upstream, ubuf)
                    else:
                        rbody = _read_exact(upstream, ubuf, int(_get(rheaders, "content-length") or 0))
                marker = next((m for m in MARKERS if m in target), None)
                status = rfirst.split(" ")[1]
                if method == "GET" and marker and status in ("200", "206") and "?" not in target.split("/")[-1]:
                    self.lies[marker] += 1
                    if self._lie(client, marker, rfirst, rheaders, rbody):
                        return
                    continue
                client.sendall(rhead + rbody)
        except (OSError, ConnectionError, ValueError):
            return
        finally:
            client.close()
            upstream.close()

    @staticmethod
    def _lie(client, marker, first, headers, body) -> bool:
        """Sends the bent answer; True when the connection must close afterwards."""
        if marker == "lie-truncate":
            client.sendall(_render(first, headers) + body[: len(body) // 2])
            return True
        if marker == "lie-shortlen":
            short = body[:-10] if len(body) > 10 else b""
            headers = [(k, str(len(short)) if k.lower() == "content-length" else v) for k, v in headers]
            client.sendall(_render(first, headers) + short)
            return False
        if marker == "lie-crc":
            headers = [(k, "12345" if k.lower() == "x-oss-hash-crc64ecma" else v) for k, v in headers]
            client.sendall(_render(first, headers) + body)
            return False
        flipped = bytearray(body)
        if flipped:
            flipped[len(flipped) // 2] ^= 0x55
        client.sendall(_render(first, headers) + bytes(flipped))
        return False
