"""Whole trees through ordinary tools: rsync -a, tar c/x, find, and ls -l of a thousand SDK-made objects."""
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2elib import api
from e2elib.tools import out, pattern, sh, tree_manifest, write_local

MiB = 1024 * 1024


def make_tree(root):
    """A small but varied tree: nested dirs, empty dir and file, odd sizes, modes, symlinks, old mtimes."""
    os.makedirs(root / "src" / "deep" / "er")
    os.makedirs(root / "empty-dir")
    files = {
        "README": b"hello\n",
        "empty": b"",
        "src/a.c": pattern(10000, 1),
        "src/b.bin": pattern(6 * MiB + 11, 2),
        "src/deep/er/z": pattern(4097, 3),
        "name with spaces.txt": b"spaces\n",
        "unicode-\u00e9\u4e2d.txt": b"utf8\n",
    }
    for rel, data in files.items():
        write_local(root / rel, data)
    os.chmod(root / "README", 0o600)
    os.chmod(root / "src" / "a.c", 0o755)
    os.chmod(root / "src" / "deep", 0o700)
    os.symlink("a.c", root / "src" / "link-to-a")
    os.symlink("../README", root / "src" / "deep" / "up")
    for i, rel in enumerate(files):
        os.utime(root / rel, ns=(1_600_000_000 * 10**9 + i, 1_600_000_000 * 10**9 + i * 10**9))
    return files


def mtimes(root) -> dict[str, int]:
    return {rel: int(os.lstat(os.path.join(root, rel)).st_mtime)
            for rel in tree_manifest(root) if not os.path.islink(os.path.join(root, rel))}


@pytest.mark.time_limit(600)
def test_rsync_archive_roundtrip(env, tmp_path):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    local = tmp_path / "tree"
    local.mkdir()
    files = make_tree(local)
    sh(["rsync", "-a", f"{local}/", f"{m / 'dst'}/"], timeout=600)
    sh(["diff", "-r", "--no-dereference", str(local), str(m / "dst")])
    assert tree_manifest(m / "dst") == tree_manifest(local)
    assert mtimes(m / "dst") == mtimes(local)
    # a second rsync finds nothing to do: sizes, times and modes were all preserved
    again = out(["rsync", "-a", "--itemize-changes", f"{local}/", f"{m / 'dst'}/"], timeout=600)
    assert again.strip() == "", f"rsync would change: {again}"
    for rel, data in files.items():
        h = api.assert_object(env.bucket, "dst/" + rel, data)
        assert int(float(h[api.META_MTIME])) == int(os.stat(local / rel).st_mtime), rel
    # and rsync back out of the mount reproduces the tree
    sh(["rsync", "-a", f"{m / 'dst'}/", f"{tmp_path / 'back'}/"], timeout=600)
    sh(["diff", "-r", "--no-dereference", str(local), str(tmp_path / "back")])


@pytest.mark.time_limit(600)
def test_tar_extract_into_and_create_from_mount(env, tmp_path):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    local = tmp_path / "tree"
    local.mkdir()
    make_tree(local)
    sh(["tar", "-C", str(local), "-cf", str(tmp_path / "in.tar"), "."])
    os.mkdir(m / "x")
    sh(["tar", "-C", str(m / "x"), "-xpf", str(tmp_path / "in.tar")], timeout=600)
    sh(["diff", "-r", "--no-dereference", str(local), str(m / "x")])
    assert tree_manifest(m / "x") == tree_manifest(local)
    assert mtimes(m / "x") == mtimes(local)
    sh(["tar", "-C", str(m / "x"), "-cf", str(tmp_path / "out.tar"), "."], timeout=600)
    os.mkdir(tmp_path / "out")
    sh(["tar", "-C", str(tmp_path / "out"), "-xpf", str(tmp_path / "out.tar")])
    sh(["diff", "-r", "--no-dereference", str(local), str(tmp_path / "out")])
    assert tree_manifest(tmp_path / "out") == tree_manifest(local)


def test_find_lists_the_tree(env, tmp_path):
    m = env.mount()
    local = tmp_path / "tree"
    local.mkdir()
    make_tree(local)
    sh(["cp", "-a", f"{local}/.", str(m / "c")])

    def found(root, kind):
        text = out(["find", str(root), "-mindepth", "1", "-type", kind, "-printf", "%P\\n"])
        return sorted(text.splitlines())

    for kind in ("f", "d", "l"):
        assert found(m / "c", kind) == found(local, kind), kind
    assert out(["find", str(m / "c"), "-name", "*.c", "-printf", "%P\\n"]).split() == ["src/a.c"]
    assert out(["find", str(m / "c"), "-size", "+1M", "-printf", "%P\\n"]).split() == ["src/b.bin"]


@pytest.mark.time_limit(600)
def test_ls_l_of_a_thousand_sdk_objects(env):
    b = env.bucket
    names = [f"f{i:04d}" for i in range(1000)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: b.put_object("big/" + n, n.encode() * (int(n[1:]) % 5)), names))
    b.put_object("big/sub/inner", b"i")   # an implicit subdirectory among them
    m = env.mount()
    lines = out(["ls", "-l", "--time-style=+%s", str(m / "big")], timeout=300).splitlines()
    assert lines[0].startswith("total")
    entries = {}
    for line in lines[1:]:
        fields = line.split(None, 6)
        entries[fields[6]] = (fields[0][0], int(fields[4]))
    assert set(entries) == set(names) | {"sub"}
    assert entries["sub"][0] == "d"
    for n in names:
        assert entries[n] == ("-", len(n) * (int(n[1:]) % 5)), n
    assert len(os.listdir(m / "big")) == 1001
    st = os.stat(m / "big" / "f0003")
    assert stat.S_ISREG(st.st_mode) and st.st_size == 15
