"""The metadata paths at scale: ls -l of a directory bigger than a listing page and a readdirplus batch
(modes and owners as ossfs wrote them), rm -r, mv of a directory over the 1000-key delete batch, and a
directory this mount made, which answers lookups itself, still showing another client's file after the TTL."""
import concurrent.futures
import os
import stat
import time

import pytest

from e2elib import api
from e2elib.tools import read_file, sh

OSSFS_META = {"Content-Type": "application/octet-stream"}


def put_many(bucket, keys, body=b"x", headers=None):
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: bucket.put_object(k, body, headers=headers or {}), keys))


@pytest.mark.time_limit(600)
def test_ls_l_of_a_big_directory_shows_what_ossfs_wrote(env):
    b = env.bucket
    # Objects as ossfs writes them (x-oss-meta-mode/uid/gid), more than a listing page.
    put_many(b, [f"big/f{i:04d}" for i in range(1100)],
             headers={**OSSFS_META, api.META_MODE: str(0o100640), api.META_UID: "1234", api.META_GID: "99"})
    m = env.mount()
    # And a few made through this mount, with their own modes and owners.
    for i, mode in enumerate([0o600, 0o755, 0o444]):
        p = m / "big" / f"own{i}"
        p.write_bytes(b"mine")
        os.chmod(p, mode)
        os.chown(p, 500 + i, 600 + i)
    env.unmount(m)

    m = env.mount()   # cold: nothing cached
    out = sh(["ls", "-ln", "--time-style=+%s", str(m / "big")], timeout=300).stdout.decode().splitlines()
    rows = {line.split()[-1]: line.split() for line in out[1:]}
    assert len(rows) == 1103
    for i in range(0, 1100, 37):
        r = rows[f"f{i:04d}"]
        assert r[0] == "-rw-r-----" and r[2] == "1234" and r[3] == "99" and r[4] == "1", r
    for i, mode in enumerate(["-rw-------", "-rwxr-xr-x", "-r--r--r--"]):
        r = rows[f"own{i}"]
        assert (r[0], r[2], r[3], r[4]) == (mode, str(500 + i), str(600 + i), "4"), r
    # The kernel's later stat calls agree with the listing.
    st = os.stat(m / "big" / "f0042")
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_uid == 1234 and st.st_gid == 99


@pytest.mark.time_limit(600)
def test_rm_r_removes_every_key(env):
    m = env.mount()
    os.makedirs(m / "tree" / "a" / "b")
    for i in range(300):
        (m / "tree" / f"f{i:03d}").write_bytes(b"1")
    for i in range(20):
        (m / "tree" / "a" / "b" / f"g{i}").write_bytes(b"2")
    env.unmount(m)
    m = env.mount()
    sh(["rm", "-r", str(m / "tree")], timeout=300)
    assert not (m / "tree").exists()
    assert api.list_keys(env.bucket, "tree") == []


@pytest.mark.time_limit(600)
def test_mv_of_a_directory_bigger_than_a_delete_batch(env):
    b = env.bucket
    put_many(b, [f"src/f{i:04d}" for i in range(1100)], body=b"data")
    b.put_object("src/sub/deep", b"deep")
    m = env.mount()
    sh(["mv", str(m / "src"), str(m / "dst")], timeout=300)
    assert api.list_keys(b, "src") == []
    keys = api.list_keys(b, "dst/")
    assert len(keys) == 1101
    assert read_file(m / "dst" / "f1099") == b"data"
    assert read_file(m / "dst" / "sub" / "deep") == b"deep"
    assert not (m / "src").exists()


def test_new_directory_shows_another_clients_file_after_the_ttl(env):
    b = env.bucket
    m = env.mount(["stat_cache_expire=1"])
    os.mkdir(m / "new")
    (m / "new" / "mine").write_bytes(b"mine")
    assert not (m / "new" / "theirs").exists()   # answered by this mount: it made the directory
    b.put_object("new/theirs", b"theirs")
    deadline = time.monotonic() + 3
    while not (m / "new" / "theirs").exists():
        assert time.monotonic() < deadline, "another client's file not visible within the TTL + 2 s"
        time.sleep(0.1)
    assert read_file(m / "new" / "theirs") == b"theirs"
    assert sorted(os.listdir(m / "new")) == ["mine", "theirs"]
