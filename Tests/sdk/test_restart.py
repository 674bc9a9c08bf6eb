"""`--data DIR` keeps every object across a restart (SIGTERM) and keeps acknowledged writes across a SIGKILL."""
import pytest

import alibabacloud_oss_v2 as oss
from oss2.models import PartInfo

from common import crc64, payload
from conftest import oss2_bucket, v2_client
from ossfstest.server import Keys, OSSLocal

BUCKETS = ["sdk-persist", "sdk-persist2"]
PART = 100 * 1024


def _write_everything(srv):
    """Writes one object of every kind; returns {(bucket, key): bytes}."""
    b = oss2_bucket(srv, BUCKETS[0], "v1")
    c = v2_client(srv, "v4")
    want = {}

    simple = payload(123_457, 31)
    b.put_object("simple.bin", simple, headers={"Content-Type": "text/simple", "x-oss-meta-mode": "33188",
                                                "Cache-Control": "no-store"})
    want[(BUCKETS[0], "simple.bin")] = simple
    want[(BUCKETS[0], "empty")] = b""
    b.put_object("empty", b"")
    want[(BUCKETS[0], "dir/")] = b""
    b.put_object("dir/", b"")
    odd = "dir/ünï cödé+%\x01//x"
    want[(BUCKETS[0], odd)] = b"odd key"
    b.put_object(odd, b"odd key")

    parts = [payload(PART, 32), payload(PART, 33), b"tail of multipart"]
    uid = b.init_multipart_upload("multi.bin", headers={"x-oss-meta-kind": "mp"}).upload_id
    infos = [PartInfo(n, b.upload_part("multi.bin", uid, n, d).etag) for n, d in enumerate(parts, 1)]
    b.complete_multipart_upload("multi.bin", uid, infos)
    want[(BUCKETS[0], "multi.bin")] = b"".join(parts)

    r = b.append_object("append.log", 0, b"line 1\n", headers={"x-oss-meta-kind": "app"})
    b.append_object("append.log", r.next_position, b"line 2\n")
    want[(BUCKETS[0], "append.log")] = b"line 1\nline 2\n"

    b.put_symlink("simple.bin", "link-to-simple", headers={"x-oss-meta-kind": "link"})
    want[(BUCKETS[0], "link-to-simple")] = simple

    c.put_object(oss.PutObjectRequest(bucket=BUCKETS[1], key="other/bucket.txt", body=b"second bucket"))
    want[(BUCKETS[1], "other/bucket.txt")] = b"second bucket"
    b.put_object("deleted-before-restart", b"gone")
    b.delete_object("deleted-before-restart")
    return want


def _snapshot(srv, want):
    """Everything a client can observe about the objects: headers that must survive, listings, symlink target."""
    snap = {}
    for (bucket, key) in want:
        b = oss2_bucket(srv, bucket, "v1")
        h = b.head_object(key)
        keep = {k.lower(): v for k, v in h.headers.items()
                if k.lower() in ("etag", "content-length", "content-type", "x-oss-hash-crc64ecma", "x-oss-object-type",
                                 "last-modified", "content-md5", "cache-control", "x-oss-next-append-position",
                                 "x-oss-storage-class") or k.lower().startswith("x-oss-meta-")}
        body = b.get_object(key).read()
        snap[(bucket, key)] = (keep, body)
    b = oss2_bucket(srv, BUCKETS[0], "v4")
    snap["listing"] = [(o.key, o.etag, o.size, o.type) for o in b.list_objects(max_keys=1000).object_list]
    snap["symlink"] = b.get_symlink("link-to-simple").target_key
    return snap


@pytest.mark.parametrize("stop_signal", ["SIGTERM", "SIGKILL"])
def test_restart_keeps_every_object(tmp_path, stop_signal):
    keys = Keys.random()
    data_dir = str(tmp_path / "data")
    first = OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir)
    try:
        first.start()
        want = _write_everything(first)
        before = _snapshot(first, want)
        if stop_signal == "SIGTERM":
            assert first.stop() == 0                     # stops cleanly on SIGTERM
        else:
            first.process.kill()                         # no chance to flush: acknowledged writes must be on disk
            first.process.wait()
            first.process = None
    finally:
        first.cleanup()

    for (_, key), data in want.items():
        assert before[(_, key)][1] == data, key
        assert int(before[(_, key)][0]["x-oss-hash-crc64ecma"]) == crc64(data), key

    second = OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir)
    try:
        second.start()
        after = _snapshot(second, want)
        for k in want:
            assert after[k][1] == want[k], f"{k}: bytes differ after restart"
            assert after[k][0] == before[k][0], f"{k}: headers differ after restart"
        assert after["listing"] == before["listing"]
        assert after["symlink"] == "simple.bin"
        assert "deleted-before-restart" not in [k for k, *_ in after["listing"]]
        # an appendable object keeps accepting appends at the right position, with the combined CRC
        b = oss2_bucket(second, BUCKETS[0], "v1")
        r = b.append_object("append.log", len(want[(BUCKETS[0], "append.log")]), b"line 3\n")
        assert r.crc == crc64(b"line 1\nline 2\nline 3\n")
    finally:
        second.cleanup()


def test_restart_keeps_uploads_in_progress(tmp_path):
    # an initiated multipart upload lives until it is completed or aborted, restart or not
    keys, data_dir = Keys.random(), str(tmp_path / "data")
    parts = [payload(PART, 34), b"second and last"]
    with OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir) as srv:
        b = oss2_bucket(srv, BUCKETS[0], "v4")
        uid = b.init_multipart_upload("pending.bin").upload_id
        b.upload_part("pending.bin", uid, 1, parts[0])
    with OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir) as srv:
        b = oss2_bucket(srv, BUCKETS[0], "v4")
        assert [u.upload_id for u in b.list_multipart_uploads().upload_list] == [uid]
        assert [p.part_number for p in b.list_parts("pending.bin", uid).parts] == [1]
        r2 = b.upload_part("pending.bin", uid, 2, parts[1])
        listed = b.list_parts("pending.bin", uid).parts
        b.complete_multipart_upload("pending.bin", uid, [PartInfo(1, listed[0].etag), PartInfo(2, r2.etag)])
        assert b.get_object("pending.bin").read() == b"".join(parts)


def test_killed_mid_upload_never_serves_a_torn_object(tmp_path):
    import socket
    import time
    from rawsign import rfc1123, v1_canonical_resource, v1_signature, v1_string_to_sign
    keys, data_dir = Keys.random(), str(tmp_path / "data")
    old = b"the complete old version"
    srv = OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir)
    try:
        srv.start()
        oss2_bucket(srv, BUCKETS[0], "v1").put_object("victim", old)
        total = 8 * 1024 * 1024
        date = rfc1123(time.time())
        hdrs = {"Content-Type": "application/octet-stream"}
        sts = v1_string_to_sign("PUT", hdrs, date, v1_canonical_resource(BUCKETS[0], "victim", []))
        auth = f"OSS {keys.access_key_id}:{v1_signature(keys.access_key_secret, sts)}"
        head = (f"PUT /{BUCKETS[0]}/victim HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nDate: {date}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {total}\r\nAuthorization: {auth}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            s.sendall(head.encode())
            s.sendall(payload(total // 2, 35))          # half the body, then the server dies
            time.sleep(0.3)
            srv.process.kill()
            srv.process.wait()
            srv.process = None
    finally:
        srv.cleanup()
    with OSSLocal(buckets=BUCKETS, keys=keys, data_dir=data_dir) as srv:
        b = oss2_bucket(srv, BUCKETS[0], "v1")
        assert b.get_object("victim").read() == old
        assert b.head_object("victim").content_length == len(old)
