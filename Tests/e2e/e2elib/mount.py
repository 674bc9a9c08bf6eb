"""Moved to the shared Tests/pylib/ossfstest/mount.py; the names stay importable from here."""
from ossfstest.mount import (FUSECTL, Mount, abort_connection, binary, is_fuse_mounted, mount_entry,  # noqa: F401
                             mount_foreground, ossfs_command, ossfs_pids, run_ossfs, stop_pid, unmount, wait_gone)
