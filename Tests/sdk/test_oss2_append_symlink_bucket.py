"""oss2: AppendObject, PutSymlink/GetSymlink, GetBucketInfo, GetBucketStat."""
import time

import oss2

from common import crc64, md5_hex_upper, payload, raises_oss2, unique
from conftest import STAT, oss2_bucket


def test_append_object(bucket):
    key = unique("o2-app") + "log"
    a, b, c = b"first line\n", payload(5000, 1), b"third"
    r = bucket.append_object(key, 0, a, headers={"Content-Type": "text/log", "x-oss-meta-kind": "log"})
    assert r.status == 200
    assert r.next_position == len(a)
    assert r.crc == crc64(a)
    r = bucket.append_object(key, r.next_position, b, init_crc=r.crc)     # oss2 checks the combined CRC
    assert r.next_position == len(a + b)
    assert r.crc == crc64(a + b)                                           # CRC of the whole object so far
    r = bucket.append_object(key, r.next_position, c, init_crc=r.crc)
    whole = a + b + c
    assert r.crc == crc64(whole)
    h = bucket.head_object(key)
    assert h.object_type == "Appendable"
    assert h.content_length == len(whole)
    assert int(h.headers["x-oss-next-append-position"]) == len(whole)
    assert h.etag != md5_hex_upper(whole)                                  # opaque, not the MD5
    assert h.content_type == "text/log"
    assert h.headers["x-oss-meta-kind"] == "log"
    got = bucket.get_object(key)
    assert got.read() == whole
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(whole)


def test_append_wrong_position(bucket):
    key = unique("o2-appbad") + "x"
    bucket.append_object(key, 0, b"12345")
    for wrong in (0, 4, 6, 100):
        try:
            bucket.append_object(key, wrong, b"zz")
            raise AssertionError("append at a wrong position succeeded")
        except oss2.exceptions.PositionNotEqualToLength as e:
            assert e.status == 409 and e.code == "PositionNotEqualToLength"
            assert e.next_position == 5                 # x-oss-next-append-position = current length
    assert bucket.get_object(key).read() == b"12345"


def test_append_to_missing_object_needs_position_zero(bucket):
    key = unique("o2-appnew") + "x"
    with raises_oss2(409, "PositionNotEqualToLength"):
        bucket.append_object(key, 3, b"abc")
    assert not bucket.object_exists(key)


def test_append_to_normal_object(bucket):
    key = unique("o2-appnorm") + "x"
    bucket.put_object(key, b"normal")
    with raises_oss2(409, "ObjectNotAppendable"):
        bucket.append_object(key, 6, b"more")
    assert bucket.get_object(key).read() == b"normal"


def test_put_over_appendable_makes_it_normal(bucket):
    key = unique("o2-appput") + "x"
    bucket.append_object(key, 0, b"app")
    bucket.put_object(key, b"now normal")
    assert bucket.head_object(key).object_type == "Normal"


def test_symlink(bucket):
    p = unique("o2-sym")
    target = p + "target file+ü.txt"
    data = payload(2048, 2)
    bucket.put_object(target, data, headers={"Content-Type": "text/target", "x-oss-meta-t": "target"})
    r = bucket.put_symlink(target, p + "link", headers={"x-oss-meta-l": "link"})
    assert r.status == 200
    assert bucket.get_symlink(p + "link").target_key == target
    got = bucket.get_object(p + "link")                    # a GET follows the link
    assert got.read() == data
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    h = bucket.head_object(p + "link")
    assert h.object_type == "Symlink"
    assert h.content_length == len(data)                  # length and ETag come from the target
    assert h.etag == md5_hex_upper(data)
    assert h.headers["x-oss-meta-l"] == "link"            # metadata is the link's own
    assert "x-oss-meta-t" not in h.headers
    listed = {o.key: o for o in bucket.list_objects(prefix=p).object_list}
    assert listed[p + "link"].type == "Symlink"


def test_symlink_range_get(bucket):
    p = unique("o2-symr")
    data = payload(1000, 3)
    bucket.put_object(p + "t", data)
    bucket.put_symlink(p + "t", p + "l")
    r = bucket.get_object(p + "l", byte_range=(10, 19))
    assert r.status == 206 and r.read() == data[10:20]


def test_dangling_symlink(bucket):
    p = unique("o2-symd")
    bucket.put_symlink(p + "nowhere", p + "dangling")          # the target is not checked
    assert bucket.get_symlink(p + "dangling").target_key == p + "nowhere"
    with raises_oss2(404, "SymlinkTargetNotExist"):
        bucket.get_object(p + "dangling")


def test_get_symlink_of_missing_key(bucket):
    with raises_oss2(404, "NoSuchKey"):
        bucket.get_symlink(unique("o2-symm") + "none")


def test_symlink_forbid_overwrite(bucket):
    p = unique("o2-symf")
    bucket.put_object(p + "exists", b"1")
    with raises_oss2(409, "FileAlreadyExists"):
        bucket.put_symlink(p + "t", p + "exists", headers={"x-oss-forbid-overwrite": "true"})


def test_bucket_info(bucket, server):
    info = bucket.get_bucket_info()
    assert info.name == bucket.bucket_name
    assert info.location == f"oss-{server.region}"
    assert info.storage_class == "Standard"
    assert info.creation_date
    assert info.extranet_endpoint and info.intranet_endpoint


def test_bucket_stat(server):
    b = oss2_bucket(server, STAT, "v4")
    p = unique("o2-stat")
    b.put_object(p + "a", b"x" * 100)
    b.put_object(p + "b", b"y" * 23)
    b.init_multipart_upload(p + "mp")
    st = b.get_bucket_stat()
    assert st.object_count == 2
    assert st.storage_size_in_bytes == 123
    assert st.multi_part_upload_count == 1
    assert st.standard_storage == 123
    assert st.standard_object_count == 2
    assert abs(st.last_modified_time - time.time()) < 600


def test_bucket_info_missing_bucket(server):
    with raises_oss2(404, "NoSuchBucket"):
        oss2_bucket(server, "sdk-missing", "v1").get_bucket_info()


def test_symlink_last_modified_is_the_later_of_link_and_target(bucket):
    p = unique("o2-symlm")
    bucket.put_object(p + "t", b"old target")
    bucket.put_symlink(p + "t", p + "l")
    link_time = bucket.head_object(p + "l").last_modified
    time.sleep(1.1)
    bucket.put_object(p + "t", b"newer target")          # the target changes after the link was made
    h = bucket.head_object(p + "l")
    assert h.last_modified >= link_time + 1
    assert h.last_modified == bucket.head_object(p + "t").last_modified
    assert h.content_length == len(b"newer target")
