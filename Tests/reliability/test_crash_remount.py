"""The ossfs daemon killed with SIGKILL in the middle of an upload and in the middle of a write, then the
bucket mounted again with the same tmpdir= (issue 8, "Crashes and resumable upload"). Checked through the
OSS API: no torn object is ever visible, the staged data is uploaded at the next mount reusing the parts
already in OSS, no multipart upload is left behind, and files closed before the crash are untouched."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import oss2
import pytest

from ossfstest import mount as mountlib
from ossfstest.crc64 import crc64

MB = 1 << 20
PART_MB = 5
LATENCY_MS = 400          # every request this slow: a 6-part upload takes seconds, long enough to interrupt
KILL_AFTER_PARTS = 2      # parts in OSS before the kill (parallel_count=1: the first is then in the record)


def start_server(env):
    env.server.data_dir = env.workdir / "oss-data"
    env.server.data_dir.mkdir()
    env.server.start(["--latency-ms", str(LATENCY_MS), "--log"])


def crash_options(env) -> list[str]:
    tmpdir = env.workdir / "staging"      # the same for both mounts: the second finds the first one's records
    tmpdir.mkdir(exist_ok=True)
    return env.options(readwrite_timeout=30) + [
        f"tmpdir={tmpdir}", f"multipart_size={PART_MB}", f"multipart_threshold={PART_MB}",
        "parallel_count=1", "dbglevel=info"]


def _pattern(seed: int, size: int) -> bytes:
    # distinct per seed and per position, cheap to build: a torn or misplaced part cannot look right
    block = bytearray()
    i = 0
    while len(block) < MB:
        block += f"{seed:08x}:{i:012x}\n".encode()
        i += 1
    block = bytes(block[:MB])
    out = bytearray()
    for n in range((size + MB - 1) // MB):
        out += block[:16] + f"{n:016x}".encode() + block[32:]
    return bytes(out[:size])


def get(bucket: oss2.Bucket, key: str) -> bytes | None:
    """The object's body, checked against its x-oss-hash-crc64ecma, or None when absent."""
    try:
        r = bucket.get_object(key)
    except oss2.exceptions.NoSuchKey:
        return None
    body = r.read()
    header = r.headers.get("x-oss-hash-crc64ecma")
    assert header is not None, f"{key}: no x-oss-hash-crc64ecma"
    assert int(header) == crc64(body), f"{key}: CRC64 header {header}, body {crc64(body)}"
    return body


def uploads(bucket: oss2.Bucket) -> list:
    return list(oss2.MultipartUploadIterator(bucket))


def wait_for_parts(bucket: oss2.Bucket, key: str, count: int, writer: subprocess.Popen, timeout: float = 120):
    """Polls ListMultipartUploads/ListParts until `key`'s upload holds `count` parts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for u in uploads(bucket):
            if u.key == key and len(list(oss2.PartIterator(bucket, key, u.upload_id))) >= count:
                return u.upload_id
        assert writer.poll() is None, f"the writer ended (rc {writer.returncode}) before {count} parts were in OSS"
        time.sleep(0.05)
    pytest.fail(f"no upload of {key} with {count} parts within {timeout}s")


def kill_daemon(env, m: mountlib.Mount, *writers: subprocess.Popen) -> None:
    """SIGKILL the daemon, abort its FUSE connection (blocked callers get an error), unmount."""
    os.kill(m.pid, signal.SIGKILL)
    m.process.wait(timeout=10)
    mountlib.abort_connection(m.path)
    for w in writers:
        try:
            w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()
    env.unmount(m, grace=10)   # a dead daemon: fusermount3 -u, else -uz; problems are expected here
    assert not mountlib.is_fuse_mounted(m.path)


def server_upload_parts(env) -> int:
    """UploadPart requests in oss-local's --log so far."""
    return sum(1 for line in env.server.log_text().splitlines()
               if line.lstrip().startswith("PUT") and "partNumber" in line and "uploadId" in line)


def remount(env, mountpoint) -> tuple[mountlib.Mount, str]:
    log = env.workdir / f"ossfs-{mountpoint.name}.log"
    offset = log.stat().st_size if log.exists() else 0
    m = env.mount(crash_options(env), mountpoint=mountpoint)
    return m, log.read_text(errors="replace")[offset:]


def dd(src, dst) -> subprocess.Popen:
    return subprocess.Popen(["dd", f"if={src}", f"of={dst}", "bs=1M", "status=none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.time_limit(300)
def test_kill_during_upload_resumes_on_remount(env):
    start_server(env)
    b = env.bucket
    key, size = "big.bin", 6 * PART_MB * MB
    data = _pattern(1, size)
    src = env.workdir / "src.bin"
    src.write_bytes(data)
    m = env.mount(crash_options(env))
    writer = dd(src, m / key)                      # close() uploads 6 parts, one at a time
    t0 = time.monotonic()
    upload_id = wait_for_parts(b, key, KILL_AFTER_PARTS, writer)
    kill_daemon(env, m, writer)
    print(f"killed {time.monotonic() - t0:.1f}s into the write/upload")
    assert writer.returncode != 0, "dd's close() was acknowledged although the daemon died during the upload"

    # Between the crash and the next mount: never a torn object.
    # open(O_CREAT) stores an empty object (ossfs 1.x does too): that state was acknowledged by open()
    before = get(b, key)
    assert before in (None, b"") or before == data, f"torn object visible after the crash: {len(before)} bytes"
    assert before != data, "the kill came after the upload completed: the test did not interrupt it"
    parts_in_oss = len(list(oss2.PartIterator(b, key, upload_id)))
    assert parts_in_oss >= KILL_AFTER_PARTS
    uploaded_before = server_upload_parts(env)

    m2, log = remount(env, m.path)                 # recovery runs before the mount answers
    after = get(b, key)
    assert after is not None, f"staged data not uploaded at remount; ossfs log:\n{log[-3000:]}"
    assert len(after) == size and after == data, "recovered object differs from what was written"
    assert crc64(after) == crc64(data)
    assert uploads(b) == [], f"multipart uploads left behind: {[(u.key, u.upload_id) for u in uploads(b)]}"

    found = re.search(rf"recovered {re.escape(key)}: staged data uploaded \((\d+) parts reused\)", log)
    assert found, f"no recovery line for {key} in the ossfs log:\n{log[-3000:]}"
    reused = int(found.group(1))
    assert reused >= KILL_AFTER_PARTS - 1, f"only {reused} parts reused, {parts_in_oss} were in OSS"
    sent_now = server_upload_parts(env) - uploaded_before
    print(f"{parts_in_oss} parts in OSS at the kill; remount reused {reused}, sent {sent_now}")
    assert sent_now == 6 - reused, f"{sent_now} UploadPart requests at remount for 6 parts, {reused} reused"
    # and through the new mount
    with open(m2 / key, "rb") as f:
        assert f.read() == data
    assert env.unmount(m2) == []


@pytest.mark.time_limit(300)
def test_kill_during_write_before_close(env):
    start_server(env)
    b = env.bucket
    key = "partial.bin"
    chunk = _pattern(2, MB)
    m = env.mount(crash_options(env))
    # A child writes 12 MiB with os.write, says how much was acknowledged, then keeps the file open.
    code = ("import os,sys\n"
            f"fd=os.open(sys.argv[1],os.O_WRONLY|os.O_CREAT|os.O_TRUNC,0o644)\n"
            "c=sys.stdin.buffer.read()\n"
            "n=0\n"
            "for _ in range(12):\n"
            "    n+=os.write(fd,c)\n"
            "print(n,flush=True)\n"
            "import time; time.sleep(600)\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(m / key)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=False)
    writer.stdin.write(chunk)
    writer.stdin.close()
    line = writer.stdout.readline()
    assert line.strip(), "the writer did not report its writes"
    acknowledged = int(line)
    assert acknowledged == 12 * MB
    expected = chunk * 12
    kill_daemon(env, m)
    writer.kill()
    writer.wait()

    before = get(b, key)
    # create() may store an empty object (an acknowledged state); anything else is a torn upload
    assert before in (None, b""), f"torn object visible after the crash: {len(before)} bytes"
    assert uploads(b) == [] or all(u.key == key for u in uploads(b))

    m2, log = remount(env, m.path)
    # Filesystem.recover: the staged bytes written so far are uploaded (the object is unchanged since).
    found = re.search(rf"recovered {re.escape(key)}: staged data uploaded", log)
    assert found, f"no recovery of {key} in the ossfs log:\n{log[-3000:]}"
    after = get(b, key)
    assert after is not None and len(after) == acknowledged and after == expected, \
        f"recovered object is {None if after is None else len(after)} bytes, {acknowledged} were acknowledged"
    assert uploads(b) == []
    assert env.unmount(m2) == []


@pytest.mark.time_limit(300)
def test_acknowledged_files_survive_a_later_writers_crash(env):
    start_server(env)
    b = env.bucket
    small, big_v1 = _pattern(3, 300_000), _pattern(4, 3 * PART_MB * MB)
    big_v2 = _pattern(5, 6 * PART_MB * MB)
    m = env.mount(crash_options(env))
    (m / "small.txt").write_bytes(small)
    (m / "big.bin").write_bytes(big_v1)           # closed: acknowledged
    assert get(b, "small.txt") == small and get(b, "big.bin") == big_v1
    src = env.workdir / "v2.bin"
    src.write_bytes(big_v2)
    writer = dd(src, m / "big.bin")                # overwrite the acknowledged file, crash in its upload
    wait_for_parts(b, "big.bin", KILL_AFTER_PARTS, writer)
    kill_daemon(env, m, writer)

    assert get(b, "small.txt") == small
    now = get(b, "big.bin")
    # dd's open(O_TRUNC) was acknowledged too: the empty file is a state the mount promised
    assert now in (big_v1, b"", big_v2), \
        f"big.bin is neither the acknowledged version nor the new one ({None if now is None else len(now)} bytes)"
    assert now != big_v2, "the kill came after the upload completed: the test did not interrupt it"

    m2, log = remount(env, m.path)
    assert get(b, "small.txt") == small
    # the object still had the staged file's base ETag: recovery uploads the newer, staged version
    assert re.search(r"recovered big\.bin: staged data uploaded \([1-9]\d* parts reused\)", log), log[-3000:]
    assert get(b, "big.bin") == big_v2
    assert (m2 / "small.txt").read_bytes() == small
    assert uploads(b) == []
    assert env.unmount(m2) == []
