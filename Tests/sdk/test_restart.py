"""`--data DIR` keeps every object across a restart (SIGTERM) and keeps acknowledged writes across a SIGKILL."""
import pytest

import alibabacloud_oss_v2 as oss
from oss2.models import PartInfo

from common import crc64, payload
from conftest import oss2_bucket, v2_client
from osslocal import Keys, OSSLocal

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
