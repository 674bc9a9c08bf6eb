"""pytest hooks every mount suite needs (loaded with `pytest_plugins = ["ossfstest.plugin"]`): each test's
reports stay on its node (teardown knows whether the test failed), and the markers are declared."""
from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): abort the test's FUSE mounts after this many seconds")
    config.addinivalue_line("markers", "oss_local(persistent=False, args=[]): how to start the test's oss-local")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
