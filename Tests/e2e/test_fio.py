"""fio with data verification on the mount (skipped when fio is not installed)."""
import os
import shutil

import pytest

from e2elib import api
from e2elib.tools import read_file, sh

pytestmark = pytest.mark.skipif(shutil.which("fio") is None, reason="fio not installed")

MiB = 1024 * 1024


def fio(directory, *args, timeout=600):
    r = sh(["fio", f"--directory={directory}", "--ioengine=psync", "--output-format=terse", "--terse-version=3",
            "--verify_state_save=0",
            *args], timeout=timeout, check=False)
    text = (r.stdout + r.stderr).decode(errors="replace")
    assert r.returncode == 0, f"fio failed ({r.returncode}):\n{text[-3000:]}"
    assert "verify" not in r.stderr.decode(errors="replace").lower(), text[-3000:]
    return text


@pytest.mark.time_limit(900)
def test_fio_random_writes_verified(env):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    fio(m.path, "--name=v", "--rw=randwrite", "--bs=4k", "--size=8m", "--verify=crc32c", "--do_verify=1",
        "--randseed=1234")
    data = read_file(m / "v.0.0")
    assert len(data) == 8 * MiB
    api.assert_object(env.bucket, "v.0.0", data)


@pytest.mark.time_limit(900)
def test_fio_sequential_multipart_writes_verified(env):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    fio(m.path, "--name=s", "--rw=write", "--bs=1M", "--size=16m", "--verify=md5", "--do_verify=1")
    data = read_file(m / "s.0.0")
    assert len(data) == 16 * MiB
    api.assert_object(env.bucket, "s.0.0", data)


@pytest.mark.time_limit(900)
def test_fio_two_jobs_mixed_random_io_verified(env):
    m = env.mount()
    fio(m.path, "--name=mix", "--rw=randrw", "--rwmixread=50", "--bs=16k", "--size=4m", "--numjobs=2",
        "--verify=crc32c", "--do_verify=1", "--verify_backlog=64", "--randseed=99")
    for name in ("mix.0.0", "mix.1.0"):
        data = read_file(m / name)
        assert os.stat(m / name).st_size == len(data) == 4 * MiB
        api.assert_object(env.bucket, name, data)
