"""With `--data DIR`, any legal key is stored and served as itself: no path traversal out of DIR, no
file-name length limit (a key segment may be ~1000 bytes), no file/directory clash between `a`, `a/` and `a/b`."""
import os

from common import payload
from conftest import oss2_bucket
from ossfstest.server import Keys, OSSLocal

BUCKET = "sdk-disk"

# (keys "." and ".." themselves are left out: HTTP clients collapse them as dot segments, so no SDK can send them)
KEYS = ["a", "a/", "a/b", "a/b/c", "a//b", "../escape", "a/../../escape2", "./dot", "...",
        "seg/" + "x" * 1000, "y" * 1023, "ctl\x01\x7f/name", "sp ace/tab\t", "ü/日本/😀", "trailing/slash/",
        "back\\slash", "nul-like%00", ".oss-local", "CON", "aux.txt"]


def _files_outside(root, data_dir):
    outside = []
    for dirpath, _, files in os.walk(root):
        if dirpath == data_dir or dirpath.startswith(data_dir + os.sep):
            continue
        outside += [os.path.join(dirpath, f) for f in files]
    return outside


def test_every_legal_key_on_disk(tmp_path):
    keys = Keys.random()
    data_dir = str(tmp_path / "data")
    os.makedirs(data_dir)
    want = {k: payload(100 + i, 80 + i) for i, k in enumerate(KEYS)}
    with OSSLocal(buckets=[BUCKET], keys=keys, data_dir=data_dir) as srv:
        b = oss2_bucket(srv, BUCKET, "v1")
        for k, v in want.items():
            b.put_object(k, v)
        for k, v in want.items():
            assert b.get_object(k).read() == v, repr(k)
    assert _files_outside(str(tmp_path), data_dir) == []      # nothing escaped the data directory
    with OSSLocal(buckets=[BUCKET], keys=keys, data_dir=data_dir) as srv:
        b = oss2_bucket(srv, BUCKET, "v4")
        listed = [o.key for o in b.list_objects(max_keys=1000).object_list]
        assert listed == sorted(want, key=lambda k: k.encode())
        for k, v in want.items():
            assert b.get_object(k).read() == v, repr(k)
        b.delete_object("a/b")
        assert b.get_object("a/b/c").read() == want["a/b/c"] and b.get_object("a").read() == want["a"]
