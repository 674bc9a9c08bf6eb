"""Names: special characters map to the exact keys; over-long names are refused; keys no filesystem can
show (`a//b`, `.`/`..` segments, over-long segments, a file beside a directory of the same name) never
crash the daemon and never produce a path outside the mount. Archived objects read as EIO with a log line
that says to restore them."""
import errno
import os

import oss2
import pytest

from e2elib import api
from e2elib.tools import read_file, sh

SPECIAL = ["with space", "percent%41", "plus+sign", "question?mark", "hash#tag", "amp&eq=", "quote'\"",
           "back\\slash", "tab\tname", "caf\u00e9", "\u4e2d\u6587", "emoji-\U0001F600", "semi;colon", "~tilde",
           "star*", "-leading-dash", "trailing-dot.", "..dots", "a:b"]


def test_special_characters_map_to_exact_keys(env):
    m = env.mount()
    for i, name in enumerate(SPECIAL):
        (m / name).write_bytes(f"{i}\n".encode())
    os.mkdir(m / "dir with space & more")
    (m / "dir with space & more" / "caf\u00e9 #1").write_bytes(b"nested")
    assert sorted(os.listdir(m.path)) == sorted(SPECIAL + ["dir with space & more"])
    keys = set(api.list_keys(env.bucket))
    assert keys == set(SPECIAL) | {"dir with space & more/", "dir with space & more/caf\u00e9 #1"}
    for i, name in enumerate(SPECIAL):
        assert api.get(env.bucket, name) == f"{i}\n".encode(), name
    # a fresh mount lists and reads them back from OSS
    m2 = env.mount()
    assert sorted(os.listdir(m2.path)) == sorted(SPECIAL + ["dir with space & more"])
    assert read_file(m2 / "dir with space & more" / "caf\u00e9 #1") == b"nested"


def test_names_that_differ_only_in_unicode_normalization_are_two_files(env):
    """"caf\u00e9" as Linux writes it (NFC) and as macOS does (NFD), and a name that starts with a combining
    mark: three objects, three files, each read, written and renamed under its own bytes."""
    b = env.bucket
    names = ["caf\u00e9", "cafe\u0301", "\u0301x"]
    for i, n in enumerate(names):
        b.put_object("uni/" + n, f"object {i}\n".encode())
    m = env.mount()
    d = os.path.join(m.path, "uni").encode()
    assert sorted(os.listdir(d)) == sorted(n.encode() for n in names)
    for i, n in enumerate(names):
        assert read_file(os.path.join(d, n.encode())) == f"object {i}\n".encode(), n.encode()
    with open(os.path.join(d, names[1].encode()), "wb") as f:
        f.write(b"rewritten through the NFD name\n")
    assert api.get(b, "uni/" + names[1]) == b"rewritten through the NFD name\n"
    assert api.get(b, "uni/" + names[0]) == b"object 0\n"
    sh(["mv", os.path.join(m.path, "uni"), os.path.join(m.path, "uni2")])
    assert sorted(k.encode() for k in api.list_keys(b) if k.startswith("uni")) == \
        sorted(("uni2/" + n).encode() for n in names)
    assert api.get(b, "uni2/" + names[2]) == b"object 2\n"


def test_names_that_are_not_utf8_are_refused_not_merged(env):
    """OSS keys are UTF-8. Two Latin-1 names (as in an old tar archive) must not both land on one repaired key
    (each bad byte as U+FFFD), the second silently replacing the first: a new such name fails with EILSEQ,
    and looking one up finds nothing."""
    m = env.mount()
    d = os.fsencode(m.path)
    for name in (b"r\xe9sum\xe9.txt", b"r\xe8sum\xe8.txt"):
        with pytest.raises(OSError) as e:
            with open(os.path.join(d, name), "wb") as f:
                f.write(b"latin-1")
        assert e.value.errno == errno.EILSEQ, name
        assert not os.path.exists(os.path.join(d, name))
        with pytest.raises(OSError) as e:
            os.mkdir(os.path.join(d, name + b".d"))
        assert e.value.errno == errno.EILSEQ
    with pytest.raises(OSError) as e:
        os.symlink(b"target-\xff", os.path.join(d, b"link"))
    assert e.value.errno == errno.EILSEQ
    (m / "ok.txt").write_bytes(b"fine")
    with pytest.raises(OSError) as e:
        os.rename(os.path.join(d, b"ok.txt"), os.path.join(d, b"\xff"))
    assert e.value.errno == errno.EILSEQ
    assert read_file(m / "ok.txt") == b"fine"
    assert api.list_keys(env.bucket) == ["ok.txt"]


def test_names_longer_than_255_bytes_are_refused(env):
    m = env.mount()
    with pytest.raises(OSError) as e:
        (m / ("n" * 256)).write_bytes(b"x")
    assert e.value.errno == errno.ENAMETOOLONG
    (m / ("n" * 255)).write_bytes(b"x")
    assert api.exists(env.bucket, "n" * 255)


def test_keys_no_filesystem_can_show(env):
    b = env.bucket
    odd = ["a//b", "./dot", "x/./y", "../escape", "up/../../escape2", "x/../z",
           "long/" + "L" * 300, "L" * 300, "clash", "clash/child", "fine/ok"]
    stored = []
    for k in odd:
        try:
            b.put_object(k, b"odd:" + k.encode())
            stored.append(k)
        except oss2.exceptions.ServerError as e:   # OSS itself may refuse some of these names
            assert e.status == 400, e
    assert "clash/child" in stored and "a//b" in stored and "fine/ok" in stored
    m = env.mount()
    root = os.path.realpath(m.path)
    seen = []
    for dirpath, dirnames, filenames in os.walk(m.path):
        for name in dirnames + filenames:
            assert name not in (".", "..") and "/" not in name and len(name.encode()) <= 255, repr(name)
            p = os.path.join(dirpath, name)
            assert os.path.realpath(p).startswith(root + os.sep), f"{p} resolves outside the mount"
            os.lstat(p)
            seen.append(os.path.relpath(p, m.path))
        assert len(set(dirnames + filenames)) == len(dirnames + filenames), f"duplicate names in {dirpath}"
    assert m.process.poll() is None, f"ossfs died on odd keys:\n{m.log_text()[-3000:]}"
    assert read_file(m / "fine" / "ok") == b"odd:fine/ok"
    # the daemon still works normally
    (m / "after").write_bytes(b"fine")
    assert api.get(b, "after") == b"fine"
    assert not os.path.exists(os.path.join(os.path.dirname(root), "escape"))
    assert all(api.exists(b, k) for k in stored), "listing or reading must not delete odd keys"


def test_archived_object_reads_as_eio_and_logs_restore(env):
    b = env.bucket
    b.put_object("cold", b"frozen", headers={"x-oss-storage-class": "Archive"})
    b.put_object("warm", b"ok")
    log = env.workdir / "ossfs-logfile.txt"
    m = env.mount([f"logfile={log}"])
    assert os.stat(m / "cold").st_size == len(b"frozen")
    with pytest.raises(OSError) as e:
        read_file(m / "cold")
    assert e.value.errno == errno.EIO
    assert read_file(m / "warm") == b"ok"
    # logfile= should get it; with -f the daemon may log to stderr instead: accept either place
    text = (log.read_text(errors="replace") if log.exists() else "") + m.log_text()
    assert any("restore" in line.lower() and "cold" in line for line in text.splitlines()), \
        f"no log line about restoring 'cold' (logfile= and -f output):\n{text[-2000:]}"


def test_access_checks(env):
    m = env.mount()
    (m / "f").write_bytes(b"1")
    os.chmod(m / "f", 0o644)
    assert os.access(m / "f", os.R_OK | os.W_OK)
    assert not os.access(m / "missing", os.F_OK)
    sh(["test", "-r", str(m / "f")])
