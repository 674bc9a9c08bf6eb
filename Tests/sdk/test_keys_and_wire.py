"""Key identity is the exact UTF-8 bytes, listings sort by bytes, and wire details clients rely on
(libcurl's `Expect: 100-continue`, connection reuse)."""
import socket
import unicodedata

from common import unique
from conftest import MAIN, oss2_bucket
from rawsign import rfc1123, v1_canonical_resource, v1_signature, v1_string_to_sign
import time


def test_canonically_equivalent_keys_are_distinct(server):
    # OSS compares keys as bytes: NFC "é" (c3 a9) and NFD "é" (65 cc 81) are two objects
    b = oss2_bucket(server, MAIN, "v1")
    p = unique("nfc")
    nfc, nfd = p + unicodedata.normalize("NFC", "café"), p + unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    b.put_object(nfc, b"composed")
    b.put_object(nfd, b"decomposed")
    assert b.get_object(nfc).read() == b"composed"
    assert b.get_object(nfd).read() == b"decomposed"
    listed = [o.key for o in b.list_objects(prefix=p).object_list]
    assert listed == sorted([nfc, nfd], key=lambda k: k.encode())
    b.delete_object(nfd)
    assert b.get_object(nfc).read() == b"composed"


def test_listing_sorts_by_utf8_bytes(server):
    b = oss2_bucket(server, MAIN, "v4")
    p = unique("order")
    names = ["Z", "a", "é", "\uffff", "\U0001F600", "~", "a/", "a0", "a.", "e\u0301", "\u00ff", "A"]
    for n in names:
        b.put_object(p + n, n.encode())
    want = sorted((p + n for n in names), key=lambda k: k.encode())
    assert [o.key for o in b.list_objects(prefix=p, max_keys=5).object_list] == want[:5]
    import oss2
    assert [o.key for o in oss2.ObjectIterator(b, prefix=p, max_keys=5)] == want


def test_many_keys_default_page_size(server):
    b = oss2_bucket(server, MAIN, "v1")
    p = unique("many")
    from concurrent.futures import ThreadPoolExecutor
    keys = [f"{p}{i:04d}" for i in range(230)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda k: b.put_object(k, b""), keys))
    r = b.list_objects(prefix=p)                        # default max-keys is 100
    assert len(r.object_list) == 100 and r.is_truncated
    import oss2
    assert [o.key for o in oss2.ObjectIterator(b, prefix=p)] == keys


def test_parts_listed_in_part_number_order(server):
    b = oss2_bucket(server, MAIN, "v1")
    key = unique("partorder") + "k"
    uid = b.init_multipart_upload(key).upload_id
    for n in (3, 1, 10, 2):
        b.upload_part(key, uid, n, bytes([n]) * 10)
    assert [p.part_number for p in b.list_parts(key, uid).parts] == [1, 2, 3, 10]
    b.abort_multipart_upload(key, uid)


def _signed_put_head(server, key, length, extra=""):
    date = rfc1123(time.time())
    headers = {"Content-Type": "application/octet-stream", "Date": date}
    sts = v1_string_to_sign("PUT", headers, date, v1_canonical_resource(MAIN, key, []))
    auth = f"OSS {server.keys.access_key_id}:{v1_signature(server.keys.access_key_secret, sts)}"
    return (f"PUT /{MAIN}/{key} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nDate: {date}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\nAuthorization: {auth}\r\n"
            f"{extra}\r\n").encode()


def _read_response_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def test_expect_100_continue(server):
    # libcurl (ossfs) sends Expect: 100-continue on uploads and waits up to 1 s for the interim answer
    key = unique("expect") + "k"
    body = b"x" * 4096
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(_signed_put_head(server, key, len(body), "Expect: 100-continue\r\n"))
        s.settimeout(0.8)
        interim = _read_response_head(s)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        s.settimeout(5)
        s.sendall(body)
        final = _read_response_head(s)
        assert final.startswith(b"HTTP/1.1 200"), final
    assert oss2_bucket(server, MAIN, "v1").get_object(key).read() == body


def test_keep_alive_serves_many_requests_on_one_connection(server):
    key = unique("keepalive") + "k"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        for i in range(5):
            body = f"body {i}".encode()
            s.sendall(_signed_put_head(server, key, len(body)) + body)
            head = _read_response_head(s)
            assert head.startswith(b"HTTP/1.1 200"), head
            assert b"connection: close" not in head.lower()
    assert oss2_bucket(server, MAIN, "v1").get_object(key).read() == b"body 4"
