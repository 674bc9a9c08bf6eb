"""The suite's own CRC-64 must be right before it can judge the product's x-oss-hash-crc64ecma."""
import os

import crcmod

from e2elib.crc64 import crc64, crc64_bytewise


def test_check_value():
    assert crc64(b"123456789") == 11051210869376104954
    assert crc64_bytewise(b"123456789") == 11051210869376104954
    assert crc64(b"") == 0


def test_continuation_matches_whole():
    assert crc64(b"world", crc64(b"hello ")) == crc64(b"hello world") == 5981764153023615706


def test_fast_form_matches_bytewise_and_crcmod_at_every_alignment():
    reference = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    data = os.urandom(4099)
    for n in list(range(0, 40)) + [1000, 4096, 4099]:
        chunk = data[:n]
        assert crc64(chunk) == crc64_bytewise(chunk) == reference(chunk), n
    # unaligned memoryview start
    assert crc64(memoryview(data)[3:]) == reference(data[3:])
