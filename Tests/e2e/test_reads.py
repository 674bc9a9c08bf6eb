"""Reads through the prefetcher: one and four concurrent sequential readers of a large file, random-offset
reads, a read-ahead budget smaller than one chunk, and a file replaced on the server while it is open."""
import errno
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2elib.tools import pattern

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
