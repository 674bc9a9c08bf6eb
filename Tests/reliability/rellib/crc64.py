"""Moved to the shared Tests/pylib/ossfstest/crc64.py; the names stay importable from here."""
from ossfstest.crc64 import crc64  # noqa: F401
