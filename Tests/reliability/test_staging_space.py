"""Out of staging space (issue 8): with ensure_diskfree=MB the writer that would eat into the reserve gets
ENOSPC, and nothing else breaks: the bytes its successful write() calls were acknowledged are what OSS holds
(or nothing, never other bytes), other files still write and read, the reserve is free again afterwards.
The staging directory is a small tmpfs of its own, so the test never depends on the machine's disk."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import oss2
import pytest

from ossfstest.crc64 import crc64
from rellib.worker import content

MB = 1 << 20
TMPFS_MB = 64
RESERVE_MB = 40          # so about 24 MB can be staged; the big file wants more
BIG_MB = 48

WRITER = r"""
import errno, json, os, sys
from random import Random
path, size = sys.argv[1], int(sys.argv[2])
data = Random(7).randbytes(size)
written, write_error, close_error = 0, None, None
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
try:
    while written < size:
        written += os.write(fd, data[written:written + (1 << 20)])
except OSError as e:
    write_error = errno.errorcode.get(e.errno, str(e.errno))
try:
    os.close(fd)
except OSError as e:
    close_error = errno.errorcode.get(e.errno, str(e.errno))
print(json.dumps({"written": written, "write_error": write_error, "close_error": close_error}))
"""


@pytest.fixture
def small_tmpfs(env):
    d = env.workdir / "staging"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m,mode=0700", "tmpfs", str(d)], check=True,
                   capture_output=True, timeout=30)
    env.cleanups.append(lambda: subprocess.run(["umount", str(d)], check=True, capture_output=True, timeout=30))
    return d


def free_mb(path) -> float:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / MB


@pytest.mark.time_limit(300)
def test_out_of_staging_space_gives_enospc_and_nothing_else_breaks(env, small_tmpfs):
    env.server.start([])
    b = env.bucket
    m = env.mount(env.options(readwrite_timeout=30) + [f"tmpdir={small_tmpfs}", f"ensure_diskfree={RESERVE_MB}"])
    r = subprocess.run([sys.executable, "-c", WRITER, str(m / "big.bin"), str(BIG_MB * MB)], capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    print(result)
    assert "ENOSPC" in (result["write_error"], result["close_error"]), f"no ENOSPC: {result}"
    assert result["written"] < BIG_MB * MB

    # OSS holds what was acknowledged, or nothing; never bytes that were not written.
    acknowledged = content(7, BIG_MB * MB)[:result["written"]]
    try:
        g = b.get_object("big.bin")
        stored = g.read()
        assert int(g.headers["x-oss-hash-crc64ecma"]) == crc64(stored)
    except oss2.exceptions.NoSuchKey:
        stored = None
    if result["close_error"] is None:
        assert stored == acknowledged, f"close succeeded but OSS holds {None if stored is None else len(stored)} " \
                                       f"bytes, {len(acknowledged)} were written"
    else:
        assert stored in (None, b"", acknowledged), "a partial object that no successful close produced"

    # Nothing else broke: the reserve is free again and another file writes, uploads and reads back.
    assert free_mb(small_tmpfs) > RESERVE_MB, f"staging space not given back: {free_mb(small_tmpfs):.1f} MB free"
    small = content(8, 2 * MB)
    (m / "small.bin").write_bytes(small)
    assert b.get_object("small.bin").read() == small
    assert (m / "small.bin").read_bytes() == small
    assert sorted(os.listdir(m.path)) == ["big.bin", "small.bin"]
    assert m.process.poll() is None, "the daemon died"
    assert env.unmount(m) == []
