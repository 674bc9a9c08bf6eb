"""Checks of the bucket through the OSS API (oss2), not through the mount."""
from __future__ import annotations

import time

import oss2

from ossfstest.crc64 import crc64
from .model import ABSENT, Model
from .worker import digest


def with_retries(fn, attempts: int = 30):
    """oss2 calls retried on 5xx and dropped connections (for a server that still injects faults)."""
    for _ in range(attempts - 1):
        try:
            return fn()
        except (oss2.exceptions.ServerError, oss2.exceptions.RequestError) as e:
            if isinstance(e, oss2.exceptions.ServerError) and e.status < 500:
                raise
            time.sleep(0.05)
    return fn()


def bucket_objects(bucket: oss2.Bucket, prefix: str = "") -> dict[str, bytes]:
    """Every object under `prefix` with its body; the body's CRC64 must match x-oss-hash-crc64ecma."""
    out: dict[str, bytes] = {}
    keys = [o.key for o in oss2.ObjectIteratorV2(bucket, prefix=prefix)]
    for key in keys:
        r = bucket.get_object(key)
        body = r.read()
        header = r.headers.get("x-oss-hash-crc64ecma")
        assert header is not None, f"{key}: no x-oss-hash-crc64ecma header"
        assert int(header) == crc64(body), f"{key}: CRC64 header {header} but body has {crc64(body)}"
        assert len(body) == int(r.headers["Content-Length"]), f"{key}: body length differs from Content-Length"
        out[key] = body
    return out


def check_bucket_against(model: Model, objects: dict[str, bytes], prefix: str) -> list[str]:
    """Problems found comparing the bucket with what the mount acknowledged (empty list = consistent)."""
    problems = []
    files = {k[len(prefix):]: v for k, v in objects.items() if not k.endswith("/")}
    for key, body in files.items():
        d = digest(body)
        if d not in model.bodies:
            problems.append(f"{key}: {len(body)} bytes that no write ever produced (torn or partial object)")
            continue
        possible = model.states.get(key)
        if possible is None:
            problems.append(f"{key}: present, but the mount never wrote this key")
        elif d not in possible:
            problems.append(f"{key}: holds a version ({len(body)} bytes) that was not its state "
                            f"({len(possible)} possible)")
    for key, possible in model.states.items():
        if len(possible) == 1:
            (state,) = possible
            if state is ABSENT and key in files:
                problems.append(f"{key}: deleted (acknowledged) but still in the bucket")
            if state is not ABSENT and key not in files:
                problems.append(f"{key}: acknowledged ({len(model.bodies[state])} bytes) but missing from the bucket")
    return problems
