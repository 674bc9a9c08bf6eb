"""The S3 dialect (x-amz- twins of x-oss- headers, --anonymous for s3fs/rclone) and an Archive bucket."""
import pytest

from common import error_code, unique
from conftest import oss2_bucket
from ossfstest.server import Keys, OSSLocal
from rawsign import raw_request

BUCKET = "sdk-s3"
ARCHIVE = "sdk-cold"


@pytest.fixture(scope="module")
def anon_server():
    srv = OSSLocal(buckets=[BUCKET, f"{ARCHIVE}:Archive"], keys=Keys.random(), extra_args=["--anonymous"])
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def test_anonymous_accepts_unsigned_requests(anon_server):
    key = unique("anon") + "a b"
    assert raw_request(anon_server, "PUT", BUCKET, key, body=b"unsigned", sign=None).status_code == 200
    r = raw_request(anon_server, "GET", BUCKET, key, sign=None)
    assert r.status_code == 200 and r.content == b"unsigned"
    # signed clients keep working in anonymous mode
    assert oss2_bucket(anon_server, BUCKET, "v4").get_object(key).read() == b"unsigned"


def test_amz_headers_are_oss_twins(anon_server):
    p = unique("amz")
    r = raw_request(anon_server, "PUT", BUCKET, p + "src", body=b"s3 body", sign=None,
                    headers={"x-amz-meta-color": "blue", "Content-Type": "text/s3"})
    assert r.status_code == 200, r.text
    b = oss2_bucket(anon_server, BUCKET, "v1")
    assert b.head_object(p + "src").headers["x-oss-meta-color"] == "blue"
    r = raw_request(anon_server, "PUT", BUCKET, p + "copy", sign=None,
                    headers={"x-amz-copy-source": f"/{BUCKET}/{p}src"})
    assert r.status_code == 200, r.text
    h = b.head_object(p + "copy")
    assert h.headers["x-oss-meta-color"] == "blue" and h.content_type == "text/s3"
    r = raw_request(anon_server, "PUT", BUCKET, p + "copy", sign=None,
                    headers={"x-amz-copy-source": f"/{BUCKET}/{p}src", "x-amz-metadata-directive": "REPLACE",
                             "x-amz-meta-color": "red", "Content-Type": "text/new"})
    assert r.status_code == 200, r.text
    h = b.head_object(p + "copy")
    assert h.headers["x-oss-meta-color"] == "red" and h.content_type == "text/new"
    assert b.get_object(p + "copy").read() == b"s3 body"


def test_archive_objects_need_restore(anon_server):
    b = oss2_bucket(anon_server, ARCHIVE, "v1")
    key = unique("cold") + "frozen"
    b.put_object(key, b"cold data")
    h = b.head_object(key)
    assert h.headers["x-oss-storage-class"] == "Archive"
    r = raw_request(anon_server, "GET", ARCHIVE, key)
    assert r.status_code == 403 and error_code(r) == "InvalidObjectState", r.text
