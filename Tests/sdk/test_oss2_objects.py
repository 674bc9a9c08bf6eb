"""oss2 (signing V1 and V4, CRC checks on) against oss-local: simple objects, ranges, conditionals, copies, deletes.

Expected values come from oss-protocol.md §3 (OSS's documented behaviour), not from the server.
"""
import email.utils
import time

import pytest

from common import crc64, md5_b64, md5_hex_upper, payload, raises_oss2, unique
from conftest import OTHER


def test_put_get_roundtrip_etag_crc_and_metadata(bucket):
    key = unique("o2-put") + "file.bin"
    data = payload(70_000, seed=1)
    put = bucket.put_object(key, data, headers={
        "Content-Type": "text/x-sdk", "x-oss-meta-Mode": "33188", "x-oss-meta-mtime": "1704164645",
        "Cache-Control": "no-cache", "Content-Disposition": "attachment; filename=a.bin",
        "Content-Encoding": "identity", "Expires": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert put.status == 200
    assert put.etag == md5_hex_upper(data)                      # Normal object: upper-case hex MD5
    assert put.resp.headers["ETag"] == f'"{md5_hex_upper(data)}"'
    assert put.crc == crc64(data)
    assert put.headers.get("Content-MD5") == md5_b64(data)

    got = bucket.get_object(key)
    body = got.read()
    assert body == data
    assert got.status == 200
    assert got.etag == md5_hex_upper(data)
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    assert got.content_type == "text/x-sdk"
    assert got.headers["x-oss-meta-mode"] == "33188"        # user metadata names come back lower-case
    assert got.headers["x-oss-meta-mtime"] == "1704164645"
    assert got.headers["Cache-Control"] == "no-cache"
    assert got.headers["Content-Disposition"] == "attachment; filename=a.bin"
    assert got.headers["Content-Encoding"] == "identity"
    assert got.headers["Expires"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert got.object_type == "Normal"


def test_common_response_headers(bucket):
    key = unique("o2-hdr") + "x"
    r = bucket.put_object(key, b"abc")
    rid = r.headers["x-oss-request-id"]
    assert len(rid) == 24 and all(c in "0123456789ABCDEFabcdef" for c in rid)
    assert r.headers["Server"] == "AliyunOSS"
    assert abs(email.utils.parsedate_to_datetime(r.headers["Date"]).timestamp() - time.time()) < 120


def test_empty_object(bucket):
    key = unique("o2-empty") + "zero"
    put = bucket.put_object(key, b"")
    assert put.etag == md5_hex_upper(b"")
    assert put.crc == 0
    got = bucket.get_object(key)
    assert got.read() == b""
    assert got.content_length == 0
    ranged = bucket.get_object(key, headers={"Range": "bytes=0-0"})     # start >= size: ignored, whole object
    assert ranged.status == 200 and ranged.read() == b""


def test_content_md5_checked(bucket):
    key = unique("o2-md5") + "x"
    data = b"checked by md5"
    assert bucket.put_object(key, data, headers={"Content-MD5": md5_b64(data)}).status == 200
    with raises_oss2(400, "InvalidDigest"):
        bucket.put_object(key, data, headers={"Content-MD5": md5_b64(b"something else")})


def test_overwrite_replaces_content_and_metadata(bucket):
    key = unique("o2-over") + "x"
    bucket.put_object(key, b"first", headers={"x-oss-meta-a": "1"})
    bucket.put_object(key, b"second!", headers={"x-oss-meta-b": "2"})
    got = bucket.get_object(key)
    assert got.read() == b"second!"
    assert "x-oss-meta-a" not in got.headers
    assert got.headers["x-oss-meta-b"] == "2"


def test_forbid_overwrite(bucket):
    key = unique("o2-forbid") + "x"
    hdr = {"x-oss-forbid-overwrite": "true"}
    assert bucket.put_object(key, b"one", headers=hdr).status == 200   # new key: allowed
    with raises_oss2(409, "FileAlreadyExists"):
        bucket.put_object(key, b"two", headers=hdr)
    assert bucket.get_object(key).read() == b"one"
    assert bucket.put_object(key, b"three", headers={"x-oss-forbid-overwrite": "false"}).status == 200
    assert bucket.get_object(key).read() == b"three"


@pytest.fixture
def ranged(bucket):
    key = unique("o2-range") + "r"
    data = payload(1000, seed=7)
    bucket.put_object(key, data)
    return bucket, key, data


def _get_range(bucket, key, rng, standard=False):
    headers = {"Range": rng}
    if standard:
        headers["x-oss-range-behavior"] = "standard"
    r = bucket.get_object(key, headers=headers)
    return r, r.read()


@pytest.mark.parametrize("rng,start,end", [
    ("bytes=0-9", 0, 9), ("bytes=10-19", 10, 19), ("bytes=990-999", 990, 999),
    ("bytes=500-", 500, 999),        # open range
    ("bytes=-100", 900, 999),        # suffix range
    ("bytes=0-0", 0, 0),
])
def test_range_get(ranged, rng, start, end):
    bucket, key, data = ranged
    r, body = _get_range(bucket, key, rng)
    assert r.status == 206
    assert body == data[start:end + 1]
    assert r.headers["Content-Range"] == f"bytes {start}-{end}/1000"
    assert r.content_length == end - start + 1
    assert int(r.headers["x-oss-hash-crc64ecma"]) == crc64(data)   # always the whole object's CRC


@pytest.mark.parametrize("rng", ["bytes=1000-1010", "bytes=2000-", "bytes=20-10", "bytes=abc", "bytes=0-1000",
                                 "bytes=-2000", "byte=0-499"])
def test_invalid_or_out_of_range_is_ignored(ranged, rng):
    bucket, key, data = ranged
    r, body = _get_range(bucket, key, rng)
    assert r.status == 200
    assert body == data
    assert "Content-Range" not in r.headers


def test_range_behavior_standard_clamps_end(ranged):
    bucket, key, data = ranged
    r, body = _get_range(bucket, key, "bytes=900-2000", standard=True)
    assert r.status == 206
    assert body == data[900:]
    assert r.headers["Content-Range"] == "bytes 900-999/1000"


def test_range_behavior_standard_start_past_end_is_416(ranged):
    bucket, key, _ = ranged
    with raises_oss2(416, "InvalidRange"):
        _get_range(bucket, key, "bytes=1000-1010", standard=True)


def test_head_object(bucket):
    key = unique("o2-head") + "h"
    data = payload(4321, seed=3)
    bucket.put_object(key, data, headers={"Content-Type": "image/png", "x-oss-meta-owner": "me"})
    h = bucket.head_object(key)
    assert h.status == 200
    assert h.content_length == 4321
    assert h.content_type == "image/png"
    assert h.etag == md5_hex_upper(data)
    assert h.object_type == "Normal"
    assert int(h.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    assert h.headers["x-oss-meta-owner"] == "me"
    assert h.headers["Content-MD5"] == md5_b64(data)
    assert h.headers["x-oss-storage-class"] == "Standard"
    assert abs(h.last_modified - time.time()) < 120
    assert h.resp.read() == b""


def test_get_object_meta(bucket):
    key = unique("o2-meta") + "m"
    data = payload(999, seed=4)
    bucket.put_object(key, data)
    m = bucket.get_object_meta(key)
    assert m.status == 200
    assert m.content_length == 999
    assert m.etag == md5_hex_upper(data)
    assert int(m.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    assert abs(m.last_modified - time.time()) < 120


def test_conditional_get(bucket):
    key = unique("o2-cond") + "c"
    data = b"conditional"
    etag = bucket.put_object(key, data).etag
    assert bucket.get_object(key, headers={"If-Match": f'"{etag}"'}).read() == data
    with raises_oss2(412, "PreconditionFailed"):
        bucket.get_object(key, headers={"If-Match": '"0123456789ABCDEF0123456789ABCDEF"'})
    with raises_oss2(304, None):
        bucket.get_object(key, headers={"If-None-Match": f'"{etag}"'})
    assert bucket.get_object(key, headers={"If-None-Match": '"0123456789ABCDEF0123456789ABCDEF"'}).read() == data
    future = email.utils.formatdate(time.time() + 3600, usegmt=True)
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    with raises_oss2(304, None):
        bucket.get_object(key, headers={"If-Modified-Since": future})
    assert bucket.get_object(key, headers={"If-Modified-Since": past}).read() == data
    with raises_oss2(412, "PreconditionFailed"):
        bucket.get_object(key, headers={"If-Unmodified-Since": past})
    assert bucket.get_object(key, headers={"If-Unmodified-Since": future}).read() == data


def test_conditional_head(bucket):
    key = unique("o2-condh") + "c"
    etag = bucket.put_object(key, b"x").etag
    with raises_oss2(412, None):
        bucket.head_object(key, headers={"If-Match": '"0123456789ABCDEF0123456789ABCDEF"'})
    with raises_oss2(304, None):
        bucket.head_object(key, headers={"If-None-Match": f'"{etag}"'})


def test_response_header_overrides(bucket):
    key = unique("o2-resp") + "r"
    bucket.put_object(key, b"data", headers={"Content-Type": "text/plain"})
    r = bucket.get_object(key, params={"response-content-type": "application/json",
                                       "response-content-disposition": "inline",
                                       "response-cache-control": "max-age=5"})
    assert r.read() == b"data"
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Content-Disposition"] == "inline"
    assert r.headers["Cache-Control"] == "max-age=5"


def test_delete_object_and_missing_delete_is_204(bucket):
    key = unique("o2-del") + "d"
    bucket.put_object(key, b"bye")
    assert bucket.delete_object(key).status == 204
    with raises_oss2(404, "NoSuchKey"):
        bucket.get_object(key)
    assert bucket.delete_object(key).status == 204
    assert bucket.object_exists(key) is False


def test_delete_multiple_objects(bucket):
    p = unique("o2-multidel")
    # no control characters: a request body cannot carry them in XML 1.0 (only listings can, URL-encoded)
    keys = [p + k for k in ("a", "b c", "d+e", "ü/ß", "amp&lt<", "dir//x", "never-existed")]
    for k in keys[:-1]:
        bucket.put_object(k, b"1")
    bucket.put_object(p + "keep", b"k")
    r = bucket.batch_delete_objects(keys)
    assert r.status == 200
    assert sorted(r.deleted_keys) == sorted(keys)    # non-quiet: every requested key, existing or not
    for k in keys:
        assert not bucket.object_exists(k)
    assert bucket.object_exists(p + "keep")


def test_delete_multiple_quiet_mode_lists_nothing(server, bucket):
    from rawsign import raw_request
    from common import parse_xml
    p = unique("o2-quiet")
    for k in ("q1", "q2"):
        bucket.put_object(p + k, b"1")
    body = (f"<Delete><Quiet>true</Quiet><Object><Key>{p}q1</Key></Object>"
            f"<Object><Key>{p}q2</Key></Object></Delete>").encode()
    r = raw_request(server, "POST", bucket.bucket_name, "", query=[("delete", None)], body=body,
                    headers={"Content-Type": "application/xml", "Content-MD5": md5_b64(body)})
    assert r.status_code == 200, r.text
    assert parse_xml(r.content).findall("Deleted") == []
    assert not bucket.object_exists(p + "q1") and not bucket.object_exists(p + "q2")


def test_copy_object_copy_directive_keeps_metadata(bucket):
    p = unique("o2-copy")
    data = payload(12345, seed=11)
    bucket.put_object(p + "src", data, headers={"Content-Type": "text/src", "x-oss-meta-color": "red"})
    r = bucket.copy_object(bucket.bucket_name, p + "src", p + "dst")
    assert r.status == 200
    assert r.etag == md5_hex_upper(data)
    assert int(r.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    got = bucket.get_object(p + "dst")
    assert got.read() == data
    assert got.content_type == "text/src"
    assert got.headers["x-oss-meta-color"] == "red"


def test_copy_object_replace_directive(bucket):
    p = unique("o2-copyr")
    data = b"replace my metadata"
    bucket.put_object(p + "f", data, headers={"Content-Type": "text/a", "x-oss-meta-mode": "420"})
    bucket.copy_object(bucket.bucket_name, p + "f", p + "f", headers={
        "x-oss-metadata-directive": "REPLACE", "Content-Type": "text/b", "x-oss-meta-mode": "493",
        "x-oss-meta-new": "yes"})
    h = bucket.head_object(p + "f")
    assert h.content_type == "text/b"
    assert h.headers["x-oss-meta-mode"] == "493"
    assert h.headers["x-oss-meta-new"] == "yes"
    assert bucket.get_object(p + "f").read() == data


def test_copy_across_buckets_and_odd_key(server, bucket):
    p = unique("o2-copyx")
    src = p + "a b+c ü%.txt"
    data = payload(3000, seed=5)
    bucket.put_object(src, data)
    r = bucket.copy_object(bucket.bucket_name, src, p + "copied")
    assert r.status == 200
    from conftest import oss2_bucket
    other = oss2_bucket(server, OTHER, "v1")
    other.copy_object(bucket.bucket_name, src, p + "in-other")
    assert other.get_object(p + "in-other").read() == data
    assert bucket.get_object(p + "copied").read() == data


def test_copy_source_conditions(bucket):
    p = unique("o2-copyc")
    etag = bucket.put_object(p + "s", b"src").etag
    with raises_oss2(412, "PreconditionFailed"):
        bucket.copy_object(bucket.bucket_name, p + "s", p + "d",
                           headers={"x-oss-copy-source-if-match": '"0123456789ABCDEF0123456789ABCDEF"'})
    assert not bucket.object_exists(p + "d")
    bucket.copy_object(bucket.bucket_name, p + "s", p + "d", headers={"x-oss-copy-source-if-match": f'"{etag}"'})
    assert bucket.get_object(p + "d").read() == b"src"


def test_copy_missing_source(bucket):
    p = unique("o2-copym")
    with raises_oss2(404, "NoSuchKey"):
        bucket.copy_object(bucket.bucket_name, p + "nothing", p + "d")


def test_copy_forbid_overwrite(bucket):
    p = unique("o2-copyf")
    bucket.put_object(p + "s", b"src")
    bucket.put_object(p + "d", b"dst")
    with raises_oss2(409, "FileAlreadyExists"):
        bucket.copy_object(bucket.bucket_name, p + "s", p + "d", headers={"x-oss-forbid-overwrite": "true"})
    assert bucket.get_object(p + "d").read() == b"dst"


def test_object_acl_set_on_put_and_default_otherwise(bucket):
    """x-oss-object-acl on PutObject is the object's ACL; without it, GetObjectAcl answers `default`."""
    with_acl, without = unique("acl-"), unique("acl-")
    bucket.put_object(with_acl, b"1", headers={"x-oss-object-acl": "public-read"})
    bucket.put_object(without, b"2")
    assert bucket.get_object_acl(with_acl).acl == "public-read"
    assert bucket.get_object_acl(without).acl == "default"
