"""mkdir/rmdir, symlinks, chmod/chown/touch persisted as ossfs 1.x metadata (shared/docs/ossfs1-compat.md §4),
hard links and FIFOs refused clearly, statfs, RENAME_NOREPLACE."""
import ctypes
import errno
import os
import stat

import pytest

from e2elib import api
from e2elib.tools import sh


def meta_int(h: dict, name: str) -> int:
    assert name in h, f"missing {name} (headers: {sorted(k for k in h if k.startswith('x-oss-meta-'))})"
    return int(h[name], 0)


def test_new_file_carries_ossfs1_metadata(env):
    m = env.mount()
    (m / "f").write_bytes(b"x")
    st = os.stat(m / "f")
    h = api.headers(env.bucket, "f")
    assert meta_int(h, api.META_MODE) == st.st_mode
    assert stat.S_ISREG(meta_int(h, api.META_MODE))
    assert meta_int(h, api.META_UID) == st.st_uid == os.geteuid()
    assert meta_int(h, api.META_GID) == st.st_gid == os.getegid()
    assert abs(float(h[api.META_MTIME]) - st.st_mtime) < 1.0


def test_mkdir_writes_directory_markers_and_rmdir_removes_them(env):
    m = env.mount()
    os.makedirs(m / "a" / "b" / "c")
    for key in ("a/", "a/b/", "a/b/c/"):
        h = api.headers(env.bucket, key)
        assert int(h["content-length"]) == 0
        assert h["content-type"] == api.DIR_CONTENT_TYPE, f"{key}: Content-Type {h['content-type']}"
        mode = meta_int(h, api.META_MODE)
        assert stat.S_ISDIR(mode), f"{key}: x-oss-meta-mode {mode:o} is not a directory mode"
        assert mode == os.stat(m / key.rstrip("/")).st_mode
    with pytest.raises(OSError) as e:
        os.rmdir(m / "a")
    assert e.value.errno == errno.ENOTEMPTY
    os.rmdir(m / "a" / "b" / "c")
    assert not api.exists(env.bucket, "a/b/c/")
    assert api.exists(env.bucket, "a/b/")
    with pytest.raises(FileExistsError):
        os.mkdir(m / "a")


def test_rmdir_sees_children_it_never_listed(env):
    """A child put by another client (no lookup ever cached it) still makes rmdir ENOTEMPTY."""
    m = env.mount()
    os.mkdir(m / "d")
    env.bucket.put_object("d/from-sdk", b"1")
    with pytest.raises(OSError) as e:
        os.rmdir(m / "d")
    assert e.value.errno == errno.ENOTEMPTY
    assert api.exists(env.bucket, "d/")


def test_symlink_readlink_and_ossfs1_form(env):
    m = env.mount()
    (m / "target").write_bytes(b"pointed at\n")
    os.symlink("target", m / "rel")
    os.symlink("/etc/hostname-does-not-matter", m / "abs")
    os.symlink("missing", m / "dangling")
    assert os.readlink(m / "rel") == "target"
    assert os.readlink(m / "abs") == "/etc/hostname-does-not-matter"
    assert (m / "rel").read_bytes() == b"pointed at\n"
    assert stat.S_ISLNK(os.lstat(m / "dangling").st_mode)
    assert sh(["readlink", str(m / "rel")]).stdout == b"target\n"
    # ossfs 1.x default form: the body is the target, x-oss-meta-mode has S_IFLNK
    for key, target in (("rel", b"target"), ("abs", b"/etc/hostname-does-not-matter")):
        h = api.headers(env.bucket, key)
        assert stat.S_ISLNK(meta_int(h, api.META_MODE)), f"{key}: mode {h.get(api.META_MODE)}"
        assert api.get(env.bucket, key) == target
    # a fresh mount reads the link back from OSS
    m2 = env.mount()
    assert os.readlink(m2 / "rel") == "target"
    assert (m2 / "rel").read_bytes() == b"pointed at\n"
    os.unlink(m / "rel")
    assert not api.exists(env.bucket, "rel")
    assert api.exists(env.bucket, "target")


def test_chmod_chown_touch_persist_as_metadata(env):
    m = env.mount()
    (m / "f").write_bytes(b"data")
    os.mkdir(m / "d")
    sh(["chmod", "640", str(m / "f")])
    sh(["chmod", "700", str(m / "d")])
    sh(["chown", "1234:5678", str(m / "f")])
    sh(["touch", "-d", "2021-03-04 05:06:07 UTC", str(m / "f")])
    sh(["touch", "-m", "-d", "2020-01-02 03:04:05.25 UTC", str(m / "d")])
    hf = api.headers(env.bucket, "f")
    assert meta_int(hf, api.META_MODE) == stat.S_IFREG | 0o640
    assert meta_int(hf, api.META_UID) == 1234
    assert meta_int(hf, api.META_GID) == 5678
    assert hf[api.META_MTIME] == "1614834367", "mtime: epoch seconds, no fraction when nsec is 0"
    hd = api.headers(env.bucket, "d/")
    assert meta_int(hd, api.META_MODE) == stat.S_IFDIR | 0o700
    assert hd[api.META_MTIME] == "1577934245.250000000", "mtime: .NNNNNNNNN when nsec is not 0"
    assert api.get(env.bucket, "f") == b"data", "metadata changes must keep the content"
    # a second, fresh mount sees the persisted attributes
    m2 = env.mount()
    st = os.stat(m2 / "f")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns) == (0o640, 1234, 5678, 1614834367 * 10**9)
    sd = os.stat(m2 / "d")
    assert stat.S_IMODE(sd.st_mode) == 0o700
    assert sd.st_mtime_ns == 1577934245 * 10**9 + 250_000_000


def test_chmod_of_open_file_and_of_multipart_object(env, tmp_path):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    data = os.urandom(11 * 1024 * 1024)
    (tmp_path / "big").write_bytes(data)
    sh(["cp", str(tmp_path / "big"), str(m / "big")])
    os.chmod(m / "big", 0o600)   # a metadata change of an object above the copy-part size
    h = api.assert_object(env.bucket, "big", data)
    assert meta_int(h, api.META_MODE) == stat.S_IFREG | 0o600
    with open(m / "open", "wb") as f:
        f.write(b"abc")
        f.flush()   # the data is in the daemon (not Python's buffer) when chmod arrives
        os.chmod(m / "open", 0o604)
        f.write(b"def")
    h = api.assert_object(env.bucket, "open", b"abcdef")
    assert meta_int(h, api.META_MODE) == stat.S_IFREG | 0o604


def test_hard_links_and_fifos_are_refused_clearly(env):
    m = env.mount()
    (m / "f").write_bytes(b"1")
    with pytest.raises(OSError) as e:
        os.link(m / "f", m / "hard")
    assert e.value.errno in (errno.EPERM, errno.EOPNOTSUPP), errno.errorcode.get(e.value.errno)
    with pytest.raises(OSError) as e:
        os.mkfifo(m / "fifo")
    assert e.value.errno in (errno.EPERM, errno.EOPNOTSUPP), errno.errorcode.get(e.value.errno)
    assert not api.exists(env.bucket, "hard")
    assert not api.exists(env.bucket, "fifo")


def test_statfs_reports_space(env):
    m = env.mount()
    st = os.statvfs(m.path)
    assert st.f_bsize > 0 and st.f_blocks > 0 and st.f_bavail > 0
    assert st.f_namemax >= 255
    sh(["df", str(m.path)])


RENAME_NOREPLACE = 1


def renameat2(src, dst, flags) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD = -100
    if libc.renameat2(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def test_rename_noreplace(env):
    m = env.mount()
    (m / "a").write_bytes(b"A")
    (m / "b").write_bytes(b"B")
    with pytest.raises(OSError) as e:
        renameat2(m / "a", m / "b", RENAME_NOREPLACE)
    assert e.value.errno == errno.EEXIST
    assert api.get(env.bucket, "b") == b"B"
    renameat2(m / "a", m / "c", RENAME_NOREPLACE)
    assert api.get(env.bucket, "c") == b"A"
    assert not api.exists(env.bucket, "a")


@pytest.mark.skipif(not os.path.exists("/etc/mime.types"), reason="no /etc/mime.types")
def test_content_type_from_mime_types(env):
    m = env.mount()
    for name in ("page.html", "notes.txt", "data.json", "noext"):
        (m / name).write_bytes(b"{}")
    ct = {n: api.headers(env.bucket, n)["content-type"] for n in ("page.html", "notes.txt", "data.json", "noext")}
    assert ct["page.html"].startswith("text/html"), ct
    assert ct["notes.txt"].startswith("text/plain"), ct
    assert ct["data.json"].startswith("application/json"), ct
    assert ct["noext"] == "application/octet-stream", ct


def test_touch_without_date_sets_now_and_cp_p_keeps_time(env, tmp_path):
    import time
    m = env.mount()
    (m / "f").write_bytes(b"x")
    os.utime(m / "f", (1_000_000_000, 1_000_000_000))
    before = time.time()
    sh(["touch", str(m / "f")])
    st = os.stat(m / "f")
    assert st.st_mtime >= before - 2, "touch must set the mtime to now"
    assert abs(float(api.headers(env.bucket, "f")[api.META_MTIME]) - st.st_mtime) < 1
    (tmp_path / "old").write_bytes(b"old")
    os.utime(tmp_path / "old", (1_200_000_000, 1_200_000_000))
    sh(["cp", "-p", str(tmp_path / "old"), str(m / "old")])
    assert os.stat(m / "old").st_mtime == 1_200_000_000
    assert api.headers(env.bucket, "old")[api.META_MTIME] == "1200000000"


def test_default_acl_applies_to_new_objects(env):
    m = env.mount(["default_acl=public-read"])
    (m / "pub").write_bytes(b"p")
    assert env.bucket.get_object_acl("pub").acl == "public-read"
