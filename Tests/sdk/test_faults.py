"""The fault flags: --fault-rate/--fault-kinds (500, 503, reset, stall), --seed reproducibility, --latency-ms."""
import time

import alibabacloud_oss_v2 as oss
import pytest
import requests

from common import crc64, error_code, payload
from conftest import oss2_bucket, v2_client
from ossfstest.server import Keys, OSSLocal
from rawsign import raw_request

BUCKET = "sdk-faults"


def _server(data_dir=None, keys=None, *flags):
    return OSSLocal(buckets=[BUCKET], keys=keys or Keys.random(), data_dir=data_dir, extra_args=list(flags))


def test_fault_rate_1_with_500_fails_everything_and_stores_nothing(tmp_path):
    keys, data = Keys.random(), str(tmp_path / "d")
    with _server(data, keys, "--fault-rate", "1", "--fault-kinds", "500") as srv:
        for i in range(5):
            r = raw_request(srv, "PUT", BUCKET, f"k{i}", body=b"never stored")
            assert r.status_code == 500
            assert error_code(r) == "InternalError"
        assert raw_request(srv, "GET", BUCKET, "k0").status_code == 500
        assert raw_request(srv, "GET", BUCKET, "", query=[("prefix", "")]).status_code == 500
        r = raw_request(srv, "POST", BUCKET, "a", query=[("append", None), ("position", "0")], body=b"x")
        assert r.status_code == 500
    with _server(data, keys) as srv:                    # same data, no faults: nothing was stored
        r = raw_request(srv, "GET", BUCKET, "")
        assert r.status_code == 200
        assert b"<Contents>" not in r.content
        assert raw_request(srv, "GET", BUCKET, "k0").status_code == 404


def test_fault_kind_503(tmp_path):
    with _server(None, None, "--fault-rate", "1", "--fault-kinds", "503") as srv:
        r = raw_request(srv, "GET", BUCKET, "k")
        assert r.status_code == 503


def _status_sequence(seed, n=40):
    with _server(None, None, "--seed", str(seed), "--fault-rate", "0.5", "--fault-kinds", "500") as srv:
        return [raw_request(srv, "PUT", BUCKET, f"seq/{i}", body=b"x").status_code for i in range(n)]


def test_seed_makes_failures_reproducible():
    a, b, c = _status_sequence(1234), _status_sequence(1234), _status_sequence(98765)
    assert set(a) == {200, 500}                 # a rate of 0.5 over 40 requests gives both outcomes
    assert a == b                               # same seed, same failing requests
    assert a != c                               # another seed, another sequence (equal with odds 2^-40)


def test_latency(tmp_path):
    with _server(None, None, "--latency-ms", "200") as srv:
        assert raw_request(srv, "PUT", BUCKET, "k", body=b"x").status_code == 200
        for _ in range(3):
            t0 = time.monotonic()
            r = raw_request(srv, "GET", BUCKET, "k")
            elapsed = time.monotonic() - t0
            assert r.status_code == 200 and r.content == b"x"
            assert elapsed >= 0.2, f"latency {elapsed:.3f}s < 200 ms"


def _seed_object(data, keys, key, body):
    with _server(data, keys) as srv:
        assert raw_request(srv, "PUT", BUCKET, key, body=body).status_code == 200


def test_reset_drops_connections(tmp_path):
    keys, data = Keys.random(), str(tmp_path / "d")
    body = payload(2 * 1024 * 1024, 41)
    _seed_object(data, keys, "big", body)
    with _server(data, keys, "--fault-rate", "1", "--fault-kinds", "reset") as srv:
        for _ in range(3):
            t0 = time.monotonic()
            try:
                r = raw_request(srv, "GET", BUCKET, "big", timeout=5)
            except requests.exceptions.Timeout:
                raise AssertionError("a reset fault stalled instead of dropping the connection")
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError):
                assert time.monotonic() - t0 < 3                # dropped promptly: expected
                continue
            raise AssertionError(f"a reset fault answered normally: {r.status_code}, {len(r.content)} bytes")


def test_stall_times_out(tmp_path):
    with _server(None, None, "--fault-rate", "1", "--fault-kinds", "stall") as srv:
        t0 = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):    # connected, then no answer at all
            raw_request(srv, "GET", BUCKET, "k", timeout=1.0)
        assert time.monotonic() - t0 < 5
    # leaving the block stopped the stalled server by PID (SIGTERM, SIGKILL after a timeout)


class CountingRetryer(oss.retry.StandardRetryer):
    """The SDK's standard retryer, counting the errors it was asked about."""
    retried = 0

    def is_error_retryable(self, error):
        self.retried += 1
        return super().is_error_retryable(error)


def test_sdk_retries_store_everything_despite_faults(tmp_path):
    keys, data = Keys.random(), str(tmp_path / "d")
    objects = {f"retry/{i:02d}.bin": payload(1000 + 997 * i, 50 + i) for i in range(20)}
    with _server(data, keys, "--seed", "7", "--fault-rate", "0.3", "--fault-kinds", "500,503,reset") as srv:
        retryer = CountingRetryer(max_attempts=12, max_backoff=0.2, base_delay=0.01)
        c = v2_client(srv, "v4", retryer=retryer, readwrite_timeout=5, connect_timeout=5)
        for k, v in objects.items():
            r = c.put_object(oss.PutObjectRequest(bucket=BUCKET, key=k, body=v))   # upload CRC checked by the SDK
            assert int(r.hash_crc64) == crc64(v)
        for k, v in objects.items():
            for attempt in range(12):       # a reset in the middle of a body is not retried by the SDK itself
                try:
                    got = c.get_object(oss.GetObjectRequest(bucket=BUCKET, key=k))
                    body = got.body.read()
                    break
                except Exception:
                    if attempt == 11:
                        raise
            assert body == v and int(got.hash_crc64) == crc64(v)
        assert retryer.retried > 0          # the faults really happened and the SDK retried through them
    with _server(data, keys) as srv:       # and on disk, byte for byte
        b = oss2_bucket(srv, BUCKET, "v1")
        listed = [o.key for o in b.list_objects(prefix="retry/", max_keys=1000).object_list]
        assert listed == sorted(objects)
        for k, v in objects.items():
            assert b.get_object(k).read() == v
