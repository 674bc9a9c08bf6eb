"""Moved to the shared Tests/pylib/ossfstest/server.py; the names stay importable from here."""
from functools import partial

from ossfstest.server import READY, REGION, Keys, OSSLocal, free_port  # noqa: F401
from ossfstest.server import new_bucket_name as _new_bucket_name

new_bucket_name = partial(_new_bucket_name, "rel")
