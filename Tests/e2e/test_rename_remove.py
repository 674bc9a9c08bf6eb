"""mv of files and of a directory of hundreds of files (every key checked through the API), rename replacing
a target, rename of an open file, rm -r of a tree."""
import os

import pytest

from e2elib import api
from e2elib.tools import pattern, read_file, sh, write_local

MiB = 1024 * 1024


def test_mv_file_keeps_content_and_metadata(env):
    m = env.mount()
    os.mkdir(m / "dst")
    (m / "f").write_bytes(b"payload\n")
    os.chmod(m / "f", 0o600)
    sh(["mv", str(m / "f"), str(m / "dst" / "g")])
    assert not (m / "f").exists()
    assert read_file(m / "dst" / "g") == b"payload\n"
    assert not api.exists(env.bucket, "f")
    h = api.assert_object(env.bucket, "dst/g", b"payload\n")
    assert int(h[api.META_MODE]) == 0o100600


def test_rename_replaces_target(env):
    m = env.mount()
    (m / "x").write_bytes(b"new content\n")
    (m / "y").write_bytes(b"old, longer content that must disappear\n")
    os.rename(m / "x", m / "y")
    assert read_file(m / "y") == b"new content\n"
    assert sorted(os.listdir(m.path)) == ["y"]
    assert api.list_keys(env.bucket) == ["y"]
    api.assert_object(env.bucket, "y", b"new content\n")


def test_rename_empty_directory_over_empty_directory(env):
    m = env.mount()
    os.mkdir(m / "a")
    os.mkdir(m / "b")
    os.rename(m / "a", m / "b")
    assert api.list_keys(env.bucket) == ["b/"]
    os.mkdir(m / "c")
    (m / "b" / "child").write_bytes(b"1")
    with pytest.raises(OSError):   # ENOTEMPTY (or EEXIST): the target directory is not empty
        os.rename(m / "c", m / "b")
    assert api.list_keys(env.bucket) == ["b/", "b/child", "c/"]


@pytest.mark.time_limit(600)
def test_mv_directory_of_hundreds_of_files(env):
    m = env.mount()
    os.makedirs(m / "d" / "sub")
    expected = {}
    for i in range(300):
        data = f"file {i}\n".encode() * (i % 7 + 1)
        (m / "d" / f"f{i:03d}").write_bytes(data)
        expected[f"f{i:03d}"] = data
    for i in range(20):
        data = pattern(i * 100, i)
        (m / "d" / "sub" / f"s{i:02d}").write_bytes(data)
        expected[f"sub/s{i:02d}"] = data
    os.symlink("f000", m / "d" / "link")
    sh(["mv", str(m / "d"), str(m / "e")], timeout=600)
    assert not (m / "d").exists()
    keys = api.list_keys(env.bucket)
    left = [k for k in keys if k.startswith("d/")]
    assert left == [], f"{len(left)} keys left under d/: {left[:10]}"
    moved = {k[2:] for k in keys if k.startswith("e/")}
    assert moved == set(expected) | {"", "sub/", "link"}, \
        f"missing {sorted(set(expected) - moved)[:10]}, unexpected {sorted(moved - set(expected) - {'', 'sub/', 'link'})[:10]}"
    for rel, data in expected.items():
        assert api.get(env.bucket, "e/" + rel) == data, rel
    assert os.readlink(m / "e" / "link") == "f000"
    assert sorted(os.listdir(m / "e")) == sorted([f"f{i:03d}" for i in range(300)] + ["sub", "link"])
    assert read_file(m / "e" / "sub" / "s05") == expected["sub/s05"]


def test_rename_large_file_keeps_crc(env, tmp_path):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    data = pattern(13 * MiB + 1, 13)
    write_local(tmp_path / "src", data)
    sh(["cp", str(tmp_path / "src"), str(m / "big")])
    sh(["mv", str(m / "big"), str(m / "big2")])
    api.assert_object(env.bucket, "big2", data)
    assert not api.exists(env.bucket, "big")


def test_rename_before_close(env):
    m = env.mount()
    f = open(m / "before", "wb")
    try:
        f.write(b"first half, ")
        f.flush()
        os.rename(m / "before", m / "after")
        f.write(b"second half")
    finally:
        f.close()
    assert read_file(m / "after") == b"first half, second half"
    api.assert_object(env.bucket, "after", b"first half, second half")
    assert not api.exists(env.bucket, "before")


def test_rm_r_removes_every_key(env):
    m = env.mount()
    for d in ("t", "t/a", "t/a/b", "t/c"):
        os.mkdir(m / d)
    for i in range(30):
        (m / "t" / ("a/b" if i % 2 else "c") / f"f{i}").write_bytes(b"z" * i)
    os.symlink("a", m / "t" / "l")
    env.bucket.put_object("t/c/from-sdk", b"x")      # never seen by the mount before rm -r lists it
    env.bucket.put_object("t/implicit/deep/k", b"y")  # an implicit directory
    (m / "keep").write_bytes(b"k")
    sh(["rm", "-r", str(m / "t")])
    assert not (m / "t").exists()
    assert api.list_keys(env.bucket) == ["keep"]
