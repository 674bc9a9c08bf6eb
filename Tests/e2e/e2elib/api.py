"""Checks through the OSS API (oss2): what the mount wrote is what OSS holds, CRC64 included."""
from __future__ import annotations

import hashlib

import oss2

from .crc64 import crc64

# ossfs 1.x metadata (shared/docs/ossfs1-compat.md §4)
META_MODE = "x-oss-meta-mode"
META_UID = "x-oss-meta-uid"
META_GID = "x-oss-meta-gid"
META_MTIME = "x-oss-meta-mtime"
META_XATTR = "x-oss-meta-xattr"
DIR_CONTENT_TYPE = "application/x-directory"


def headers(bucket: oss2.Bucket, key: str) -> dict[str, str]:
    """HeadObject response headers, names lower-cased."""
    r = bucket.head_object(key)
    return {k.lower(): v for k, v in r.headers.items()}


def exists(bucket: oss2.Bucket, key: str) -> bool:
    return bucket.object_exists(key)


def get(bucket: oss2.Bucket, key: str) -> bytes:
    return bucket.get_object(key).read()


def list_keys(bucket: oss2.Bucket, prefix: str = "") -> list[str]:
    return sorted(o.key for o in oss2.ObjectIteratorV2(bucket, prefix=prefix, max_keys=1000))


def incomplete_uploads(bucket: oss2.Bucket) -> list[tuple[str, str]]:
    return [(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket)]


def first_difference(a: bytes, b: bytes) -> str:
    """A short description of where two byte strings differ (never a dump of megabytes)."""
    if a == b:
        return "equal"
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return (f"lengths {len(a)} vs {len(b)}, first difference at offset {i}: "
            f"{a[i:i + 16].hex()} vs {b[i:i + 16].hex()}")


def assert_object(bucket: oss2.Bucket, key: str, expected: bytes) -> dict[str, str]:
    """The object holds exactly `expected`, and OSS's whole-object CRC64 equals ours. Returns its headers."""
    h = headers(bucket, key)
    assert int(h["content-length"]) == len(expected), f"{key}: Content-Length {h['content-length']} != {len(expected)}"
    body = get(bucket, key)
    assert body == expected, f"{key}: content differs: {first_difference(body, expected)}"
    assert "x-oss-hash-crc64ecma" in h, f"{key}: no x-oss-hash-crc64ecma header"
    assert int(h["x-oss-hash-crc64ecma"]) == crc64(expected), \
        f"{key}: x-oss-hash-crc64ecma {h['x-oss-hash-crc64ecma']} != computed {crc64(expected)}"
    return h


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
