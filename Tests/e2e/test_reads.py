"""Reads through the prefetcher: one and four concurrent sequential readers of a large file, random-offset
reads, a read-ahead budget smaller than one chunk, a file replaced on the server while it is open, `cat`
of a directory of small files (the directory read-ahead), and small files handed to the page cache at open."""
import errno
import os
import random
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2elib.tools import pattern, read_file, resident_after_open

MiB = 1024 * 1024


def read_sequentially(path, block):
    out = bytearray()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(block)
            if not b:
                return bytes(out)
            out += b


@pytest.mark.time_limit(600)
def test_one_and_four_sequential_readers_get_the_object(env):
    data = pattern(40 * MiB + 12345, 5)
    env.bucket.put_object("big", data)
    m = env.mount()
    assert read_sequentially(m / "big", MiB) == data
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda b: read_sequentially(m / "big", b), [4096, 128 * 1024, MiB, 3 * MiB + 1]))
    for g in got:
        assert g == data


@pytest.mark.time_limit(600)
def test_random_offset_reads_match_the_object(env):
    data = pattern(24 * MiB + 7, 9)
    env.bucket.put_object("r", data)
    m = env.mount()
    rng = random.Random(1234)
    fd = os.open(m / "r", os.O_RDONLY)
    try:
        for _ in range(300):
            size = rng.choice([1, 4096, 65536, 128 * 1024, 1 * MiB + 3])
            off = rng.randrange(0, len(data) + 100)
            assert os.pread(fd, size, off) == data[off:off + size], (off, size)
            if rng.random() < 0.3:   # a short sequential run from there
                for _ in range(4):
                    off += size
                    assert os.pread(fd, size, off) == data[off:off + size], (off, size)
    finally:
        os.close(fd)


@pytest.mark.time_limit(600)
def test_a_budget_below_one_chunk_still_reads_everything(env):
    data = pattern(20 * MiB + 1, 11)
    env.bucket.put_object("f", data)
    m = env.mount(["direct_read_prefetch_limit=0"])
    with ThreadPoolExecutor(3) as pool:
        for g in pool.map(lambda _: read_sequentially(m / "f", 256 * 1024), range(3)):
            assert g == data


def test_object_replaced_while_open_fails_the_reads_instead_of_mixing(env):
    old = pattern(30 * MiB, 1)
    env.bucket.put_object("v", old)
    m = env.mount()
    fd = os.open(m / "v", os.O_RDONLY)
    try:
        assert os.pread(fd, MiB, 0) == old[:MiB]
        env.bucket.put_object("v", pattern(30 * MiB, 2))
        got = bytearray()
        with pytest.raises(OSError) as e:
            off = MiB
            while off < len(old):
                b = os.pread(fd, MiB, off)
                assert b == old[off:off + len(b)], "bytes of the new version mixed into the old"
                got += b
                off += len(b)
        assert e.value.errno in (errno.ESTALE, errno.EIO)
    finally:
        os.close(fd)
    # A new open sees the new version, once the kernel's (asynchronous) release of the old descriptor has let
    # go of the old version's open state.
    for _ in range(50):
        try:
            assert (m / "v").read_bytes() == pattern(30 * MiB, 2)
            break
        except OSError as err:
            assert err.errno == errno.ESTALE, err
            time.sleep(0.1)
    else:
        pytest.fail("a new open kept reading the replaced version")


@pytest.mark.oss_local(args=["--log"])
@pytest.mark.time_limit(300)
def test_cat_of_a_directory_of_small_files_fetches_each_once(env):
    """`cat dir/*` after a cold mount reads every file right, in the glob's order, with one GET per file: the
    directory read-ahead's GETs stand in for those of cat's opens, they do not come on top of them."""
    names = [f"f{i:03d}" for i in range(200)]
    bodies = {n: pattern(1 + 97 * i, i) for i, n in enumerate(names)}
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: env.bucket.put_object("small/" + n, bodies[n]), names))
    m = env.mount()
    before = len(env.server.log_text())
    r = subprocess.run(["bash", "-c", f"cat {shlex.quote(str(m / 'small'))}/*"], capture_output=True, timeout=120,
                       env={**os.environ, "LC_ALL": "C"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"".join(bodies[n] for n in names)
    gets = [line for line in env.server.log_text()[before:].splitlines()
            if line.startswith("GET ") and "/small/f" in line]
    fetched = [line.split()[1].rsplit("/", 1)[1] for line in gets]
    assert len(gets) == len(names), f"{len(gets)} GETs of {len(names)} files; twice: " + \
        str(sorted({n for n in fetched if fetched.count(n) > 1}))


def test_a_small_file_is_in_the_page_cache_once_opened(env):
    """The open's GET brought the whole file: the kernel gets it before the open returns, and the reads
    that follow send no READ. A file larger than that GET is not stored (nothing is read at open)."""
    small, big = pattern(10_000, 21), pattern(3 * MiB, 22)
    env.bucket.put_object("small", small)
    env.bucket.put_object("big", big)
    m = env.mount()
    os.stat(m / "small")
    os.stat(m / "big")
    time.sleep(1.2)   # past the lookup's reuse window: the opens GET the files' first bytes
    assert resident_after_open(m / "small") == (3, 3)
    assert read_file(m / "small") == small
    assert resident_after_open(m / "big") == (0, 3 * MiB // 4096)
    assert read_file(m / "big") == big


def test_an_older_longer_version_leaves_no_tail_in_the_page_cache(env):
    """The kernel still believes the old, longer size (its attributes are valid for 10 s) and holds the old
    version's pages when an open GETs a shorter new version whole: storing only the new bytes and keeping
    the cache would leave the old tail readable past the new end. The open then lets the kernel drop its
    pages and read, as it does for any other changed file."""
    old, new = pattern(8192, 23), pattern(4096, 24)
    env.bucket.put_object("f", old)
    m = env.mount(["attr_timeout=10", "entry_timeout=10"])
    assert os.stat(m / "f").st_size == 8192
    assert read_file(m / "f") == old   # the kernel now caches both pages
    env.bucket.put_object("f", new)
    time.sleep(1.2)   # past the lookup's reuse window: the open GETs the new version, all of it
    fd = os.open(m / "f", os.O_RDONLY)
    try:
        assert os.pread(fd, 8192, 0) == new
    finally:
        os.close(fd)
