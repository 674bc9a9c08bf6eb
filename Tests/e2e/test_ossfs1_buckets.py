"""Buckets written by ossfs 1.x conventions (through the SDK) and by plain SDK puts without metadata.

ossfs 1.x conventions (shared/docs/ossfs1-compat.md §4): `dir/` markers with application/x-directory,
implicit directories, x-oss-meta-mode (decimal st_mode), -uid, -gid, -mtime, symlink bodies with S_IFLNK,
symlink_in_meta headers; plus native OSS Symlink objects, which our ossfs also reads.
"""
import os
import stat
import urllib.parse

import pytest

from e2elib.tools import out, read_file


def put_ossfs1_tree(b):
    meta = lambda mode, uid="1001", gid="1002", mtime="1600000000": {  # noqa: E731
        "x-oss-meta-mode": str(mode), "x-oss-meta-uid": uid, "x-oss-meta-gid": gid, "x-oss-meta-mtime": mtime}
    b.put_object("docs/", b"", headers={"Content-Type": "application/x-directory", **meta(0o40750)})
    b.put_object("docs/readme.txt", b"ossfs 1.x wrote me\n",
                 headers={"Content-Type": "text/plain", **meta(0o100600, mtime="1600000123.5")})
    b.put_object("docs/run.sh", b"#!/bin/sh\necho hi\n", headers=meta(0o100755, uid="0", gid="0"))
    b.put_object("docs/link", b"readme.txt", headers=meta(0o120777))
    b.put_object("docs/abslink", b"/docs/readme.txt", headers=meta(0o120777))
    b.put_object("implicit/a/b/leaf", b"leaf\n", headers=meta(0o100644))  # no markers above it
    b.put_object("empty-dir/", b"", headers={"Content-Type": "application/x-directory", **meta(0o40700)})
    b.put_object("slash-only/", b"")   # a key ending in / without Content-Type is a directory too


def test_ossfs1_tree_is_seen_as_ossfs1_saw_it(env):
    b = env.bucket
    put_ossfs1_tree(b)
    m = env.mount()
    assert sorted(os.listdir(m.path)) == ["docs", "empty-dir", "implicit", "slash-only"]
    d = os.stat(m / "docs")
    assert stat.S_ISDIR(d.st_mode) and stat.S_IMODE(d.st_mode) == 0o750
    assert (d.st_uid, d.st_gid, d.st_mtime) == (1001, 1002, 1600000000)
    f = os.stat(m / "docs" / "readme.txt")
    assert stat.S_ISREG(f.st_mode) and stat.S_IMODE(f.st_mode) == 0o600
    assert (f.st_uid, f.st_gid) == (1001, 1002)
    assert f.st_mtime_ns == 1600000123 * 10**9 + 500_000_000
    assert f.st_size == len(b"ossfs 1.x wrote me\n")
    assert read_file(m / "docs" / "readme.txt") == b"ossfs 1.x wrote me\n"
    assert stat.S_IMODE(os.stat(m / "docs" / "run.sh").st_mode) == 0o755
    assert out([str(m / "docs" / "run.sh")]) == "hi\n"
    assert stat.S_ISLNK(os.lstat(m / "docs" / "link").st_mode)
    assert os.readlink(m / "docs" / "link") == "readme.txt"
    assert read_file(m / "docs" / "link") == b"ossfs 1.x wrote me\n"
    assert os.readlink(m / "docs" / "abslink") == "/docs/readme.txt"
    for p in ("implicit", "implicit/a", "implicit/a/b"):
        assert stat.S_ISDIR(os.stat(m / p).st_mode), p
    assert os.listdir(m / "implicit" / "a") == ["b"]
    assert read_file(m / "implicit" / "a" / "b" / "leaf") == b"leaf\n"
    assert os.listdir(m / "empty-dir") == []
    assert stat.S_IMODE(os.stat(m / "empty-dir").st_mode) == 0o700
    assert stat.S_ISDIR(os.stat(m / "slash-only").st_mode)
    # writing into an implicit directory works and leaves the other keys alone
    (m / "implicit" / "a" / "new").write_bytes(b"n")
    assert b.get_object("implicit/a/new").read() == b"n"
    assert b.get_object("implicit/a/b/leaf").read() == b"leaf\n"


def test_plain_sdk_objects_get_default_attributes(env):
    b = env.bucket
    b.put_object("plain.txt", b"no metadata at all\n")
    b.put_object("dir/nested/file", b"deep\n")
    b.put_object("marker-dir/", b"")
    m = env.mount()
    f = os.stat(m / "plain.txt")
    assert stat.S_ISREG(f.st_mode)
    assert f.st_mode & 0o400, f"owner cannot read an object with no metadata: mode {f.st_mode:o}"
    assert (f.st_uid, f.st_gid) == (os.geteuid(), os.getegid())
    last_modified = b.head_object("plain.txt").last_modified
    assert abs(f.st_mtime - last_modified) <= 1, "mtime falls back to Last-Modified"
    assert read_file(m / "plain.txt") == b"no metadata at all\n"
    for p in ("dir", "dir/nested", "marker-dir"):
        st = os.stat(m / p)
        assert stat.S_ISDIR(st.st_mode) and st.st_mode & 0o500 == 0o500, f"{p}: {st.st_mode:o}"
    assert read_file(m / "dir" / "nested" / "file") == b"deep\n"


def test_plain_sdk_objects_take_uid_gid_umask_options(env):
    b = env.bucket
    b.put_object("plain", b"x")
    b.put_object("d/inner", b"y")
    m = env.mount(["uid=1234", "gid=5678", "umask=027"])
    for p in ("plain", "d", "d/inner"):
        st = os.stat(m / p)
        assert (st.st_uid, st.st_gid) == (1234, 5678), p
        assert stat.S_IMODE(st.st_mode) & 0o027 == 0, f"{p}: umask=027 not applied to {st.st_mode:o}"


def test_native_oss_symlink_is_read(env):
    b = env.bucket
    b.put_object("target", b"via native symlink\n")
    b.put_symlink("target", "native-link")
    m = env.mount()
    assert stat.S_ISLNK(os.lstat(m / "native-link").st_mode)
    assert os.readlink(m / "native-link") == "target"
    assert read_file(m / "native-link") == b"via native symlink\n"


def test_symlink_in_meta_form_read_and_written(env):
    b = env.bucket
    b.put_object("target", b"t\n")
    encoded = urllib.parse.quote("target", safe="")
    b.put_object("meta-link", b"", headers={"x-oss-meta-mode": str(0o120777),
                                             "x-oss-meta-symlink-target": f"header:{len('target')}:{encoded}"})
    m = env.mount(["symlink_in_meta"])
    assert os.readlink(m / "meta-link") == "target"
    assert read_file(m / "meta-link") == b"t\n"
    os.symlink("dir with space/t", m / "new-link")
    h = {k.lower(): v for k, v in b.head_object("new-link").headers.items()}
    assert "x-oss-meta-symlink-target" in h, "symlink_in_meta: target must go in the header"
    kind, length, value = h["x-oss-meta-symlink-target"].split(":", 2)
    assert (kind, int(length), urllib.parse.unquote(value)) == ("header", 16, "dir with space/t")


@pytest.mark.parametrize("key", ["docs/readme.txt", "docs/"])
def test_ossfs1_object_keeps_its_metadata_when_only_read(env, key):
    """Reading and listing must never rewrite an object (ossfs 1.x users share buckets across versions)."""
    b = env.bucket
    put_ossfs1_tree(b)
    before = b.head_object(key)
    m = env.mount()
    os.listdir(m / "docs")
    read_file(m / "docs" / "readme.txt")
    after = b.head_object(key)
    assert (after.etag, after.last_modified) == (before.etag, before.last_modified)
