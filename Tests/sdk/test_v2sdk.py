"""alibabacloud-oss-v2 (V4 default and its V1 signer; path style on an IP endpoint; upload CRC checks on)."""

import urllib.parse

import alibabacloud_oss_v2 as oss
import pytest

from common import crc64, md5_b64, md5_hex_upper, payload, raises_v2, unique
from conftest import MAIN, OTHER, STAT

PART = 100 * 1024


def test_put_get_head_meta(client):
    key = unique("v2-put") + "päth/file name+1.bin"
    data = payload(50_000, 21)
    put = client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=data, content_type="text/v2",
                                                 metadata={"Mode": "33188", "uid": "1000"}))
    assert put.status_code == 200
    assert put.etag == f'"{md5_hex_upper(data)}"'
    assert int(put.hash_crc64) == crc64(data)
    assert put.content_md5 == md5_b64(data)
    got = client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key))
    assert got.body.read() == data
    assert got.content_type == "text/v2"
    assert got.metadata == {"mode": "33188", "uid": "1000"}
    assert int(got.hash_crc64) == crc64(data)
    assert got.object_type == "Normal"
    h = client.head_object(oss.HeadObjectRequest(bucket=MAIN, key=key))
    assert h.content_length == len(data)
    assert h.etag == put.etag
    assert int(h.hash_crc64) == crc64(data)
    assert h.storage_class == "Standard"
    m = client.get_object_meta(oss.GetObjectMetaRequest(bucket=MAIN, key=key))
    assert m.content_length == len(data) and m.etag == put.etag and int(m.hash_crc64) == crc64(data)
    assert m.last_modified is not None


@pytest.mark.parametrize("rng,behavior,status,start,end", [
    ("bytes=100-199", None, 206, 100, 199),
    ("bytes=900-", None, 206, 900, 999),
    ("bytes=-10", None, 206, 990, 999),
    ("bytes=500-5000", None, 200, 0, 999),          # out of range: ignored, whole object
    ("bytes=1000-", None, 200, 0, 999),
    ("bytes=500-5000", "standard", 206, 500, 999),  # standard: end clamps
])
def test_ranges(client, rng, behavior, status, start, end):
    key = unique("v2-range") + "r"
    data = payload(1000, 22)
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=data))
    r = client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key, range_header=rng, range_behavior=behavior))
    assert r.status_code == status
    assert r.body.read() == data[start:end + 1]
    if status == 206:
        assert r.content_range == f"bytes {start}-{end}/1000"


def test_range_standard_past_end_is_416(client):
    key = unique("v2-416") + "r"
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"0123456789"))
    with raises_v2(416, "InvalidRange"):
        client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key, range_header="bytes=10-20",
                                               range_behavior="standard"))


def test_if_match_precondition(client):
    key = unique("v2-cond") + "c"
    put = client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"cond"))
    assert client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key, if_match=put.etag)).body.read() == b"cond"
    with raises_v2(412, "PreconditionFailed"):
        client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key, if_match='"00000000000000000000000000000000"'))


def test_forbid_overwrite(client):
    key = unique("v2-fo") + "f"
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"1", forbid_overwrite=True))
    with raises_v2(409, "FileAlreadyExists"):
        client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"2", forbid_overwrite=True))


def test_missing_key(client):
    with raises_v2(404, "NoSuchKey"):
        client.get_object(oss.GetObjectRequest(bucket=MAIN, key=unique("v2-missing") + "x"))


def test_missing_bucket(client):
    with raises_v2(404, "NoSuchBucket"):
        client.put_object(oss.PutObjectRequest(bucket="sdk-nowhere", key="k", body=b"x"))


def test_delete_and_delete_multiple(client):
    p = unique("v2-del")
    keys = [p + k for k in ("a", "b b", "c+c", "ä/ö", "x&y<z")]
    for k in keys:
        client.put_object(oss.PutObjectRequest(bucket=MAIN, key=k, body=b"1"))
    r = client.delete_object(oss.DeleteObjectRequest(bucket=MAIN, key=keys[0]))
    assert r.status_code == 204
    assert client.delete_object(oss.DeleteObjectRequest(bucket=MAIN, key=keys[0])).status_code == 204
    r = client.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
        bucket=MAIN, objects=[oss.DeleteObject(key=k) for k in keys[1:]], encoding_type="url"))
    assert sorted(d.key for d in r.deleted_objects) == sorted(keys[1:])
    for k in keys:
        assert not client.is_object_exist(MAIN, k)


def test_copy_object(client):
    p = unique("v2-copy")
    data = payload(9999, 23)
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=p + "src", body=data, content_type="a/b",
                                           metadata={"k": "v"}))
    r = client.copy_object(oss.CopyObjectRequest(bucket=OTHER, key=p + "copy", source_bucket=MAIN,
                                                 source_key=p + "src"))
    assert r.status_code == 200
    assert r.etag == f'"{md5_hex_upper(data)}"'
    assert int(r.hash_crc64) == crc64(data)
    h = client.head_object(oss.HeadObjectRequest(bucket=OTHER, key=p + "copy"))
    assert h.content_type == "a/b" and h.metadata == {"k": "v"}
    client.copy_object(oss.CopyObjectRequest(bucket=MAIN, key=p + "src", source_bucket=MAIN, source_key=p + "src",
                                             metadata_directive="REPLACE", content_type="c/d",
                                             metadata={"new": "1"}))
    h = client.head_object(oss.HeadObjectRequest(bucket=MAIN, key=p + "src"))
    assert h.content_type == "c/d" and h.metadata == {"new": "1"}
    assert client.get_object(oss.GetObjectRequest(bucket=MAIN, key=p + "src")).body.read() == data


def test_list_objects_v1_and_v2_paginators(client):
    p = unique("v2-list")
    names = ["a", "b/1", "b/2", "c d", "e+f", "g/", "h\x01i", "ü", "j//k"]
    for n in names:
        client.put_object(oss.PutObjectRequest(bucket=MAIN, key=p + n, body=n.encode()))
    want = sorted((p + n for n in names), key=lambda k: k.encode())
    pages = list(client.list_objects_v2_paginator().iter_page(
        oss.ListObjectsV2Request(bucket=MAIN, prefix=p, max_keys=4, encoding_type="url")))
    assert len(pages) == 3
    assert [o.key for pg in pages for o in (pg.contents or [])] == want
    assert pages[0].key_count == 4
    pages = list(client.list_objects_paginator().iter_page(
        oss.ListObjectsRequest(bucket=MAIN, prefix=p, max_keys=2, delimiter="/", encoding_type="url")))
    objs = [o.key for pg in pages for o in (pg.contents or [])]
    prefixes = [c.prefix for pg in pages for c in (pg.common_prefixes or [])]
    assert objs == [k for k in want if "/" not in k[len(p):]]
    assert prefixes == [p + "b/", p + "g/", p + "j/"]
    first = pages[0].contents[0]
    assert first.size == 1 and first.etag == f'"{md5_hex_upper(b"a")}"' and first.object_type == "Normal"


def test_append(client):
    key = unique("v2-app") + "a"
    r = client.append_object(oss.AppendObjectRequest(bucket=MAIN, key=key, position=0, body=b"hello "))
    assert r.next_position == 6 and int(r.hash_crc64) == 1796661072844795914
    r = client.append_object(oss.AppendObjectRequest(bucket=MAIN, key=key, position=6, body=b"world"))
    assert r.next_position == 11 and int(r.hash_crc64) == 5981764153023615706   # combined (§5 vector)
    try:
        client.append_object(oss.AppendObjectRequest(bucket=MAIN, key=key, position=3, body=b"!"))
        raise AssertionError("wrong append position accepted")
    except oss.exceptions.OperationError as e:
        se = e.unwrap()
        assert (se.status_code, se.code) == (409, "PositionNotEqualToLength")
        headers = {k.lower(): v for k, v in se.headers.items()}
        assert headers.get("x-oss-next-append-position") == "11"
    h = client.head_object(oss.HeadObjectRequest(bucket=MAIN, key=key))
    assert h.object_type == "Appendable" and h.next_append_position == 11


def test_multipart(client):
    key = unique("v2-mp") + "m"
    init = client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=MAIN, key=key))
    uid = init.upload_id
    parts = [payload(PART, 24), payload(PART, 25), b"end"]
    done_parts = []
    for n, d in enumerate(parts, 1):
        r = client.upload_part(oss.UploadPartRequest(bucket=MAIN, key=key, upload_id=uid, part_number=n, body=d))
        assert int(r.hash_crc64) == crc64(d)
        done_parts.append(oss.UploadPart(part_number=n, etag=r.etag))
    src = unique("v2-mpsrc") + "s"
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=src, body=payload(PART * 2, 26)))
    r = client.upload_part_copy(oss.UploadPartCopyRequest(bucket=MAIN, key=key, upload_id=uid, part_number=4,
                                                          source_bucket=MAIN, source_key=src,
                                                          source_range=f"bytes=0-{PART - 1}"))
    assert r.etag == f'"{md5_hex_upper(payload(PART * 2, 26)[:PART])}"'
    lp = client.list_parts(oss.ListPartsRequest(bucket=MAIN, key=key, upload_id=uid))
    assert [p.part_number for p in lp.parts] == [1, 2, 3, 4]
    assert [p.size for p in lp.parts] == [PART, PART, 3, PART]
    ups = client.list_multipart_uploads(oss.ListMultipartUploadsRequest(bucket=MAIN, prefix=key))
    assert [u.upload_id for u in ups.uploads] == [uid]
    with raises_v2(400, "EntityTooSmall"):   # part 3 (3 bytes) is not the last part here
        client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
            bucket=MAIN, key=key, upload_id=uid,
            complete_multipart_upload=oss.CompleteMultipartUpload(parts=done_parts + [
                oss.UploadPart(part_number=4, etag=r.etag)])))
    c = client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
        bucket=MAIN, key=key, upload_id=uid,
        complete_multipart_upload=oss.CompleteMultipartUpload(parts=done_parts)))
    whole = b"".join(parts)
    assert int(c.hash_crc64) == crc64(whole)
    assert c.key == key and c.bucket == MAIN
    got = client.get_object(oss.GetObjectRequest(bucket=MAIN, key=key))
    assert got.body.read() == whole and got.object_type == "Multipart"


def test_abort_multipart(client):
    key = unique("v2-abort") + "a"
    uid = client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=MAIN, key=key)).upload_id
    assert client.abort_multipart_upload(oss.AbortMultipartUploadRequest(
        bucket=MAIN, key=key, upload_id=uid)).status_code == 204
    with raises_v2(404, "NoSuchUpload"):
        client.list_parts(oss.ListPartsRequest(bucket=MAIN, key=key, upload_id=uid))


def test_symlink(client):
    p = unique("v2-sym")
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=p + "t a+b", body=b"target"))
    client.put_symlink(oss.PutSymlinkRequest(bucket=MAIN, key=p + "l", target=p + "t a+b"))
    # the header carries the target URL-encoded (oss-protocol.md §3); this SDK hands it over undecoded
    target = client.get_symlink(oss.GetSymlinkRequest(bucket=MAIN, key=p + "l")).target
    assert urllib.parse.unquote(target) == p + "t a+b"
    assert client.get_object(oss.GetObjectRequest(bucket=MAIN, key=p + "l")).body.read() == b"target"
    assert client.head_object(oss.HeadObjectRequest(bucket=MAIN, key=p + "l")).object_type == "Symlink"


def test_bucket_info_and_stat(client, server):
    info = client.get_bucket_info(oss.GetBucketInfoRequest(bucket=MAIN)).bucket_info
    assert info.name == MAIN
    assert info.location == f"oss-{server.region}"
    assert info.storage_class == "Standard"
    st = client.get_bucket_stat(oss.GetBucketStatRequest(bucket=STAT))
    assert st.object_count is not None and st.storage is not None


def test_open_file_and_downloader_crc(client, tmp_path):
    # get_object_to_file verifies the CRC64 of the download against x-oss-hash-crc64ecma
    key = unique("v2-file") + "f"
    data = payload(300_000, 27)
    client.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=data))
    out = tmp_path / "f"
    client.get_object_to_file(oss.GetObjectRequest(bucket=MAIN, key=key), str(out))
    assert out.read_bytes() == data
    with client.open_file(MAIN, key) as f:
        f.seek(1000)
        assert f.read(500) == data[1000:1500]
