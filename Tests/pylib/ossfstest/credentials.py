"""Credentials files as ossfs wants them."""
from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str, mode: int = 0o600) -> Path:
    """A file created 0600 from the start (a credentials file is never readable by others, not even briefly),
    then given `mode` (tests of the permission rules ask for looser ones)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def write_passwd_file(path: Path, line: str) -> Path:
    """A passwd-ossfs file holding `line` (ACCESS_KEY_ID:SECRET or BUCKET:ACCESS_KEY_ID:SECRET), mode 0600."""
    return write_private(path, line + "\n")
