"""New files: create costs no request; the file exists locally (stat, ls, open by another process, rename,
rmdir refuses its directory) until its first upload creates the object at flush/close; O_EXCL creates never
replace an object another client made meanwhile."""
import errno
import os
import subprocess

import pytest

from e2elib import api
from e2elib.tools import pattern, read_file, sh, write_local


def test_created_file_is_visible_before_close_and_stored_at_close(env):
    m = env.mount()
    os.mkdir(m / "d")
    fd = os.open(m / "d" / "new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        os.write(fd, b"hello")
        assert not api.exists(env.bucket, "d/new")   # nothing stored before the first flush
        st = os.stat(m / "d" / "new")
        assert st.st_size == 5 and (st.st_mode & 0o777) == 0o640
        assert "new" in os.listdir(m / "d")
        # Another process opens and reads it through the mount.
        out = subprocess.run(["cat", str(m / "d" / "new")], capture_output=True, check=True).stdout
        assert out == b"hello"
        with pytest.raises(OSError) as e:
            os.rmdir(m / "d")
        assert e.value.errno == errno.ENOTEMPTY
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "d/new", b"hello")
    assert read_file(m / "d" / "new") == b"hello"


def test_empty_created_file_is_stored_at_close(env):
    m = env.mount()
    sh(["touch", str(m / "empty")])
    api.assert_object(env.bucket, "empty", b"")
    assert os.stat(m / "empty").st_size == 0


def test_rename_of_a_file_not_yet_uploaded(env):
    m = env.mount()
    fd = os.open(m / "a", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"moved before close")
        os.rename(m / "a", m / "b")
        assert not os.path.exists(m / "a")
        assert os.stat(m / "b").st_size == len(b"moved before close")
        os.write(fd, b"!")
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "b", b"moved before close!")
    assert not api.exists(env.bucket, "a")


def test_unlink_of_a_file_not_yet_uploaded(env):
    m = env.mount()
    fd = os.open(m / "gone", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"x" * 100)
        os.unlink(m / "gone")
        assert not os.path.exists(m / "gone")
    finally:
        os.close(fd)
    assert not api.exists(env.bucket, "gone")
    assert "gone" not in os.listdir(m / "")


def test_exclusive_create_never_replaces_an_object_made_meanwhile(env):
    m = env.mount()
    fd = os.open(m / "race", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, b"ours")
        env.bucket.put_object("race", b"theirs")   # another client wins the name before our close
        with pytest.raises(OSError) as e:
            os.fsync(fd)
        assert e.value.errno == errno.EIO
    finally:
        with pytest.raises(OSError):
            os.close(fd)   # the flush at close fails the same way: the data stays staged
    assert api.get(env.bucket, "race") == b"theirs"


def test_plain_create_never_replaces_an_object_made_meanwhile_either(env):
    m = env.mount()
    fd = os.open(m / "lw", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"ours")
        env.bucket.put_object("lw", b"theirs")   # our "absent" answer went stale
    finally:
        with pytest.raises(OSError) as e:
            os.close(fd)
        assert e.value.errno == errno.EIO
    assert api.get(env.bucket, "lw") == b"theirs"


def test_cp_r_of_many_small_files(env, tmp_path):
    m = env.mount()
    src = tmp_path / "src"
    src.mkdir()
    files = {f"f{i:03d}": pattern(4096 + i, i) for i in range(200)}
    for name, body in files.items():
        write_local(src / name, body)
    sh(["cp", "-r", str(src), str(m / "tree")])
    assert sorted(os.listdir(m / "tree")) == sorted(files)
    for name, body in files.items():
        api.assert_object(env.bucket, f"tree/{name}", body)
