"""`ossfs --incomplete-mpu-list BUCKET` and `--incomplete-mpu-abort[=AGE] BUCKET` through the real binary
(issue 8: abandoned multipart uploads cost money; the utility mode works as in ossfs 1.x): it lists every
upload with its key and id, spares uploads younger than AGE, aborts the others, and the OSS API agrees."""
from __future__ import annotations

import subprocess

import oss2
import pytest

from ossfstest.binaries import binary


def utility(env, *args: str) -> subprocess.CompletedProcess:
    opts = f"url={env.server.endpoint},passwd_file={env.passwd_file},retries=1"
    return subprocess.run([str(binary("ossfs")), *args, env.server.bucket, "-o", opts], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def open_uploads(b: oss2.Bucket) -> set[tuple[str, str]]:
    return {(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(b)}


@pytest.mark.time_limit(180)
def test_incomplete_mpu_list_and_abort_by_age(env):
    env.server.start([])
    b = env.bucket
    first = b.init_multipart_upload("abandoned/one.bin").upload_id
    b.upload_part("abandoned/one.bin", first, 1, b"x" * (100 << 10))
    second = b.init_multipart_upload("two.bin").upload_id
    b.put_object("finished.bin", b"done")
    assert open_uploads(b) == {("abandoned/one.bin", first), ("two.bin", second)}

    r = utility(env, "--incomplete-mpu-list")
    assert r.returncode == 0, r.stderr
    lines = [line.split("\t") for line in r.stdout.splitlines() if "\t" in line]
    assert sorted((f[0], f[1]) for f in lines) == sorted([("abandoned/one.bin", first), ("two.bin", second)]), \
        r.stdout
    assert env.server.keys.access_key_secret not in r.stdout + r.stderr

    r = utility(env, "--incomplete-mpu-abort=1h")        # both are seconds old: kept
    assert r.returncode == 0, r.stderr
    assert "0 incomplete multipart upload(s) aborted" in r.stdout, r.stdout
    assert len(open_uploads(b)) == 2

    r = utility(env, "--incomplete-mpu-abort=all")
    assert r.returncode == 0, r.stderr
    assert "2 incomplete multipart upload(s) aborted" in r.stdout, r.stdout
    assert open_uploads(b) == set()
    assert b.get_object("finished.bin").read() == b"done", "a finished object was touched"

    r = utility(env, "--incomplete-mpu-list")
    assert r.returncode == 0 and "no incomplete multipart uploads" in r.stdout, r.stdout + r.stderr
