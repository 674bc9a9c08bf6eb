"""Where the binaries under test are: $OSSFS_BIN_DIR, else this checkout's debug build."""
from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def binary(name: str) -> Path:
    base = os.environ.get("OSSFS_BIN_DIR")
    return (Path(base) if base else repo_root() / ".build" / "debug") / name
