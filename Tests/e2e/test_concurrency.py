"""Concurrent writers on different files, several descriptors on one file, concurrent readers, concurrent
creates in one directory, and unlink of an open file (still readable until closed)."""
import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2elib import api
from e2elib.tools import pattern, read_file

MiB = 1024 * 1024


@pytest.mark.time_limit(600)
def test_concurrent_writers_on_different_files(env):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    sizes = [0, 1, 64 * 1024 + 3, MiB, 2 * MiB + 7, 6 * MiB + 1, 11 * MiB, 3 * MiB - 1]

    def writer(i):
        data = pattern(sizes[i], 100 + i)
        with open(m / f"w{i}", "wb") as f:
            for off in range(0, len(data), 64 * 1024 + i):   # interleaved, differently sized writes
                f.write(data[off:off + 64 * 1024 + i])
        return data

    with ThreadPoolExecutor(len(sizes)) as pool:
        datas = list(pool.map(writer, range(len(sizes))))
    for i, data in enumerate(datas):
        api.assert_object(env.bucket, f"w{i}", data)
        assert read_file(m / f"w{i}") == data
    assert api.incomplete_uploads(env.bucket) == []


def test_several_descriptors_on_one_file(env):
    m = env.mount()
    (m / "shared").write_bytes(b"." * 100)
    a = os.open(m / "shared", os.O_RDWR)
    b = os.open(m / "shared", os.O_RDWR)
    r = os.open(m / "shared", os.O_RDONLY)
    try:
        os.pwrite(a, b"AAAA", 0)
        os.pwrite(b, b"BBBB", 50)
        assert os.pread(r, 100, 0) == b"AAAA" + b"." * 46 + b"BBBB" + b"." * 46
        os.pwrite(b, b"tail", 100)
        os.close(a)
        a = -1
        assert os.pread(r, 200, 96) == b"." * 4 + b"tail"
    finally:
        for fd in (a, b, r):
            if fd >= 0:
                os.close(fd)
    api.assert_object(env.bucket, "shared", b"AAAA" + b"." * 46 + b"BBBB" + b"." * 46 + b"tail")


def test_concurrent_readers(env):
    data = pattern(9 * MiB + 5, 77)
    env.bucket.put_object("r", data)
    m = env.mount()

    def reader(seed):
        rng = random.Random(seed)
        with open(m / "r", "rb") as f:
            for _ in range(40):
                off = rng.randrange(0, len(data))
                n = rng.choice([1, 4096, 100000, MiB])
                if os.pread(f.fileno(), n, off) != data[off:off + n]:
                    return f"seed {seed}: pread({n}, {off}) differs"
            if rng.random() < 0.5:
                f.seek(0)
                if f.read() != data:
                    return f"seed {seed}: whole read differs"
        return None

    with ThreadPoolExecutor(6) as pool:
        errors = [e for e in pool.map(reader, range(6)) if e]
    assert errors == []


def test_concurrent_creates_in_one_directory(env):
    m = env.mount()
    os.mkdir(m / "d")

    def create(i):
        (m / "d" / f"c{i:02d}").write_bytes(str(i).encode())

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(create, range(64)))
    assert sorted(os.listdir(m / "d")) == [f"c{i:02d}" for i in range(64)]
    assert api.list_keys(env.bucket, "d/") == ["d/"] + [f"d/c{i:02d}" for i in range(64)]


def test_unlink_of_open_file_keeps_it_readable_until_closed(env):
    m = env.mount()
    data = pattern(3 * MiB + 3, 5)
    (m / "gone").write_bytes(data)
    fd = os.open(m / "gone", os.O_RDONLY)
    try:
        assert os.pread(fd, 10, 0) == data[:10]
        os.unlink(m / "gone")
        assert not (m / "gone").exists()
        assert "gone" not in os.listdir(m.path)
        assert not api.exists(env.bucket, "gone")
        assert os.pread(fd, len(data) + 1, 0) == data   # the whole content, not just what was read before
        assert os.fstat(fd).st_size == len(data)
    finally:
        os.close(fd)
    # an open writer that survives unlink: it writes to an orphan, and nothing reappears in OSS
    w = os.open(m / "orphan", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.write(w, b"before ")
        os.unlink(m / "orphan")
        os.write(w, b"after")
        assert os.pread(w, 100, 0) == b"before after"
    finally:
        os.close(w)
    assert not api.exists(env.bucket, "orphan")
    assert not (m / "orphan").exists()
    # the name is free again for a new file
    (m / "gone").write_bytes(b"new")
    api.assert_object(env.bucket, "gone", b"new")


def test_many_files_open_at_once(env):
    m = env.mount()
    files = [open(m / f"open{i:03d}", "wb") for i in range(300)]
    try:
        for i, f in enumerate(files):
            f.write(f"file {i}\n".encode() * 10)
            f.flush()
        for i, f in enumerate(reversed(files)):
            f.write(b"end\n")
    finally:
        for f in files:
            f.close()
    assert len(api.list_keys(env.bucket)) == 300
    for i in range(0, 300, 7):
        assert api.get(env.bucket, f"open{i:03d}") == f"file {i}\n".encode() * 10 + b"end\n"
