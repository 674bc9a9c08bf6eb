"""Where the binaries under test are: $OSSFS_BIN_DIR, else this checkout's .build/debug ($OSS_LOCAL_BIN names
oss-local alone, as scripts/test.sh sets it)."""
from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def bin_dir() -> Path:
    override = os.environ.get("OSSFS_BIN_DIR")
    return Path(override) if override else repo_root() / ".build" / "debug"


def binary(name: str) -> Path:
    if name == "oss-local" and os.environ.get("OSS_LOCAL_BIN"):
        return Path(os.environ["OSS_LOCAL_BIN"])
    return bin_dir() / name
