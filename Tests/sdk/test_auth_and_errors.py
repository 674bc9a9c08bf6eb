"""Signatures (V1, V4, presigned), addressing styles and the documented error cases, with both SDKs and raw requests."""
import time
import urllib.parse

import alibabacloud_oss_v2 as oss
import pytest
import requests

from common import error_code, md5_hex_upper, parse_xml, raises_oss2, raises_v2, unique
from conftest import MAIN, oss2_bucket, v2_client
from rawsign import raw_request


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_oss2_wrong_secret_is_signature_does_not_match(server, version):
    b = oss2_bucket(server, MAIN, version, secret="not-the-secret")
    with raises_oss2(403, "SignatureDoesNotMatch"):
        b.put_object(unique("err-sig") + "x", b"data")
    with raises_oss2(403, "SignatureDoesNotMatch"):
        b.list_objects()


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_v2_wrong_secret_is_signature_does_not_match(server, version):
    c = v2_client(server, version, secret="not-the-secret")
    with raises_v2(403, "SignatureDoesNotMatch"):
        c.get_object(oss.GetObjectRequest(bucket=MAIN, key="whatever"))


@pytest.mark.parametrize("sign", ["v1", "v4"])
def test_signature_error_body_carries_string_to_sign(server, sign):
    r = raw_request(server, "GET", MAIN, "some/key", sign=sign, secret="wrong")
    assert r.status_code == 403
    x = parse_xml(r.content)
    assert x.findtext("Code") == "SignatureDoesNotMatch"
    sts = x.findtext("StringToSign")
    assert sts
    if sign == "v1":
        assert sts.endswith(f"/{MAIN}/some/key")
        assert x.findtext("OSSAccessKeyId") == server.keys.access_key_id
    else:
        assert sts.startswith("OSS4-HMAC-SHA256\n")
    assert server.keys.access_key_secret not in r.text


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_unknown_access_key_id(server, version):
    b = oss2_bucket(server, MAIN, version, access_key_id="LTAI5tNobodyHasThisKey")
    with raises_oss2(403, "InvalidAccessKeyId"):
        b.get_object("k")


def test_v2_unknown_access_key_id(server):
    c = v2_client(server, "v4", access_key_id="LTAI5tNobodyHasThisKey")
    with raises_v2(403, "InvalidAccessKeyId"):
        c.list_objects_v2(oss.ListObjectsV2Request(bucket=MAIN))


def test_unsigned_request_is_denied(server):
    r = raw_request(server, "GET", MAIN, "k", sign=None)
    assert r.status_code == 403
    assert error_code(r) == "AccessDenied"


@pytest.mark.parametrize("sign", ["v1", "v4"])
@pytest.mark.parametrize("skew", [-3600, 3600, -16 * 60])
def test_clock_skew(server, sign, skew):
    r = raw_request(server, "GET", MAIN, "", sign=sign, now=time.time() + skew)
    assert r.status_code == 403, r.text
    assert error_code(r) == "RequestTimeTooSkewed"


@pytest.mark.parametrize("sign", ["v1", "v4"])
def test_small_skew_is_accepted(server, sign):
    r = raw_request(server, "GET", MAIN, "", sign=sign, now=time.time() - 10 * 60)
    assert r.status_code == 200, r.text


def test_raw_requests_work_v1_and_v4(server):
    key = unique("raw") + "a b+c~(1).txt"
    assert raw_request(server, "PUT", MAIN, key, body=b"raw body").status_code == 200
    r = raw_request(server, "GET", MAIN, key, sign="v4", headers={"Range": "bytes=0-2"})
    assert r.status_code == 206 and r.content == b"raw"


def test_x_oss_date_wins_over_date_in_v1(server):
    # Date is an hour off, x-oss-date is now and signed in its place: accepted
    now = time.time()
    from rawsign import rfc1123
    r = raw_request(server, "GET", MAIN, "", sign="v1",
                    headers={"Date": rfc1123(now - 3600), "x-oss-date": rfc1123(now)})
    assert r.status_code == 200, r.text


def test_virtual_hosted_addressing(server):
    key = unique("vhost") + "obj"
    assert raw_request(server, "PUT", MAIN, key, body=b"vh", virtual_host=True).status_code == 200
    r = raw_request(server, "GET", MAIN, key, virtual_host=True, sign="v4")
    assert r.status_code == 200 and r.content == b"vh"
    r = raw_request(server, "GET", MAIN, key)                               # same object, path style
    assert r.content == b"vh"


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_missing_key_and_bucket(server, version):
    b = oss2_bucket(server, MAIN, version)
    with raises_oss2(404, "NoSuchKey"):
        b.get_object(unique("err-nokey") + "missing")
    with raises_oss2(404, None):
        b.head_object(unique("err-nokey") + "missing")
    missing = oss2_bucket(server, "sdk-does-not-exist", version)
    with raises_oss2(404, "NoSuchBucket"):
        missing.put_object("k", b"x")


def test_no_such_bucket_body(server):
    r = raw_request(server, "GET", "sdk-does-not-exist", "k")
    assert r.status_code == 404
    x = parse_xml(r.content)
    assert x.findtext("Code") == "NoSuchBucket"
    assert x.findtext("BucketName") == "sdk-does-not-exist"
    assert len(x.findtext("RequestId")) == 24
    assert r.headers["Content-Type"].startswith("application/xml")


def test_head_error_has_no_body_but_x_oss_err(server):
    r = raw_request(server, "HEAD", MAIN, unique("err-head") + "missing")
    assert r.status_code == 404
    assert r.content == b""
    import base64
    assert b"<Code>NoSuchKey</Code>" in base64.b64decode(r.headers["x-oss-err"])


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_v2_head_missing_key_decodes_error_code(server, version):
    c = v2_client(server, version)
    with raises_v2(404, "NoSuchKey"):
        c.head_object(oss.HeadObjectRequest(bucket=MAIN, key=unique("err-v2head") + "missing"))


@pytest.mark.parametrize("bad", ["/leading-slash", "\\leading-backslash", "k" * 1024])
def test_invalid_object_name(server, bad):
    r = raw_request(server, "PUT", MAIN, bad, body=b"x")
    assert r.status_code == 400, r.text
    assert error_code(r) == "InvalidObjectName"


def test_longest_valid_key(server):
    key = unique("long")
    key += "k" * (1023 - len(key.encode()))
    assert raw_request(server, "PUT", MAIN, key, body=b"x").status_code == 200
    assert raw_request(server, "GET", MAIN, key).content == b"x"


# ---- presigned URLs -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["v1", "v4"])
def test_oss2_presigned_get_and_put(server, version):
    b = oss2_bucket(server, MAIN, version)
    key = unique("presign") + "file name+ü.txt"
    b.put_object(key, b"presigned content")
    url = b.sign_url("GET", key, 300)
    assert ("x-oss-signature=" in url) == (version == "v4")
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"presigned content"
    put_key = unique("presign-put") + "up"
    url = b.sign_url("PUT", put_key, 300, headers={"Content-Type": "text/plain"})
    r = requests.put(url, data=b"uploaded", headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 200, r.text
    assert b.get_object(put_key).read() == b"uploaded"


def test_v2_presign_v4(server):
    c = v2_client(server, "v4")
    key = unique("presign-v2") + "a b"
    c.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"v2 presigned"))
    pre = c.presign(oss.GetObjectRequest(bucket=MAIN, key=key))
    assert pre.method == "GET"
    assert "x-oss-signature-version=OSS4-HMAC-SHA256" in pre.url
    r = requests.get(pre.url, headers=pre.signed_headers or {}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"v2 presigned"


def test_v2_presign_v1(server):
    c = v2_client(server, "v1")
    key = unique("presign-v2v1") + "k"
    c.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"v1 presigned"))
    pre = c.presign(oss.GetObjectRequest(bucket=MAIN, key=key))
    assert "OSSAccessKeyId=" in pre.url and "Signature=" in pre.url
    r = requests.get(pre.url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"v1 presigned"


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_presigned_url_tampered_or_expired(server, version):
    b = oss2_bucket(server, MAIN, version)
    key = unique("presign-bad") + "k"
    b.put_object(key, b"secret stuff")
    url = b.sign_url("GET", key, 300)
    parts = urllib.parse.urlsplit(url)
    other = urllib.parse.urlunsplit(parts._replace(path=parts.path + "x"))   # another key, same signature
    r = requests.get(other, timeout=10)
    assert r.status_code == 403 and error_code(r) == "SignatureDoesNotMatch", r.text
    if version == "v1":
        # an Expires in the past (signed correctly) is refused
        expired = b.sign_url("GET", key, -10)
        r = requests.get(expired, timeout=10)
        assert r.status_code == 403 and error_code(r) == "AccessDenied", r.text


def test_v4_presigned_expired(server):
    key = unique("presign-v4exp") + "k"
    c = v2_client(server, "v4")
    c.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"x"))
    import datetime
    # 3 s, not 1: the SDK truncates the remaining lifetime to whole seconds when it writes x-oss-expires
    pre = c.presign(oss.GetObjectRequest(bucket=MAIN, key=key), expires=datetime.timedelta(seconds=3))
    assert requests.get(pre.url, timeout=10).status_code == 200
    time.sleep(4)
    r = requests.get(pre.url, timeout=10)
    assert r.status_code == 403 and error_code(r) == "AccessDenied", r.text


def test_etag_of_presigned_put_is_md5(server):
    b = oss2_bucket(server, MAIN, "v1")
    key = unique("presign-etag") + "k"
    url = b.sign_url("PUT", key, 60)
    r = requests.put(url, data=b"etag me", timeout=10)
    assert r.headers["ETag"] == f'"{md5_hex_upper(b"etag me")}"'


# ---- request validation -----------------------------------------------------------------------------------------

def test_upload_part_with_wrong_content_md5(server):
    from common import md5_b64
    b = oss2_bucket(server, MAIN, "v1")
    key = unique("err-partmd5") + "k"
    uid = b.init_multipart_upload(key).upload_id
    with raises_oss2(400, "InvalidDigest"):
        b.upload_part(key, uid, 1, b"part data", headers={"Content-MD5": md5_b64(b"other data")})
    b.abort_multipart_upload(key, uid)


def test_delete_multiple_needs_content_md5_and_wellformed_xml(server):
    from common import md5_b64
    body = f"<Delete><Quiet>true</Quiet><Object><Key>{unique('err-del')}k</Key></Object></Delete>".encode()
    r = raw_request(server, "POST", MAIN, "", query=[("delete", None)], body=body,
                    headers={"Content-Type": "application/xml"})
    assert r.status_code == 400, r.text                        # Content-MD5 is required
    bad = b"<Delete><Object><Key>unterminated"
    r = raw_request(server, "POST", MAIN, "", query=[("delete", None)], body=bad,
                    headers={"Content-Type": "application/xml", "Content-MD5": md5_b64(bad)})
    assert (r.status_code, error_code(r)) == (400, "MalformedXML"), r.text


def test_complete_with_malformed_xml(server):
    b = oss2_bucket(server, MAIN, "v1")
    key = unique("err-cmpl") + "k"
    uid = b.init_multipart_upload(key).upload_id
    b.upload_part(key, uid, 1, b"x")
    r = raw_request(server, "POST", MAIN, key, query=[("uploadId", uid)], body=b"<CompleteMultipartUpload><Part>",
                    headers={"Content-Type": "application/xml"})
    assert (r.status_code, error_code(r)) == (400, "MalformedXML"), r.text
    b.abort_multipart_upload(key, uid)


def test_user_metadata_over_8_kib_is_rejected(server):
    b = oss2_bucket(server, MAIN, "v4")
    key = unique("err-meta") + "k"
    assert b.put_object(key, b"x", headers={"x-oss-meta-a": "v" * 4000}).status == 200
    with raises_oss2(400, None):
        b.put_object(key + "2", b"x", headers={"x-oss-meta-a": "v" * 4500, "x-oss-meta-b": "w" * 4500})
    assert not b.object_exists(key + "2")


def test_appendable_source_cannot_be_copied(server):
    b = oss2_bucket(server, MAIN, "v1")
    p = unique("err-copyapp")
    b.append_object(p + "app", 0, b"appendable")
    r = raw_request(server, "PUT", MAIN, p + "copy", headers={"x-oss-copy-source": f"/{MAIN}/{p}app"})
    assert 400 <= r.status_code < 500, r.text
    assert not b.object_exists(p + "copy")


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_presigned_url_with_response_overrides(server, version):
    # response-* parameters are signed sub-resources in V1 and part of the canonical query in V4
    b = oss2_bucket(server, MAIN, version)
    key = unique("presign-resp") + "report.txt"
    b.put_object(key, b"report", headers={"Content-Type": "text/plain"})
    url = b.sign_url("GET", key, 300, params={"response-content-disposition": 'attachment; filename="a b+c.txt"',
                                              "response-content-type": "application/x-report"})
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"] == 'attachment; filename="a b+c.txt"'
    assert r.headers["Content-Type"] == "application/x-report"


def test_v4_additional_headers(server):
    # the v2 SDK signs listed headers that are present (here Cache-Control and Range) as AdditionalHeaders
    c = v2_client(server, "v4", additional_headers=["cache-control", "range"])
    key = unique("v4-addl") + "k"
    c.put_object(oss.PutObjectRequest(bucket=MAIN, key=key, body=b"additional headers", cache_control="no-cache"))
    r = c.get_object(oss.GetObjectRequest(bucket=MAIN, key=key, range_header="bytes=0-9"))
    assert r.body.read() == b"additional"
    assert c.head_object(oss.HeadObjectRequest(bucket=MAIN, key=key)).cache_control == "no-cache"


def test_v4_additional_headers_are_enforced(server):
    key = unique("v4-addl-raw") + "k"
    assert raw_request(server, "PUT", MAIN, key, body=b"0123456789").status_code == 200
    r = raw_request(server, "GET", MAIN, key, sign="v4", headers={"Range": "bytes=0-3"}, additional_headers=["range"])
    assert r.status_code == 206 and r.content == b"0123", r.text
    r = raw_request(server, "GET", MAIN, key, sign="v4", headers={"Range": "bytes=0-3"}, additional_headers=["range"],
                    tamper={"Range": "bytes=4-9"})
    assert (r.status_code, error_code(r)) == (403, "SignatureDoesNotMatch"), r.text
    # a header that is not listed in AdditionalHeaders may change freely
    r = raw_request(server, "GET", MAIN, key, sign="v4", headers={"Range": "bytes=0-3"}, tamper={"Range": "bytes=4-9"})
    assert r.status_code == 206 and r.content == b"456789", r.text
