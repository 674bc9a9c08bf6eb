"""When the server goes away or stops answering, operations fail with an errno within the configured
timeouts (never hang, never report a missing file), the daemon survives, and it works again once the
server is back. Mounted with retries=1, connect_timeout=2, readwrite_timeout=5.

Each operation runs in a child process (tools.errno_of) so a hang is measured instead of stalling the suite.
"""
import time

import pytest

from e2elib import api
from e2elib.tools import errno_of, pattern

FAST_FAIL = {"retries": 1, "connect_timeout": 2, "readwrite_timeout": 5}
# Worst case per request: (1 + retries) attempts x readwrite_timeout, plus backoff; an operation may make a
# few requests (HEAD key, HEAD key/, LIST). Far beyond that is a hang.
BOUND = 60.0


def check_fails(code: str, what: str, forbid_enoent: bool = True):
    result, took = errno_of(code, timeout=BOUND + 60)
    assert result != "HANG", f"{what}: still blocked after {BOUND + 60:.0f}s"
    assert not result.startswith("CRASH"), f"{what}: {result}"
    assert result != "OK", f"{what}: succeeded although the server is gone"
    if forbid_enoent:
        assert result != "ENOENT", f"{what}: ENOENT would tell programs the file does not exist"
    assert took < BOUND, f"{what}: failed with {result} only after {took:.1f}s (bound {BOUND}s)"
    return result


@pytest.mark.time_limit(600)
@pytest.mark.oss_local(persistent=True)
def test_server_stopped_then_restarted(env):
    b = env.bucket
    b.put_object("remote/never-listed", b"r")
    b.put_object("never-opened", b"n")
    m = env.mount(env.base_options(**FAST_FAIL), base=False)
    (m / "seen").write_bytes(b"seen")
    env.server.stop()
    started = time.monotonic()

    check_fails(f"open({str(m / 'never-opened')!r}, 'rb').read()", "read of an unseen object")
    check_fails(f"import os; os.listdir({str(m / 'remote')!r})", "listing of an unlisted directory")
    check_fails(f"f = open({str(m / 'new')!r}, 'wb'); f.write(b'x' * 100000); f.close()",
                "create + write + close of a new file", forbid_enoent=False)
    assert m.process.poll() is None, f"ossfs exited while the server was down:\n{m.log_text()[-3000:]}"
    assert time.monotonic() - started < 4 * BOUND

    env.server.start()   # same port, same data directory
    (m / "after").write_bytes(b"back again")
    api.assert_object(b, "after", b"back again")
    assert (m / "never-opened").read_bytes() == b"n"
    assert api.get(b, "seen") == b"seen"


@pytest.mark.time_limit(600)
def test_frozen_server_times_out(env):
    """A server that accepts connections but never answers (SIGSTOP): readwrite_timeout must end it."""
    b = env.bucket
    b.put_object("unseen", b"u")
    m = env.mount(env.base_options(**FAST_FAIL), base=False)
    (m / "warm").write_bytes(b"w")
    env.server.freeze()
    try:
        check_fails(f"open({str(m / 'unseen')!r}, 'rb').read()", "read while the server stalls")
        check_fails(f"f = open({str(m / 'stalled')!r}, 'wb'); f.write(b'y' * 300000); f.close()",
                    "write + close while the server stalls", forbid_enoent=False)
        assert m.process.poll() is None, "ossfs exited while the server stalled"
    finally:
        env.server.thaw()
    (m / "later").write_bytes(b"ok")
    api.assert_object(b, "later", b"ok")


@pytest.mark.time_limit(900)
@pytest.mark.oss_local(args=["--fault-rate", "0.15", "--fault-kinds", "500,503,reset", "--seed", "7"])
def test_injected_faults_lose_nothing(env, tmp_path):
    """500s, 503s and dropped connections on 15% of requests: retries hide them and no byte is lost.
    (Our own checks through oss2 retry too, since the server fails them just the same.)"""
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    expected = {}
    for i, size in enumerate([0, 10, 100000, 6 * 1024 * 1024 + 1, 11 * 1024 * 1024]):
        data = pattern(size, i)
        (m / f"f{i}").write_bytes(data)
        expected[f"f{i}"] = data
    for key, data in expected.items():
        assert (m / key).read_bytes() == data, key
        retrying(lambda: api.assert_object(env.bucket, key, data))


def retrying(fn, attempts: int = 20):
    """Our own checks meet the injected faults too: retry 5xx answers and connections cut mid-body (oss2
    surfaces a reset during a streamed GET as requests' ChunkedEncodingError, not as an oss2 error)."""
    import oss2
    import requests
    for i in range(attempts):
        try:
            return fn()
        except (oss2.exceptions.ServerError, oss2.exceptions.RequestError,
                requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as e:
            if isinstance(e, oss2.exceptions.ServerError) and e.status < 500:
                raise
            time.sleep(0.05)
    return fn()


@pytest.mark.time_limit(600)
@pytest.mark.oss_local(args=["--fault-rate", "0.15", "--fault-kinds", "500,503,reset", "--seed", "11"])
def test_injected_faults_leave_no_bad_block_in_the_disk_cache(env, tmp_path):
    """With use_cache=, GETs cut mid-body or failed and retried must not leave a partial block behind: a
    second mount reads the same bytes from the cache (random reads first, so single blocks are fetched)."""
    import random
    data = {f"c{i}": pattern(size, 40 + i) for i, size in enumerate([5000, 3 * 1024 * 1024 + 7, 9 * 1024 * 1024])}
    for key, body in data.items():
        retrying(lambda: env.bucket.put_object(key, body))
    cache = tmp_path / "cache"
    m = env.mount([f"use_cache={cache}"])
    rng = random.Random(3)
    for key, body in data.items():
        with open(m / key, "rb") as f:
            for _ in range(20):
                off = rng.randrange(0, len(body))
                f.seek(off)
                assert f.read(4096) == body[off:off + 4096], key
        assert (m / key).read_bytes() == body, key
    env.unmount(m)
    m = env.mount([f"use_cache={cache}"])
    for key, body in data.items():
        assert (m / key).read_bytes() == body, key
