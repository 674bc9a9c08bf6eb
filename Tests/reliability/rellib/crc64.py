"""CRC-64/XZ as OSS's x-oss-hash-crc64ecma (oss2 ships the same function; this keeps the check independent
of its internals)."""
from __future__ import annotations

_POLY = 0xC96C5795D7870F42   # ECMA-182, reflected
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data: bytes) -> int:
    crc = 0xFFFFFFFFFFFFFFFF
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


try:   # crcmod's C extension (an oss2 dependency) is ~100x faster on multi-megabyte objects
    import crcmod as _crcmod
    _fast = _crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    assert _fast(b"123456789") == crc64(b"123456789") == 0x995DC9BBDF1939FA
    crc64 = _fast  # noqa: F811
except ImportError:
    pass
