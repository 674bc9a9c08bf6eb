"""Fixtures: one in-memory oss-local per test session, and SDK clients of every signing flavour for it.

Tests that need their own server (restart, faults) start one with `ossfstest.server.OSSLocal` in a `with` block,
which stops it by PID even when the test fails.
"""
from __future__ import annotations

import pytest

import alibabacloud_oss_v2 as oss
import oss2
from ossfstest.server import OSSLocal

MAIN = "sdk-main"        # most tests, each under its own key prefix (common.unique)
OTHER = "sdk-other"      # cross-bucket copies
STAT = "sdk-stat"        # only the bucket statistics test writes here, so its counts are exact


@pytest.fixture(scope="session")
def server():
    srv = OSSLocal(buckets=[MAIN, OTHER, STAT])
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def oss2_bucket(srv: OSSLocal, name: str, version: str, secret: str | None = None,
                access_key_id: str | None = None, **kw) -> oss2.Bucket:
    akid = access_key_id or srv.keys.access_key_id
    sk = secret or srv.keys.access_key_secret
    if version == "v1":
        auth = oss2.Auth(akid, sk)
    else:
        auth = oss2.AuthV4(akid, sk)      # ProviderAuthV4 with static keys; test_sts covers the provider path
    return oss2.Bucket(auth, srv.endpoint, name, region=srv.region, **kw)


def v2_client(srv: OSSLocal, version: str, secret: str | None = None, access_key_id: str | None = None,
              **config) -> oss.Client:
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
        access_key_id or srv.keys.access_key_id, secret or srv.keys.access_key_secret)
    cfg.region = srv.region
    cfg.endpoint = srv.endpoint
    cfg.signature_version = version
    cfg.use_path_style = True
    for k, v in config.items():
        setattr(cfg, k, v)
    return oss.Client(cfg)


@pytest.fixture(params=["v1", "v4"])
def bucket(request, server) -> oss2.Bucket:
    """oss2 against the main bucket, signing V1 (oss2.Auth) or V4 (oss2.AuthV4 + region); CRC checks on."""
    return oss2_bucket(server, MAIN, request.param)


@pytest.fixture(params=["v4", "v1"])
def client(request, server) -> oss.Client:
    """alibabacloud-oss-v2 against the server, path style, V4 (default) or V1 signer."""
    return v2_client(server, request.param)
