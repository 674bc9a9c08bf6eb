"""Moved to the shared Tests/pylib/ossfstest/binaries.py; the names stay importable from here."""
from ossfstest.binaries import binary, repo_root  # noqa: F401
