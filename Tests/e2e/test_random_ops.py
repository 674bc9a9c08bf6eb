"""A seeded random sequence of file operations applied both to a local directory and to the mount; after
every few steps the two trees must match (names, kinds, sizes, modes, link targets, contents), and at the end OSS must hold
exactly the mount's files. The seed is printed in every failure message (E2E_SEED overrides it)."""
import errno
import os
import random
import shutil

import pytest

from e2elib import api
from e2elib.tools import pattern, tree_manifest

NAMES = ["a", "b", "c", "d1/x", "d1/y", "d2/z", "d1/sub/w", "e"]
DIRS = ["d1", "d2", "d1/sub"]


def snapshot(root):
    result = {}
    for rel, info in tree_manifest(root).items():
        p = os.path.join(root, rel)
        result[rel] = info + ((open(p, "rb").read(),) if info[0] == "file" else ())
    return result


def describe(want, got) -> str:
    """Which entries differ between two snapshots, without dumping file contents."""
    parts = [f"only locally: {sorted(set(want) - set(got))}", f"only on the mount: {sorted(set(got) - set(want))}"]
    for rel in sorted(set(want) & set(got)):
        if want[rel] != got[rel]:
            if want[rel][0] == got[rel][0] == "file" and want[rel][3] != got[rel][3]:
                parts.append(f"{rel}: mount vs local: {api.first_difference(got[rel][3], want[rel][3])}")
            elif want[rel][0] == got[rel][0] == "file":
                parts.append(f"{rel}: mount {got[rel][:3]} vs local {want[rel][:3]}")
            else:
                parts.append(f"{rel}: mount {got[rel][:2]} vs local {want[rel][:2]}")
    return "; ".join(parts)


def apply(rng, root, op, args):
    """Run one operation on `root`; return the errno name (or "OK") so both sides can be compared."""
    try:
        p = lambda rel: os.path.join(root, rel)  # noqa: E731
        if op == "write":
            rel, off, data = args
            fd = os.open(p(rel), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                os.pwrite(fd, data, off)
            finally:
                os.close(fd)
        elif op == "append":
            rel, data = args
            with open(p(rel), "ab") as f:
                f.write(data)
        elif op == "truncate":
            rel, size = args
            os.truncate(p(rel), size)
        elif op == "unlink":
            os.unlink(p(args[0]))
        elif op == "rename":
            os.rename(p(args[0]), p(args[1]))
        elif op == "mkdir":
            os.mkdir(p(args[0]))
        elif op == "rmdir":
            os.rmdir(p(args[0]))
        elif op == "chmod":
            os.chmod(p(args[0]), args[1])
        elif op == "symlink":
            os.symlink(args[1], p(args[0]))
        elif op == "overwrite":
            rel, data = args
            with open(p(rel), "wb") as f:
                f.write(data)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def random_op(rng):
    op = rng.choice(["write", "write", "append", "truncate", "unlink", "rename", "mkdir", "rmdir", "overwrite",
                     "chmod", "symlink"])
    name = rng.choice(NAMES)
    if op == "write":
        return op, (name, rng.choice([0, rng.randrange(0, 300000)]), rng.randbytes(rng.randrange(1, 70000)))
    if op == "append":
        return op, (name, rng.randbytes(rng.randrange(1, 5000)))
    if op == "truncate":
        return op, (name, rng.choice([0, rng.randrange(0, 400000)]))
    if op == "rename":
        return op, (rng.choice(NAMES + DIRS), rng.choice(NAMES + DIRS))
    if op in ("mkdir", "rmdir"):
        return op, (rng.choice(DIRS),)
    if op == "chmod":
        return op, (rng.choice(NAMES + DIRS), rng.choice([0o600, 0o644, 0o755, 0o700, 0o640]))
    if op == "symlink":
        return op, (name, rng.choice(["a", "b", "d1/x", "nowhere"]))   # never out of the tree
    if op == "overwrite":
        return op, (name, pattern(rng.randrange(0, 100000), rng.randrange(1 << 30)))
    return op, (name,)


@pytest.mark.time_limit(900)
def test_random_operations_match_a_local_filesystem(env, tmp_path):
    seed = int(os.environ.get("E2E_SEED", random.randrange(1 << 31)))
    rng = random.Random(seed)
    m = env.mount()
    local = tmp_path / "reference"
    local.mkdir()
    for d in ("d1",):
        os.mkdir(local / d)
        os.mkdir(m / d)
    history = []
    for step in range(250):
        op, args = random_op(rng)
        a = apply(rng, str(local), op, args)
        b = apply(rng, str(m.path), op, args)
        history.append(f"{step}: {op} {[x if not isinstance(x, bytes) else f'<{len(x)} bytes>' for x in args]}"
                       f" -> {a}")
        assert a == b, f"seed {seed}, step {step}: {op} gave {b} on the mount, {a} locally\n" + \
            "\n".join(history[-15:])
        if step % 25 == 24:
            want, got = snapshot(str(local)), snapshot(str(m.path))
            assert got == want, f"seed {seed}, after step {step}: {describe(want, got)}\n" + "\n".join(history[-15:])
    want = snapshot(str(local))
    keys = set(api.list_keys(env.bucket))
    for rel, info in want.items():
        if info[0] == "file":
            assert api.get(env.bucket, rel) == info[3], f"seed {seed}: {rel} in OSS"
        elif info[0] == "link":   # ossfs 1.x form: the body is the target
            assert api.get(env.bucket, rel) == info[1].encode(), f"seed {seed}: link {rel} in OSS"
        else:
            assert any(k.startswith(rel + "/") for k in keys), \
                f"seed {seed}: directory {rel} missing in OSS (keys {sorted(keys)})\n" + "\n".join(history[-40:])
    files = {k for k in keys if not k.endswith("/")}
    assert files == {rel for rel, info in want.items() if info[0] in ("file", "link")}, f"seed {seed}"
    shutil.rmtree(local)
