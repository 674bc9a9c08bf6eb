"""Small helpers shared by the SDK tests: checksums, payloads, error assertions, XML."""
from __future__ import annotations

import base64
import hashlib
import itertools
import os
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import crcmod  # comes with oss2

# CRC-64/XZ as OSS's x-oss-hash-crc64ecma (oss-protocol.md §5): crcmod's initCrc is the CRC of "".
_crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF)

_counter = itertools.count()


def crc64(data: bytes) -> int:
    return _crc64(data)


def md5_hex_upper(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating-looking bytes (so a misplaced range is caught)."""
    out = bytearray()
    block = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{block}".encode()).digest()
        block += 1
    return bytes(out[:size])


def unique(prefix: str) -> str:
    """A key prefix no other test uses, so tests sharing one server never collide."""
    return f"{prefix}-{os.getpid()}-{next(_counter)}/"


def unquote_etag(etag: str) -> str:
    return etag.strip('"')


def parse_xml(body: bytes) -> ET.Element:
    return ET.fromstring(body)


def error_code(resp) -> str | None:
    """The <Code> of an OSS error body (requests.Response)."""
    if not resp.content:
        return None
    return parse_xml(resp.content).findtext("Code")


@contextmanager
def raises_oss2(status: int, code: str | None):
    """Expects an oss2 error with this HTTP status and OSS error code."""
    import oss2
    try:
        yield
    except oss2.exceptions.OssError as e:
        assert e.status == status, f"status {e.status} != {status} ({e.code}: {e.message})"
        if code is not None:
            assert e.code == code, f"code {e.code!r} != {code!r} (status {e.status}, {e.message})"
        return
    raise AssertionError(f"expected {status} {code}, but the call succeeded")


@contextmanager
def raises_v2(status: int, code: str | None):
    """Expects an alibabacloud-oss-v2 ServiceError (possibly wrapped in OperationError)."""
    import alibabacloud_oss_v2 as oss
    try:
        yield
    except oss.exceptions.OperationError as e:
        se = e.unwrap()
        assert isinstance(se, oss.exceptions.ServiceError), f"not a service error: {se!r}"
        assert se.status_code == status, f"status {se.status_code} != {status} ({se.code}: {se.message})"
        if code is not None:
            assert se.code == code, f"code {se.code!r} != {code!r} (status {se.status_code}, {se.message})"
        return
    raise AssertionError(f"expected {status} {code}, but the call succeeded")
