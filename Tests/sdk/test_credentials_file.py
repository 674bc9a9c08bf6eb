"""`--credentials FILE` (passwd-ossfs format: `id:secret` or `bucket:id:secret` lines, # comments)."""
import os

import pytest

from common import raises_oss2
from conftest import oss2_bucket
from ossfstest.server import Keys, OSSLocal


def test_keys_from_passwd_file(tmp_path):
    general, scoped = Keys.random(), Keys.random()
    passwd = tmp_path / "passwd-ossfs"
    passwd.write_text(f"# keys for the test\n{general.access_key_id}:{general.access_key_secret}\n"
                      f"sdk-cred-b:{scoped.access_key_id}:{scoped.access_key_secret}\n")
    os.chmod(passwd, 0o600)
    srv = OSSLocal(buckets=["sdk-cred-a", "sdk-cred-b"], keys=general, keys_in_env=False,
                   extra_args=["--credentials", str(passwd)])
    with srv:
        a = oss2_bucket(srv, "sdk-cred-a", "v1")
        a.put_object("k", b"general key")
        assert a.get_object("k").read() == b"general key"
        b = oss2_bucket(srv, "sdk-cred-b", "v4", secret=scoped.access_key_secret,
                        access_key_id=scoped.access_key_id)
        b.put_object("k", b"bucket key")
        assert b.get_object("k").read() == b"bucket key"
        with raises_oss2(403, "SignatureDoesNotMatch"):
            oss2_bucket(srv, "sdk-cred-a", "v1", secret="wrong").get_object("k")
        assert general.access_key_secret not in srv.log_text()


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_secrets_never_reach_the_server_log(server, version):
    oss2_bucket(server, "sdk-main", version).put_object("log-check", b"x")
    with raises_oss2(403, "SignatureDoesNotMatch"):
        oss2_bucket(server, "sdk-main", version, secret="wrong-secret-value").get_object("log-check")
    assert server.keys.access_key_secret not in server.log_text()
