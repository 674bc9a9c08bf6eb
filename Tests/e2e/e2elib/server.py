"""Moved to the shared Tests/pylib/ossfstest/server.py; the names stay importable from here."""
from ossfstest.server import READY, REGION, Keys, OSSLocal, free_port, new_bucket_name  # noqa: F401
