"""Writes at any offset: random pwrites, range overwrites, sparse files, O_APPEND, O_TRUNC, truncate to any
size, and readers of a file while it is being written. Every result is compared with a model in memory,
through the mount and through the API (content and CRC-64)."""
import os
import random

from e2elib import api
from e2elib.tools import pattern, read_file, sh, write_local

MiB = 1024 * 1024
MULTIPART = ["multipart_size=5", "multipart_threshold=5"]


def test_random_offset_writes_over_a_multipart_file(env, tmp_path):
    m = env.mount(MULTIPART)
    seed = 424242
    rng = random.Random(seed)
    model = bytearray(pattern(12 * MiB + 3, 9))
    write_local(tmp_path / "src", bytes(model))
    sh(["cp", str(tmp_path / "src"), str(m / "r")])
    fd = os.open(m / "r", os.O_RDWR)
    try:
        for i in range(200):
            off = rng.randrange(0, len(model) + MiB)
            chunk = rng.randbytes(rng.randrange(1, 70000))
            assert os.pwrite(fd, chunk, off) == len(chunk)
            if off > len(model):
                model.extend(b"\0" * (off - len(model)))
            model[off:off + len(chunk)] = chunk
            if i % 20 == 0:  # reads through the same descriptor see the writes before close
                roff = rng.randrange(0, len(model))
                assert os.pread(fd, 100000, roff) == bytes(model[roff:roff + 100000]), f"seed {seed}, step {i}"
        assert os.fstat(fd).st_size == len(model)
    finally:
        os.close(fd)
    assert read_file(m / "r") == bytes(model), f"seed {seed}"
    api.assert_object(env.bucket, "r", bytes(model))


def test_overwrite_ranges_with_dd_notrunc(env, tmp_path):
    m = env.mount(MULTIPART)
    model = bytearray(pattern(7 * MiB, 7))
    write_local(tmp_path / "src", bytes(model))
    sh(["cp", str(tmp_path / "src"), str(m / "o")])
    for seek, n in [(0, 10), (5 * MiB - 5, 10), (7 * MiB - 1, 1), (3 * MiB + 17, 200000)]:
        patch = pattern(n, seek)
        write_local(tmp_path / "patch", patch)
        # odd block size, byte-addressed seek, no truncation: dd rewrites just this range
        sh(["dd", f"if={tmp_path / 'patch'}", f"of={m / 'o'}", "bs=4099", "oflag=seek_bytes", f"seek={seek}",
            "conv=notrunc", "status=none"])
        model[seek:seek + n] = patch
    assert os.stat(m / "o").st_size == 7 * MiB
    assert read_file(m / "o") == bytes(model)
    api.assert_object(env.bucket, "o", bytes(model))


def test_sparse_files(env):
    m = env.mount(MULTIPART)
    with open(m / "sparse", "wb") as f:
        f.seek(9 * MiB)
        f.write(b"end")
    expected = b"\0" * (9 * MiB) + b"end"
    assert os.stat(m / "sparse").st_size == len(expected)
    assert read_file(m / "sparse") == expected
    api.assert_object(env.bucket, "sparse", expected)
    # a hole in the middle of written data, and a file made only of a hole
    with open(m / "holes", "wb") as f:
        f.write(b"A" * 1000)
        f.seek(6 * MiB)
        f.write(b"B" * 1000)
    api.assert_object(env.bucket, "holes", b"A" * 1000 + b"\0" * (6 * MiB - 1000) + b"B" * 1000)
    sh(["truncate", "-s", "3M", str(m / "empty-hole")])
    api.assert_object(env.bucket, "empty-hole", b"\0" * (3 * MiB))


def test_append_with_shell_redirection_and_o_append(env):
    m = env.mount()
    sh(f"for i in $(seq 1 50); do echo line $i >> '{m / 'log'}'; done")
    expected = b"".join(f"line {i}\n".encode() for i in range(1, 51))
    assert read_file(m / "log") == expected
    api.assert_object(env.bucket, "log", expected)
    # O_APPEND writes land at the end even after a seek to 0
    fd = os.open(m / "log", os.O_WRONLY | os.O_APPEND)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, b"tail\n")
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "log", expected + b"tail\n")


def test_truncate_shrink_grow_and_zero(env, tmp_path):
    m = env.mount(MULTIPART)
    data = pattern(6 * MiB + 5, 6)
    write_local(tmp_path / "src", data)
    sh(["cp", str(tmp_path / "src"), str(m / "t")])
    sh(["truncate", "-s", "1000", str(m / "t")])
    assert os.stat(m / "t").st_size == 1000
    api.assert_object(env.bucket, "t", data[:1000])
    sh(["truncate", "-s", "3M", str(m / "t")])
    grown = data[:1000] + b"\0" * (3 * MiB - 1000)
    assert read_file(m / "t") == grown
    api.assert_object(env.bucket, "t", grown)
    sh(["truncate", "-s", "0", str(m / "t")])
    api.assert_object(env.bucket, "t", b"")
    # ftruncate on an open descriptor, then writes after the new end
    with open(m / "t", "r+b") as f:
        f.write(b"0123456789")
        f.truncate(4)
        f.seek(8)
        f.write(b"X")
    api.assert_object(env.bucket, "t", b"0123\0\0\0\0X")
    # truncating an empty file to a non-zero size (rsync does this: ossfs 1.x issue #26)
    sh(["touch", str(m / "e")])
    os.truncate(m / "e", 10)
    api.assert_object(env.bucket, "e", b"\0" * 10)


def test_o_trunc_replaces_content(env):
    m = env.mount()
    (m / "x").write_bytes(b"a much longer first version\n")
    with open(m / "x", "wb") as f:   # O_WRONLY|O_CREAT|O_TRUNC
        f.write(b"v2\n")
    assert read_file(m / "x") == b"v2\n"
    api.assert_object(env.bucket, "x", b"v2\n")


def test_reader_sees_data_while_file_is_written(env):
    m = env.mount(MULTIPART)
    chunks = [pattern(MiB + i, i) for i in range(7)]
    written = b""
    with open(m / "grow", "wb") as w:
        for c in chunks:
            w.write(c)
            w.flush()
            written += c
            with open(m / "grow", "rb") as r:
                assert r.read() == written
    api.assert_object(env.bucket, "grow", written)


def test_close_returns_only_when_object_is_durable(env):
    """After close() returns, the object is complete in OSS (no waiting, no polling)."""
    m = env.mount(MULTIPART)
    data = pattern(8 * MiB + 1, 8)
    with open(m / "durable", "wb") as f:
        f.write(data)
    api.assert_object(env.bucket, "durable", data)
    data2 = pattern(100, 1)
    fd = os.open(m / "durable2", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, data2)
    os.fsync(fd)  # fsync alone must make it durable, before close
    api.assert_object(env.bucket, "durable2", data2)
    os.close(fd)
