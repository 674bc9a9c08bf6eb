"""STS credentials: a server started with OSS_SESSION_TOKEN accepts requests that carry that token (signed as
x-oss-security-token in headers, security-token / x-oss-security-token in presigned URLs)."""
import secrets

import alibabacloud_oss_v2 as oss
import oss2
import pytest
import requests

from common import md5_hex_upper
from ossfstest.server import Keys, OSSLocal

BUCKET = "sdk-sts"


@pytest.fixture(scope="module")
def sts_server():
    keys = Keys("STS.Sdk" + secrets.token_hex(6), secrets.token_urlsafe(24), "CAIS" + secrets.token_urlsafe(40))
    srv = OSSLocal(buckets=[BUCKET], keys=keys)
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


@pytest.mark.parametrize("version", [oss2.AUTH_VERSION_1, oss2.AUTH_VERSION_4])
def test_oss2_sts_auth(sts_server, version):
    k = sts_server.keys
    b = oss2.Bucket(oss2.StsAuth(k.access_key_id, k.access_key_secret, k.security_token, auth_version=version),
                    sts_server.endpoint, BUCKET, region=sts_server.region)
    key = f"sts/{version}/object"
    assert b.put_object(key, b"with token").etag == md5_hex_upper(b"with token")
    assert b.get_object(key).read() == b"with token"
    url = b.sign_url("GET", key, 120)
    assert "security-token" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == b"with token", r.text


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_v2_sts(sts_server, version):
    k = sts_server.keys
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(k.access_key_id, k.access_key_secret,
                                                                         k.security_token)
    cfg.region, cfg.endpoint, cfg.signature_version, cfg.use_path_style = \
        sts_server.region, sts_server.endpoint, version, True
    c = oss.Client(cfg)
    c.put_object(oss.PutObjectRequest(bucket=BUCKET, key=f"v2sts/{version}", body=b"v2 token"))
    assert c.get_object(oss.GetObjectRequest(bucket=BUCKET, key=f"v2sts/{version}")).body.read() == b"v2 token"


@pytest.mark.parametrize("version", [oss2.AUTH_VERSION_1, oss2.AUTH_VERSION_4])
def test_wrong_or_missing_token_is_refused(sts_server, version):
    k = sts_server.keys
    wrong = oss2.Bucket(oss2.StsAuth(k.access_key_id, k.access_key_secret, "CAISwrong", auth_version=version),
                        sts_server.endpoint, BUCKET, region=sts_server.region)
    with pytest.raises(oss2.exceptions.OssError) as e:
        wrong.put_object("sts/wrong", b"x")
    assert e.value.status == 403
    auth = oss2.Auth(k.access_key_id, k.access_key_secret) if version == oss2.AUTH_VERSION_1 else \
        oss2.AuthV4(k.access_key_id, k.access_key_secret)
    missing = oss2.Bucket(auth, sts_server.endpoint, BUCKET, region=sts_server.region)
    with pytest.raises(oss2.exceptions.OssError) as e:
        missing.put_object("sts/missing", b"x")
    assert e.value.status == 403
