"""Files from 0 bytes to several multipart parts, written with cp and dd, read back through the mount,
and checked through the API by content and by x-oss-hash-crc64ecma against our own CRC-64.

The mounts use multipart_size=5 (MB, the minimum) and multipart_threshold=5, so a 16 MB file is 4 parts.
"""
import os
import random

import oss2
import pytest

from e2elib import api
from e2elib.tools import pattern, read_file, sh, write_local

MiB = 1024 * 1024
PART = 5 * MiB
MULTIPART = ["multipart_size=5", "multipart_threshold=5"]

SIZES = [0, 1, 4095, 4096, 65537, PART - 1, PART, PART + 1, 3 * PART + 12345]


@pytest.mark.parametrize("size", SIZES)
def test_cp_writes_exact_object(env, tmp_path, size):
    m = env.mount(MULTIPART)
    src = tmp_path / "src"
    data = pattern(size, seed=size)
    write_local(src, data)
    sh(["cp", str(src), str(m / "f")])
    assert os.stat(m / "f").st_size == size
    sh(["cmp", str(src), str(m / "f")])
    h = api.assert_object(env.bucket, "f", data)
    if size > 2 * PART:
        assert h.get("x-oss-object-type") == "Multipart", \
            f"a {size}-byte file above multipart_threshold=5 was uploaded as {h.get('x-oss-object-type')}"
    assert api.incomplete_uploads(env.bucket) == [], "multipart uploads left behind after close"


def test_dd_one_megabyte_blocks(env, tmp_path):
    m = env.mount(MULTIPART)
    size = 11 * MiB + 777
    data = pattern(size, 11)
    write_local(tmp_path / "src", data)
    sh(["dd", f"if={tmp_path / 'src'}", f"of={m / 'dd1m'}", "bs=1M", "status=none"])
    api.assert_object(env.bucket, "dd1m", data)
    # read back with an odd block size that straddles every part boundary
    sh(["dd", f"if={m / 'dd1m'}", f"of={tmp_path / 'back'}", "bs=65521", "status=none"])
    assert read_file(tmp_path / "back") == data


@pytest.mark.parametrize("bs,count", [(4097, 1600), (512, 300), (1, 1000), (3 * MiB + 1, 3)])
def test_dd_odd_block_sizes(env, tmp_path, bs, count):
    m = env.mount(MULTIPART)
    data = pattern(bs * count, bs)
    write_local(tmp_path / "src", data)
    sh(["dd", f"if={tmp_path / 'src'}", f"of={m / 'odd'}", f"bs={bs}", f"count={count}", "status=none"])
    api.assert_object(env.bucket, "odd", data)
    assert read_file(m / "odd") == data


def test_objects_written_by_sdk_read_through_mount(env):
    """Normal and multipart objects made by the SDK: whole reads, odd-sized reads and random ranges."""
    b = env.bucket
    small = pattern(123457, 1)
    b.put_object("small", small)
    parts = [pattern(PART, 2), pattern(PART, 3), pattern(777777, 4)]
    big = b"".join(parts)
    upload_id = b.init_multipart_upload("big").upload_id
    done = [oss2.models.PartInfo(i + 1, b.upload_part("big", upload_id, i + 1, p).etag) for i, p in enumerate(parts)]
    b.complete_multipart_upload("big", upload_id, done)
    m = env.mount()
    assert read_file(m / "small") == small
    assert os.stat(m / "big").st_size == len(big)
    assert read_file(m / "big") == big
    rng = random.Random(20261125)
    with open(m / "big", "rb") as f:
        for _ in range(200):
            off = rng.randrange(0, len(big) + 10)
            n = rng.choice([1, 7, 4096, 65536, 1 << 20, 3 << 20])
            assert os.pread(f.fileno(), n, off) == big[off:off + n], f"pread({n}, {off}) (seed 20261125)"


def test_copy_within_mount_and_overwrite_with_smaller(env, tmp_path):
    m = env.mount(MULTIPART)
    data = pattern(2 * PART + 3, 5)
    write_local(tmp_path / "src", data)
    sh(["cp", str(tmp_path / "src"), str(m / "a")])
    sh(["cp", str(m / "a"), str(m / "b")])
    api.assert_object(env.bucket, "b", data)
    # cp over an existing bigger file truncates it (O_TRUNC) to the new, smaller content
    write_local(tmp_path / "small", b"tiny\n")
    sh(["cp", str(tmp_path / "small"), str(m / "a")])
    api.assert_object(env.bucket, "a", b"tiny\n")
    assert read_file(m / "a") == b"tiny\n"
