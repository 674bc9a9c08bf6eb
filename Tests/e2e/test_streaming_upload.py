"""Streaming upload: a file written in order from offset 0 has its parts sent while it is being written;
close sends the rest and completes (checked by CRC-64 through the API). Rewrites, truncates and unlinks
in the middle leave the right object and no multipart upload behind."""
import os
import time

from e2elib import api
from e2elib.tools import pattern, read_file

MiB = 1024 * 1024
MULTIPART = ["multipart_size=5", "multipart_threshold=5"]


def parts_of(bucket, key):
    """Part numbers of the one multipart upload in progress for `key` (empty when there is none)."""
    ups = [u for k, u in api.incomplete_uploads(bucket) if k == key]
    if not ups:
        return []
    return sorted(p.part_number for p in bucket.list_parts(key, ups[0]).parts)


def wait_for(predicate, what, deadline=60.0):
    end = time.monotonic() + deadline
    while not predicate():
        assert time.monotonic() < end, f"never happened: {what}"
        time.sleep(0.05)


def write_all(fd, data, start, end, chunk=MiB):
    at = start
    while at < end:
        n = min(chunk, end - at)
        assert os.pwrite(fd, data[at:at + n], at) == n
        at += n


def test_parts_are_sent_while_writing_and_close_completes(env):
    m = env.mount(MULTIPART)
    data = pattern(23 * MiB + 5, 3)
    fd = os.open(m / "big", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        write_all(fd, data, 0, 16 * MiB)
        # The writer has passed parts 1-3 (5 MiB each): they go up while the file is still open.
        wait_for(lambda: parts_of(env.bucket, "big")[:3] == [1, 2, 3], "parts 1-3 uploaded before close")
        assert not api.exists(env.bucket, "big")   # nothing visible before the upload completes
        write_all(fd, data, 16 * MiB, len(data))
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "big", data)
    assert api.incomplete_uploads(env.bucket) == []
    assert read_file(m / "big") == data


def test_rewriting_a_sent_part_sends_it_again(env):
    m = env.mount(MULTIPART)
    data = bytearray(pattern(17 * MiB, 5))
    fd = os.open(m / "re", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        write_all(fd, data, 0, 12 * MiB)
        wait_for(lambda: parts_of(env.bucket, "re")[:1] == [1], "part 1 uploaded")
        patch = pattern(1000, 77)
        assert os.pwrite(fd, patch, 3 * MiB) == len(patch)   # into part 1, already sent
        data[3 * MiB:3 * MiB + len(patch)] = patch
        write_all(fd, data, 12 * MiB, len(data))
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "re", bytes(data))
    assert api.incomplete_uploads(env.bucket) == []


def test_truncate_in_the_middle_abandons_the_stream(env):
    m = env.mount(MULTIPART)
    data = pattern(14 * MiB, 8)
    fd = os.open(m / "tr", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        write_all(fd, data, 0, 12 * MiB)
        wait_for(lambda: parts_of(env.bucket, "tr")[:1] == [1], "part 1 uploaded")
        os.ftruncate(fd, 7 * MiB)
        write_all(fd, data, 7 * MiB, len(data))
    finally:
        os.close(fd)
    api.assert_object(env.bucket, "tr", data)
    wait_for(lambda: api.incomplete_uploads(env.bucket) == [], "the abandoned upload is aborted")


def test_unlink_in_the_middle_aborts_the_stream(env):
    m = env.mount(MULTIPART)
    data = pattern(12 * MiB, 9)
    fd = os.open(m / "un", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        write_all(fd, data, 0, len(data))
        wait_for(lambda: parts_of(env.bucket, "un")[:1] == [1], "part 1 uploaded")
        os.unlink(m / "un")
    finally:
        os.close(fd)
    assert not api.exists(env.bucket, "un")
    wait_for(lambda: api.incomplete_uploads(env.bucket) == [], "the abandoned upload is aborted")


def test_dd_of_a_multipart_file(env, tmp_path):
    m = env.mount(MULTIPART)
    data = pattern(31 * MiB + 123, 11)
    (tmp_path / "src").write_bytes(data)
    os.system(f"dd if={tmp_path / 'src'} of={m / 'dd'} bs=1M status=none")
    api.assert_object(env.bucket, "dd", data)
    assert api.incomplete_uploads(env.bucket) == []
