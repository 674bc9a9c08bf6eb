"""`use_cache=DIR`: file data kept on local disk in 1 MiB blocks. A later mount reads a cached file without
fetching it again, random reads fetch whole blocks once, a replaced object is never read from its old
blocks, a damaged block is fetched again, and `del_cache` leaves nothing behind. GETs are counted in
oss-local's request log."""
import os
import random
import subprocess
import time

import pytest

from e2elib.tools import pattern, read_file

MiB = 1024 * 1024


def get_statuses(env, key: str, since: int) -> list:
    """The status of each GET of `key` in oss-local's log ("GET /bucket/key 206 3B 0ms GetObject")."""
    return [line.split()[2] for line in env.server.log_text()[since:].splitlines()
            if line.startswith("GET ") and line.split()[1].endswith("/" + key)]


def gets_of(env, key: str, since: int) -> int:
    return len(get_statuses(env, key, since))


def block_files(cache_dir) -> list:
    return [os.path.join(d, f) for d, _, files in os.walk(cache_dir) for f in files if not f.startswith(".tmp-")]


def wait_for_blocks(cache_dir, count: int) -> None:
    """Blocks are written as they arrive; wait a little for those of requests still ending."""
    for _ in range(300):
        if len(block_files(cache_dir)) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{len(block_files(cache_dir))} blocks cached, expected {count}")


def read_into_cache(env, cache, key: str, data: bytes, options=()):
    """Mounts with use_cache=`cache`, reads `key` through (it must equal `data`) and waits for its blocks."""
    m = env.mount([f"use_cache={cache}", *options])
    assert read_file(m / key) == data
    wait_for_blocks(cache, -(-len(data) // MiB))
    return m


@pytest.mark.oss_local(args=["--log"])
def test_a_later_mount_reads_a_cached_file_without_fetching_it_again(env, tmp_path):
    data = pattern(6 * MiB + 4321, 31)
    env.bucket.put_object("big", data)
    cache = tmp_path / "cache"
    m = read_into_cache(env, cache, "big", data)
    env.unmount(m)
    for f in block_files(cache):
        assert os.stat(f).st_mode & 0o077 == 0, "cached data is private to its owner"

    m = env.mount([f"use_cache={cache}"])
    os.stat(m / "big")   # the lookup: the stat cache now knows the version
    time.sleep(1.2)      # past the lookup's reuse window: the open checks the version itself
    before = len(env.server.log_text())
    assert read_file(m / "big") == data
    # The open's check is a GET conditional on the cached version: 304, no bytes; nothing is fetched after it.
    assert get_statuses(env, "big", before) == ["304"]


@pytest.mark.oss_local(args=["--log"])
def test_a_file_changed_since_it_was_cached_is_fetched_by_the_opens_get(env, tmp_path):
    old, new = pattern(2 * MiB, 37), pattern(2 * MiB + 5, 38)
    env.bucket.put_object("f", old)
    cache = tmp_path / "cache"
    m = read_into_cache(env, cache, "f", old)
    env.bucket.put_object("f", new)   # the stat cache still names the old version
    time.sleep(1.2)
    before = len(env.server.log_text())
    assert read_file(m / "f") == new
    assert get_statuses(env, "f", before)[0] == "206", "the conditional GET brought the new version's bytes"


@pytest.mark.oss_local(args=["--log"])
def test_random_reads_fetch_each_block_once(env, tmp_path):
    data = pattern(8 * MiB, 32)
    env.bucket.put_object("f", data)
    cache = tmp_path / "cache"
    m = env.mount([f"use_cache={cache}"])
    rng = random.Random(5)
    offsets = [rng.randrange(0, 8 * MiB - 4096) for _ in range(200)]
    fd = os.open(m / "f", os.O_RDONLY | os.O_DIRECT)
    try:
        buf = bytearray(4096)
        os.preadv(fd, [memoryview(buf)], 0)   # past the open
        before = len(env.server.log_text())
        for _ in range(2):
            for off in offsets:
                off -= off % 4096   # O_DIRECT wants aligned offsets
                n = os.preadv(fd, [memoryview(buf)], off)
                assert bytes(buf[:n]) == data[off:off + n]
        fetched = gets_of(env, "f", before)
    finally:
        os.close(fd)
    assert fetched <= 8, f"{fetched} GETs for 400 reads in 8 blocks"


def test_a_replaced_object_is_not_read_from_its_old_blocks(env, tmp_path):
    old, new = pattern(3 * MiB, 33), pattern(3 * MiB, 34)
    env.bucket.put_object("f", old)
    cache = tmp_path / "cache"
    m = read_into_cache(env, cache, "f", old)
    env.unmount(m)
    env.bucket.put_object("f", new)
    m = read_into_cache(env, cache, "f", new)
    assert len(block_files(cache)) == 3, "the old version's blocks went when the new one's came"


def test_a_damaged_block_is_fetched_again(env, tmp_path):
    data = pattern(2 * MiB, 35)
    env.bucket.put_object("f", data)
    cache = tmp_path / "cache"
    m = read_into_cache(env, cache, "f", data)
    env.unmount(m)
    for f in block_files(cache):
        with open(f, "r+b") as fh:
            fh.seek(-100, os.SEEK_END)
            b = fh.read(1)
            fh.seek(-100, os.SEEK_END)
            fh.write(bytes([b[0] ^ 0xFF]))
    m = env.mount([f"use_cache={cache}"])
    assert read_file(m / "f") == data


def test_del_cache_leaves_no_blocks_after_unmount(env, tmp_path):
    data = pattern(2 * MiB + 1, 36)
    env.bucket.put_object("f", data)
    cache = tmp_path / "cache"
    m = read_into_cache(env, cache, "f", data, ["del_cache"])
    env.unmount(m)
    assert block_files(cache) == []


@pytest.mark.oss_local(args=["--log"])
def test_a_file_written_through_the_mount_reads_back_from_the_cache(env, tmp_path):
    data = pattern(3 * MiB + 99, 39)
    src = tmp_path / "src"
    src.write_bytes(data)
    cache = tmp_path / "cache"
    m = env.mount([f"use_cache={cache}"])
    subprocess.run(["cp", str(src), str(m / "w")], check=True, timeout=60)
    assert env.bucket.get_object("w").read() == data
    time.sleep(1.2)   # past the reuse window: the open checks the version with the store
    before = len(env.server.log_text())
    assert read_file(m / "w") == data
    assert get_statuses(env, "w", before) in ([], ["304"]), "the bytes came from the cache"
