"""CRC-64/XZ (the OSS `x-oss-hash-crc64ecma`), written here so the suite checks the product independently.

Reflected polynomial 0xC96C5795D7870F42, init and xorout all ones (shared/docs/oss-protocol.md §5).
`crc64(b"123456789") == 11051210869376104954`. Slice-by-8 keeps pure Python near 20 MB/s, enough for the
multi-part files the suite writes.
"""
from __future__ import annotations

POLY = 0xC96C5795D7870F42
MASK = 0xFFFFFFFFFFFFFFFF


def _byte_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _slice_tables() -> list[list[int]]:
    # tables[k][b] is the CRC contribution of byte b followed by k zero bytes.
    tables = [_byte_table()]
    for k in range(1, 8):
        prev = tables[k - 1]
        tables.append([(prev[b] >> 8) ^ tables[0][prev[b] & 0xFF] for b in range(256)])
    return tables


_T = _slice_tables()
_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _T


def crc64_bytewise(data: bytes, crc: int = 0) -> int:
    """The textbook one-byte-at-a-time form; the reference the fast form is tested against."""
    crc ^= MASK
    t = _T0
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ MASK


def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC of `data`, continuing `crc` (the CRC of what came before; 0 to start)."""
    mv = memoryview(data).cast("B")
    crc ^= MASK
    n = len(mv)
    head = n - n % 8
    if head:
        words = mv[:head].cast("Q")  # native little-endian on the x86_64/aarch64 machines this runs on
        for w in words:
            x = crc ^ w
            crc = (_T7[x & 0xFF] ^ _T6[(x >> 8) & 0xFF] ^ _T5[(x >> 16) & 0xFF] ^ _T4[(x >> 24) & 0xFF]
                   ^ _T3[(x >> 32) & 0xFF] ^ _T2[(x >> 40) & 0xFF] ^ _T1[(x >> 48) & 0xFF] ^ _T0[x >> 56])
    for b in mv[head:]:
        crc = _T0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ MASK
