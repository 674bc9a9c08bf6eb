"""oss2 multipart uploads: init, parts, part copy, list parts/uploads, complete, abort, and their errors."""
from oss2.models import PartInfo

from common import crc64, error_code, md5_hex_upper, payload, raises_oss2, unique
from rawsign import raw_request

KB = 1024
PART = 100 * KB       # OSS minimum for every part but the last


def _upload(bucket, key, parts, upload_id=None):
    upload_id = upload_id or bucket.init_multipart_upload(key).upload_id
    infos = []
    for n, data in enumerate(parts, start=1):
        r = bucket.upload_part(key, upload_id, n, data)
        assert r.etag == md5_hex_upper(data)                 # a part's ETag is its MD5
        assert r.crc == crc64(data)                          # and the CRC header is the part's
        infos.append(PartInfo(n, r.etag, size=len(data), part_crc=r.crc))
    return upload_id, infos


def test_multipart_roundtrip(bucket):
    key = unique("o2-mp") + "big.bin"
    parts = [payload(PART, 1), payload(PART + 1, 2), b"tail"]
    init = bucket.init_multipart_upload(key, headers={"Content-Type": "video/x-sdk", "x-oss-meta-origin": "mp"})
    assert init.upload_id
    upload_id, infos = _upload(bucket, key, parts, init.upload_id)
    assert not bucket.object_exists(key)                     # invisible until completed
    done = bucket.complete_multipart_upload(key, upload_id, infos)
    whole = b"".join(parts)
    assert done.status == 200
    assert done.etag and done.etag != md5_hex_upper(whole)   # opaque, not the MD5
    assert int(done.headers["x-oss-hash-crc64ecma"]) == crc64(whole)
    got = bucket.get_object(key)
    assert got.read() == whole
    assert got.object_type == "Multipart"
    assert got.content_type == "video/x-sdk"
    assert got.headers["x-oss-meta-origin"] == "mp"
    assert got.etag == done.etag
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(whole)
    assert bucket.head_object(key).content_length == len(whole)
    assert upload_id not in [u.upload_id for u in bucket.list_multipart_uploads(prefix=key).upload_list]


def test_multipart_three_part_crc_vector(bucket):
    # oss-protocol.md §5: these three parts combine to 8426855706170377833
    key = unique("o2-mpv") + "v"
    parts = [bytes(i % 251 for i in range(102400)), bytes((i * 7) % 256 for i in range(102400)), b"tail"]
    upload_id, infos = _upload(bucket, key, parts)
    done = bucket.complete_multipart_upload(key, upload_id, infos)
    assert int(done.headers["x-oss-hash-crc64ecma"]) == 8426855706170377833


def test_complete_with_gaps_in_part_numbers(bucket):
    key = unique("o2-mpgap") + "g"
    upload_id = bucket.init_multipart_upload(key).upload_id
    a, b = payload(PART, 3), b"end"
    ra = bucket.upload_part(key, upload_id, 2, a)
    rb = bucket.upload_part(key, upload_id, 7, b)
    bucket.complete_multipart_upload(key, upload_id, [PartInfo(2, ra.etag), PartInfo(7, rb.etag)])
    assert bucket.get_object(key).read() == a + b


def test_reuploading_a_part_replaces_it(bucket):
    key = unique("o2-mpre") + "r"
    upload_id = bucket.init_multipart_upload(key).upload_id
    bucket.upload_part(key, upload_id, 1, payload(PART, 4))
    second = payload(PART, 5)
    r = bucket.upload_part(key, upload_id, 1, second)
    bucket.complete_multipart_upload(key, upload_id, [PartInfo(1, r.etag)])
    assert bucket.get_object(key).read() == second


def test_list_parts(bucket):
    key = unique("o2-mplp") + "p"
    parts = [payload(PART, 6), payload(PART, 7), b"xyz"]
    upload_id, infos = _upload(bucket, key, parts)
    r = bucket.list_parts(key, upload_id)
    assert [p.part_number for p in r.parts] == [1, 2, 3]
    assert [p.size for p in r.parts] == [len(x) for x in parts]
    assert [p.etag for p in r.parts] == [md5_hex_upper(x) for x in parts]
    assert r.is_truncated is False
    page = bucket.list_parts(key, upload_id, max_parts=2)
    assert [p.part_number for p in page.parts] == [1, 2] and page.is_truncated
    rest = bucket.list_parts(key, upload_id, marker=page.next_marker)
    assert [p.part_number for p in rest.parts] == [3]
    bucket.abort_multipart_upload(key, upload_id)


def test_list_multipart_uploads(bucket):
    p = unique("o2-mplu")
    ids = {}
    for k in ("a", "b", "b", "c/d"):
        ids.setdefault(k, []).append(bucket.init_multipart_upload(p + k).upload_id)
    r = bucket.list_multipart_uploads(prefix=p)
    listed = [(u.key, u.upload_id) for u in r.upload_list]
    assert sorted(listed) == sorted((p + k, i) for k, v in ids.items() for i in v)
    assert [k for k, _ in listed] == sorted(k for k, _ in listed)        # sorted by key
    r = bucket.list_multipart_uploads(prefix=p, delimiter="/")
    assert r.prefix_list == [p + "c/"]
    assert sorted(u.key for u in r.upload_list) == [p + "a", p + "b", p + "b"]
    page = bucket.list_multipart_uploads(prefix=p, max_uploads=2)
    assert len(page.upload_list) == 2 and page.is_truncated
    rest = bucket.list_multipart_uploads(prefix=p, key_marker=page.next_key_marker,
                                         upload_id_marker=page.next_upload_id_marker)
    assert [(u.key, u.upload_id) for u in page.upload_list + rest.upload_list] == listed
    for k, v in ids.items():
        for i in v:
            bucket.abort_multipart_upload(p + k, i)
    assert bucket.list_multipart_uploads(prefix=p).upload_list == []


def test_abort(bucket):
    key = unique("o2-mpab") + "a"
    upload_id, infos = _upload(bucket, key, [payload(PART, 8)])
    assert bucket.abort_multipart_upload(key, upload_id).status == 204
    with raises_oss2(404, "NoSuchUpload"):
        bucket.list_parts(key, upload_id)
    with raises_oss2(404, "NoSuchUpload"):
        bucket.complete_multipart_upload(key, upload_id, infos)
    with raises_oss2(404, "NoSuchUpload"):
        bucket.upload_part(key, upload_id, 2, b"late")
    assert not bucket.object_exists(key)


def test_too_small_part_is_entity_too_small(bucket):
    key = unique("o2-mpsmall") + "s"
    upload_id, infos = _upload(bucket, key, [payload(PART - 1, 9), b"last"])   # part 1 is 1 byte short
    with raises_oss2(400, "EntityTooSmall"):
        bucket.complete_multipart_upload(key, upload_id, infos)
    assert not bucket.object_exists(key)


def test_small_single_part_is_fine(bucket):
    key = unique("o2-mpone") + "o"
    upload_id, infos = _upload(bucket, key, [b"only part may be small"])
    bucket.complete_multipart_upload(key, upload_id, infos)
    assert bucket.get_object(key).read() == b"only part may be small"


def test_invalid_part_and_order(bucket, server):
    key = unique("o2-mpinv") + "i"
    upload_id, infos = _upload(bucket, key, [payload(PART, 10), b"z"])
    with raises_oss2(400, "InvalidPart"):
        bucket.complete_multipart_upload(key, upload_id, [PartInfo(1, infos[0].etag),
                                                          PartInfo(2, "0123456789ABCDEF0123456789ABCDEF")])
    with raises_oss2(400, "InvalidPart"):
        bucket.complete_multipart_upload(key, upload_id, [PartInfo(1, infos[0].etag), PartInfo(3, infos[1].etag)])
    # oss2 sorts the parts itself, so the descending list goes out as a raw request
    body = ("<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{i.part_number}</PartNumber><ETag>\"{i.etag}\"</ETag></Part>" for i in reversed(infos))
        + "</CompleteMultipartUpload>").encode()
    r = raw_request(server, "POST", bucket.bucket_name, key, query=[("uploadId", upload_id)], body=body,
                    headers={"Content-Type": "application/xml"})
    assert (r.status_code, error_code(r)) == (400, "InvalidPartOrder"), r.text
    bucket.complete_multipart_upload(key, upload_id, infos)     # still completable after the rejections


def test_complete_all_lets_server_list_parts(bucket):
    key = unique("o2-mpall") + "a"
    parts = [payload(PART, 11), b"end"]
    upload_id, _ = _upload(bucket, key, parts)
    bucket.complete_multipart_upload(key, upload_id, None, headers={"x-oss-complete-all": "yes"})
    assert bucket.get_object(key).read() == b"".join(parts)


def test_upload_part_copy(bucket):
    p = unique("o2-mpcopy")
    src = payload(300 * KB, 12)
    bucket.put_object(p + "src", src)
    upload_id = bucket.init_multipart_upload(p + "dst").upload_id
    r1 = bucket.upload_part_copy(bucket.bucket_name, p + "src", (0, PART - 1), p + "dst", upload_id, 1)
    r2 = bucket.upload_part_copy(bucket.bucket_name, p + "src", (PART, 250 * KB - 1), p + "dst", upload_id, 2)
    r3 = bucket.upload_part(p + "dst", upload_id, 3, b"+own")
    assert r1.etag == md5_hex_upper(src[:PART])
    bucket.complete_multipart_upload(p + "dst", upload_id,
                                     [PartInfo(1, r1.etag), PartInfo(2, r2.etag), PartInfo(3, r3.etag)])
    assert bucket.get_object(p + "dst").read() == src[:250 * KB] + b"+own"


def test_multipart_forbid_overwrite(bucket):
    key = unique("o2-mpfo") + "f"
    bucket.put_object(key, b"existing")
    upload_id, infos = _upload(bucket, key, [b"new"])
    with raises_oss2(409, "FileAlreadyExists"):
        bucket.complete_multipart_upload(key, upload_id, infos, headers={"x-oss-forbid-overwrite": "true"})
    assert bucket.get_object(key).read() == b"existing"


def test_part_number_out_of_range(bucket):
    key = unique("o2-mpnum") + "n"
    upload_id = bucket.init_multipart_upload(key).upload_id
    with raises_oss2(400, "InvalidArgument"):
        bucket.upload_part(key, upload_id, 10001, b"x")
    bucket.abort_multipart_upload(key, upload_id)
