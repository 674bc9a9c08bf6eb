"""A single-file rename is CopyObject then DeleteObject. The daemon killed with SIGKILL between the two steps
(or during the copy), then the bucket mounted again with the same tmpdir=: the next mount finishes the rename
from its record (issue 8: an interrupted rename is finished, not left half-done), deleting the source only
once the destination is verified equal (size and CRC64). Checked through the OSS API.

No timing guesses: a proxy between ossfs and oss-local holds the request the test names (never forwarding
it), so when the proxy reports it, the daemon is exactly at that step, and it is killed there."""
from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest

from ossfstest import mount as mountlib
from ossfstest.crc64 import crc64
from rellib.lying_proxy import LyingProxy

SRC, DST = "docs/moved-src.bin", "docs/moved-dst.bin"
SIZE = 3 * (1 << 20) + 123


def body() -> bytes:
    return bytes((i * 7 + i // 4096) & 0xFF for i in range(SIZE))


def rename_records(staging) -> list:
    return sorted(staging.glob("*/renames/*.rename"))


@pytest.mark.parametrize("step, method, key, before, copied", [
    ("between copy and delete", "DELETE", SRC, {SRC, DST}, 0),
    ("during the copy", "PUT", DST, {SRC}, 1),
])
@pytest.mark.time_limit(240)
def test_file_rename_killed_midway_is_finished_on_remount(env, step, method, key, before, copied):
    env.server.start([])
    b = env.bucket
    data = body()
    b.put_object(SRC, data)
    staging = env.workdir / "staging"   # the same for both mounts: the second finds the first one's record
    staging.mkdir()
    name = key.rsplit("/", 1)[-1]
    proxy = LyingProxy(env.server.port, hold=lambda m, target: m == method and name in target.split("?")[0])
    env.cleanups.append(proxy.close)
    m = env.mount(env.options(url=proxy.endpoint, readwrite_timeout=60) + [f"tmpdir={staging}"])
    mover = subprocess.Popen(["mv", str(m / SRC), str(m / DST)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proxy.held.wait(timeout=120), f"ossfs never sent {method} {key}; mv: {mover.poll()}"
    assert mover.poll() is None, "mv returned although its rename was not done"

    # Frozen at the step: what OSS holds now, and the record that will finish the move.
    keys = {o.key for o in b.list_objects_v2(prefix="docs/").object_list}
    assert keys == before, f"{step}: bucket holds {sorted(keys)}"
    assert len(rename_records(staging)) == 1, "no rename record in the staging area"

    os.kill(m.pid, signal.SIGKILL)
    m.process.wait(timeout=10)
    mountlib.abort_connection(m.path)
    mover.wait(timeout=30)
    assert mover.returncode != 0, "mv succeeded although the daemon died in the rename"
    env.unmount(m, grace=10)        # a dead daemon: problems expected here
    assert not mountlib.is_fuse_mounted(m.path)
    proxy.close()
    assert {o.key for o in b.list_objects_v2(prefix="docs/").object_list} == before, "the kill changed OSS"

    log = env.workdir / f"ossfs-{m.path.name}.log"
    offset = log.stat().st_size
    m2 = env.mount(env.options(readwrite_timeout=60) + [f"tmpdir={staging}", "dbglevel=info"], mountpoint=m.path)
    text = log.read_text(errors="replace")[offset:]
    assert re.search(rf"finished interrupted rename to {re.escape(DST)} \({copied} copied, 1 deleted\)", text), \
        text[-3000:]
    assert {o.key for o in b.list_objects_v2(prefix="docs/").object_list} == {DST}, "not finished forward"
    r = b.get_object(DST)
    stored = r.read()
    assert stored == data, "the destination differs from the source"
    assert int(r.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    assert rename_records(staging) == [], "the record was not removed"
    assert sorted(os.listdir(m2 / "docs")) == ["moved-dst.bin"]
    assert (m2 / DST).read_bytes() == data
    assert env.unmount(m2) == []
