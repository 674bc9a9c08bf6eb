"""Running ordinary tools (cp, dd, mv, rsync, tar, fio...) with a time bound and a readable failure."""
from __future__ import annotations

import ctypes
import mmap
import os
import random
import subprocess
import sys


def sh(args: list[str] | str, timeout: float = 180.0, check: bool = True, cwd=None,
       input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run a command (a list, or a string for /bin/sh). Fails the test with its output on a non-zero exit."""
    shell = isinstance(args, str)
    try:
        r = subprocess.run(args, shell=shell, capture_output=True, timeout=timeout, cwd=cwd, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {args}\nstdout: {e.stdout!r}\nstderr: {e.stderr!r}")
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}: {args}\nstdout: {r.stdout.decode(errors='replace')[-3000:]}\n"
                             f"stderr: {r.stderr.decode(errors='replace')[-3000:]}")
    return r


def out(args: list[str] | str, **kw) -> str:
    return sh(args, **kw).stdout.decode(errors="replace")


def pattern(size: int, seed: int) -> bytes:
    """Deterministic, non-repeating-looking bytes (so a misplaced block is detected)."""
    return random.Random(seed).randbytes(size)


def write_local(path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def read_file(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def resident_after_open(path) -> tuple[int, int]:
    """Opens `path` read-only, reads nothing, and returns (pages in the kernel's page cache, pages of the
    file), from mincore(2) on a mapping of it (mapping a file reads nothing either)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    page = os.sysconf("SC_PAGE_SIZE")
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        pages = (size + page - 1) // page
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap")
        try:
            vec = (ctypes.c_ubyte * pages)()
            if libc.mincore(addr, size, vec) != 0:
                raise OSError(ctypes.get_errno(), "mincore")
            return sum(v & 1 for v in vec), pages
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)


def errno_of(code: str, timeout: float = 120.0) -> tuple[str, float]:
    """Run Python `code` in a child process (so a hang cannot stall the suite) and return
    ("OK" or the errno name of the OSError it raised, seconds taken)."""
    import time
    wrapper = (
        "import errno, os, sys\n"
        "try:\n"
        + "".join("    " + line + "\n" for line in code.strip().splitlines())
        + "    print('OK')\n"
        "except OSError as e:\n"
        "    print(errno.errorcode.get(e.errno, str(e.errno)))\n")
    start = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "HANG", time.monotonic() - start
    took = time.monotonic() - start
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        return f"CRASH rc={r.returncode} {r.stderr.strip()[-500:]}", took
    return lines[-1], took


def tree_manifest(root) -> dict[str, tuple]:
    """relative path -> (kind, size or target, perm bits) for everything under root."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                result[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                result[rel] = ("dir", st.st_mode & 0o7777)
            else:
                result[rel] = ("file", st.st_size, st.st_mode & 0o7777)
    return result
