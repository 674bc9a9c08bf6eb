"""Moved to the shared Tests/pylib/ossfstest/crc64.py; the names stay importable from here."""
from ossfstest.crc64 import MASK, POLY, crc64, crc64_bytewise  # noqa: F401
