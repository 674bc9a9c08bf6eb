"""One compact workload under many ossfs 1.x option sets, as ossfs 1.x's own suite reruns itself under
about 30 flag sets: a multi-part file by cp, chmod, rename, a range overwrite and a grow, a directory, a
symlink, and a fresh mount reading it all back; each step checked through the API."""
import os
import stat

import pytest

from e2elib import api
from e2elib.tools import pattern, read_file, sh, write_local

MiB = 1024 * 1024

OPTION_SETS = {
    "defaults": [],
    "nomultipart": ["nomultipart"],
    "nocopyapi": ["nocopyapi"],
    "listobjectsv2": ["listobjectsv2"],
    "sigv4": ["sigv4", "region=cn-hangzhou"],
    "no-stat-cache": ["max_stat_cache_size=0"],
    "no-negative-cache": ["disable_noobj_cache"],
    "disk-cache": ["use_cache={tmp}/cache", "del_cache"],
    "serial": ["parallel_count=1", "multireq_max=1"],
    "tmpdir-and-diskfree": ["tmpdir={tmp}/staging", "ensure_diskfree=100", "max_dirty_data=50"],
    "kernel-cache": ["kernel_cache", "attr_timeout=1", "entry_timeout=1"],
    "max-read": ["max_read=131072"],
    "compat-dir": ["notsup_compat_dir", "complement_stat"],
    "storage-class-ia": ["storage_class=IA"],
    "logging": ["dbglevel=debug", "logfile={tmp}/ossfs-debug.txt", "curldbg"],
    "path-style": ["use_path_request_style"],
}


@pytest.mark.time_limit(600)
@pytest.mark.parametrize("name", list(OPTION_SETS))
def test_workload_under_option_set(env, tmp_path, name):
    (tmp_path / "staging").mkdir()
    opts = [o.format(tmp=tmp_path) for o in OPTION_SETS[name]] + ["multipart_size=5", "multipart_threshold=5"]
    m = env.mount(opts)
    b = env.bucket

    data = pattern(11 * MiB + 3, 1)
    write_local(tmp_path / "src", data)
    sh(["cp", str(tmp_path / "src"), str(m / "big")])
    h = api.assert_object(b, "big", data)
    if name == "nomultipart":
        assert h["x-oss-object-type"] == "Normal", "nomultipart must upload with a single PUT"
    if name == "storage-class-ia":
        assert h.get("x-oss-storage-class") == "IA"

    os.chmod(m / "big", 0o600)
    assert int(api.headers(b, "big")[api.META_MODE]) == stat.S_IFREG | 0o600

    os.rename(m / "big", m / "moved")
    assert not api.exists(b, "big")
    model = bytearray(data)
    with open(m / "moved", "r+b") as f:
        f.seek(5 * MiB - 2)
        f.write(b"XYZW")
        model[5 * MiB - 2:5 * MiB + 2] = b"XYZW"
        f.truncate(12 * MiB)
    model.extend(b"\0" * (12 * MiB - len(model)))
    h = api.assert_object(b, "moved", bytes(model))
    assert int(h[api.META_MODE]) == stat.S_IFREG | 0o600, "mode survives rename and rewrite"

    os.mkdir(m / "dir")
    (m / "dir" / "small").write_bytes(b"small")
    os.symlink("small", m / "dir" / "link")
    assert sorted(os.listdir(m / "dir")) == ["link", "small"]
    assert api.list_keys(b) == ["dir/", "dir/link", "dir/small", "moved"]

    m2 = env.mount(opts)
    assert read_file(m2 / "moved") == bytes(model)
    assert os.readlink(m2 / "dir" / "link") == "small"
    assert stat.S_IMODE(os.stat(m2 / "moved").st_mode) == 0o600
    os.unlink(m2 / "dir" / "link")
    os.unlink(m2 / "dir" / "small")
    os.rmdir(m2 / "dir")
    assert api.list_keys(b) == ["moved"]
    if name == "logging":
        log = (tmp_path / "ossfs-debug.txt").read_text(errors="replace")
        assert log, "logfile= got no log lines at dbglevel=debug"
        secret = env.server.keys.access_key_secret
        assert secret not in log and secret not in m.log_text() + m2.log_text(), "the secret is in the debug log"
