"""Extended attributes with -o use_xattr, stored as ossfs 1.x does: x-oss-meta-xattr holds a URL-encoded
JSON object {"name": "<base64 value>", ...}."""
import base64
import json
import os
import urllib.parse

import pytest

from e2elib import api
from e2elib.tools import out, sh


def stored_xattrs(bucket, key) -> dict[str, bytes]:
    h = api.headers(bucket, key)
    if api.META_XATTR not in h:
        return {}
    doc = json.loads(urllib.parse.unquote(h[api.META_XATTR]))
    return {k: base64.b64decode(v) for k, v in doc.items()}


def test_setfattr_getfattr_roundtrip_and_storage(env):
    m = env.mount(["use_xattr"])
    (m / "f").write_bytes(b"content")
    os.mkdir(m / "d")
    sh(["setfattr", "-n", "user.color", "-v", "blue", str(m / "f")])
    sh(["setfattr", "-n", "user.bin", "-v", "0x00ff10", str(m / "f")])
    sh(["setfattr", "-n", "user.dir", "-v", "yes", str(m / "d")])
    assert out(["getfattr", "-n", "user.color", "--only-values", str(m / "f")]) == "blue"
    assert os.getxattr(m / "f", "user.bin") == b"\x00\xff\x10"
    assert set(os.listxattr(m / "f")) >= {"user.color", "user.bin"}
    dump = out(["getfattr", "-d", str(m / "f")])
    assert 'user.color="blue"' in dump
    assert stored_xattrs(env.bucket, "f") == {"user.color": b"blue", "user.bin": b"\x00\xff\x10"}
    assert stored_xattrs(env.bucket, "d/") == {"user.dir": b"yes"}
    assert api.get(env.bucket, "f") == b"content"
    sh(["setfattr", "-x", "user.color", str(m / "f")])
    assert stored_xattrs(env.bucket, "f") == {"user.bin": b"\x00\xff\x10"}
    with pytest.raises(OSError):
        os.getxattr(m / "f", "user.color")
    # a fresh mount reads them from the object
    m2 = env.mount(["use_xattr"])
    assert os.getxattr(m2 / "f", "user.bin") == b"\x00\xff\x10"
    assert os.getxattr(m2 / "d", "user.dir") == b"yes"


def test_xattr_written_by_ossfs1_is_read(env):
    value = urllib.parse.quote(json.dumps({"user.origin": base64.b64encode(b"ossfs-1.x").decode()}))
    env.bucket.put_object("legacy", b"x", headers={api.META_XATTR: value, api.META_MODE: "33188"})
    m = env.mount(["use_xattr"])
    assert os.getxattr(m / "legacy", "user.origin") == b"ossfs-1.x"


def test_xattrs_refused_without_use_xattr(env):
    m = env.mount()
    (m / "f").write_bytes(b"1")
    r = sh(["setfattr", "-n", "user.color", "-v", "blue", str(m / "f")], check=False)
    assert r.returncode != 0
    assert b"not supported" in r.stderr, r.stderr
    assert api.META_XATTR not in api.headers(env.bucket, "f")
