"""Moved to the shared Tests/pylib/ossfstest/mount.py; the names stay importable from here (with this
suite's old spellings: command, mount, _gone)."""
from ossfstest.mount import (FUSECTL, Mount, abort_connection, is_fuse_mounted, mount_entry,  # noqa: F401
                             mount_foreground, ossfs_command, ossfs_pids, unmount, wait_gone)

command = ossfs_command
mount = mount_foreground
_gone = wait_gone
