"""Changes made by another client (the SDK) appear through the mount within the stat cache TTL
(mounted with stat_cache_expire=1; we allow the TTL plus two seconds of slack)."""
import errno
import os
import stat
import time

import pytest

from e2elib.tools import read_file

TTL = 1.0
SLACK = 2.0


def eventually(check, what: str):
    """Poll `check` until it returns True, at most TTL + SLACK seconds."""
    deadline = time.monotonic() + TTL + SLACK
    last = None
    while True:
        try:
            if check():
                return
        except OSError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not visible within {TTL + SLACK}s (last error: {last})")
        time.sleep(0.1)


def test_external_overwrite_create_delete_are_seen(env):
    b = env.bucket
    b.put_object("f", b"version one\n")
    b.put_object("doomed", b"d")
    m = env.mount(["stat_cache_expire=1"])
    assert read_file(m / "f") == b"version one\n"
    assert os.stat(m / "doomed").st_size == 1
    assert sorted(os.listdir(m.path)) == ["doomed", "f"]

    b.put_object("f", b"the second, longer version\n")
    b.put_object("created", b"new\n")
    b.delete_object("doomed")
    eventually(lambda: read_file(m / "f") == b"the second, longer version\n", "overwritten content")
    eventually(lambda: os.stat(m / "f").st_size == len(b"the second, longer version\n"), "new size")
    eventually(lambda: read_file(m / "created") == b"new\n", "created object")
    eventually(lambda: not os.path.exists(m / "doomed"), "deleted object")
    eventually(lambda: sorted(os.listdir(m.path)) == ["created", "f"], "listing")
    with pytest.raises(OSError) as e:
        os.stat(m / "doomed")
    assert e.value.errno == errno.ENOENT


def test_external_directory_and_metadata_changes_are_seen(env):
    b = env.bucket
    m = env.mount(["stat_cache_expire=1"])
    assert not os.path.exists(m / "newdir")   # now in the negative cache
    b.put_object("newdir/", b"", headers={"Content-Type": "application/x-directory", "x-oss-meta-mode": "16877"})
    b.put_object("implied/x", b"x")
    eventually(lambda: stat.S_ISDIR(os.stat(m / "newdir").st_mode), "external mkdir")
    eventually(lambda: os.listdir(m / "implied") == ["x"], "implicit directory")
    b.put_object("meta", b"m", headers={"x-oss-meta-mode": str(0o100600)})
    assert stat.S_IMODE(os.stat(m / "meta").st_mode) == 0o600
    b.update_object_meta("meta", {"x-oss-meta-mode": str(0o100644), "Content-Type": "text/plain"})
    eventually(lambda: stat.S_IMODE(os.stat(m / "meta").st_mode) == 0o644, "external chmod")


def test_own_writes_are_seen_immediately_with_default_cache(env):
    """Read-after-write through the same mount needs no TTL at all."""
    m = env.mount()
    (m / "w").write_bytes(b"one")
    assert read_file(m / "w") == b"one"
    (m / "w").write_bytes(b"two!")
    assert read_file(m / "w") == b"two!"
    os.unlink(m / "w")
    assert not os.path.exists(m / "w")


def test_a_longer_version_opened_within_the_stat_ttl_reads_to_its_new_end(env):
    """Another client replaces a file with a longer version while this mount still caches the old attributes
    (default stat_cache_expire). The open finds the new version and pins it; the kernel, which had just been
    given the old size, must ask for the size again, or `cat` stops at the old end with new bytes before it."""
    old, new = os.urandom(2 * 1024 * 1024), os.urandom(2 * 1024 * 1024 + 5)
    env.bucket.put_object("f", old)
    m = env.mount()
    assert read_file(m / "f") == old
    env.bucket.put_object("f", new)
    time.sleep(1.2)   # past the lookup's reuse window: the open asks the store
    assert read_file(m / "f") == new
