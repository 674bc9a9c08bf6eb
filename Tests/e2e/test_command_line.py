"""The ossfs command line as users meet it: daemon mode that returns once mounted, and every mistake a
user makes (missing or non-empty mountpoint, wrong secret, unknown key id, missing bucket, unreachable
endpoint, unknown option or bad value, loose passwd file permissions, region mismatch, an Archive bucket)
gives a non-zero exit and one line that names the problem, without the secret and without a mount left
behind. Also: prefix mounts, fstab-only words, SIGTERM/SIGINT unmounting cleanly."""
import errno
import os
import re
import signal
import time

import pytest

from conftest import write_passwd_file
from e2elib import api
from e2elib import mount as mountlib
from e2elib.server import free_port
from e2elib.tools import pattern, read_file, sh


def assert_refused(env, r, mp, *patterns):
    """Non-zero exit; one stderr line matching every regex (case-insensitive); a short message, no
    secret, no mount and no daemon left behind."""
    text = r.stderr + r.stdout
    assert r.returncode != 0, f"exit 0 although it should have failed:\n{text}"
    assert env.server.keys.access_key_secret not in text, "the secret appears in the output"
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines, f"no message on stderr (stdout: {r.stdout!r})"
    matching = [line for line in lines if all(re.search(p, line, re.I) for p in patterns)]
    assert matching, f"no stderr line matches all of {patterns}:\n{r.stderr}"
    assert len(lines) <= 3, f"expected a short message, got {len(lines)} lines:\n{r.stderr}"
    assert not mountlib.is_fuse_mounted(mp), "a mount was left behind"
    deadline = time.monotonic() + 10
    while mountlib.ossfs_pids(mp) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mountlib.ossfs_pids(mp) == [], "an ossfs process was left behind"


def run(env, spec, mp, options, timeout=90, **kw):
    env.track_daemon(mp, options, spec)   # should it mount after all, teardown undoes it
    return mountlib.run_ossfs(spec, mp, options, timeout=timeout, **kw)


def test_daemon_mode_returns_once_mounted_and_unmounts_cleanly(env):
    mp = env.new_mountpoint()
    opts = env.base_options()
    m = env.track_daemon(mp, opts)   # tracked first: teardown unmounts it whatever happens below
    r = mountlib.run_ossfs(env.bucket_name, mp, opts)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    assert mountlib.is_fuse_mounted(mp), "ossfs exited 0 before the mount was live"
    daemons = mountlib.ossfs_pids(mp)
    assert daemons, "no daemon process serves the mount"
    m.pids = daemons
    (mp / "hello").write_bytes(b"daemon\n")
    api.assert_object(env.bucket, "hello", b"daemon\n")
    sh(["fusermount3", "-u", str(mp)])
    deadline = time.monotonic() + 30
    while mountlib.ossfs_pids(mp) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mountlib.ossfs_pids(mp) == [], "the daemon kept running after fusermount3 -u"


def test_daemon_detaches_from_callers_output(env):
    """`out=$(ossfs ...)`, mount(8) and systemd read ossfs's output until EOF: the daemon must not keep
    the caller's stdout/stderr open, or the caller hangs although ossfs itself has exited."""
    import subprocess
    mp = env.new_mountpoint()
    opts = env.base_options()
    env.track_daemon(mp, opts)
    p = subprocess.Popen(mountlib.ossfs_command(env.bucket_name, mp, opts, False), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.wait(timeout=60) == 0, p.stderr.read(2000) if p.poll() is not None else ""
        env.mounts[-1].pids = mountlib.ossfs_pids(mp)
        try:
            p.communicate(timeout=10)   # EOF on both pipes once the parent is gone
        except subprocess.TimeoutExpired:
            pytest.fail("the ossfs daemon still holds the caller's stdout/stderr open after the parent exited "
                        "(a caller reading them to EOF hangs)")
    finally:
        if p.poll() is None:
            p.kill()
        for stream in (p.stdout, p.stderr):
            stream.close()


def test_version_and_help(env):
    exe = str(mountlib.binary("ossfs"))
    v = sh([exe, "--version"])
    assert re.search(rb"\d+\.\d+", v.stdout + v.stderr), v
    h = sh([exe, "--help"])
    text = (h.stdout + h.stderr).decode()
    for word in ("passwd_file", "url", "MOUNTPOINT"):
        assert word.lower() in text.lower(), f"--help does not mention {word}"


def test_missing_mountpoint(env, tmp_path):
    mp = tmp_path / "no-such-dir"
    r = run(env, env.bucket_name, mp, env.base_options())
    assert_refused(env, r, mp, re.escape(str(mp)))


def test_non_empty_mountpoint_needs_nonempty(env):
    mp = env.new_mountpoint()
    (mp / "local-file").write_bytes(b"x")
    r = run(env, env.bucket_name, mp, env.base_options())
    assert_refused(env, r, mp, r"not empty", r"nonempty")
    m = env.mount(["nonempty"], mountpoint=mp)
    (m / "f").write_bytes(b"over a non-empty dir")
    api.assert_object(env.bucket, "f", b"over a non-empty dir")


def test_wrong_secret(env):
    mp = env.new_mountpoint()
    bad = write_passwd_file(env.workdir / "bad-secret", f"{env.server.keys.access_key_id}:WrongSecret123456")
    r = run(env, env.bucket_name, mp, env.base_options(passwd_file=bad))
    assert_refused(env, r, mp, r"secret")
    assert "WrongSecret123456" not in r.stderr + r.stdout


def test_unknown_access_key_id(env):
    mp = env.new_mountpoint()
    bad = write_passwd_file(env.workdir / "bad-id", f"LTAI5tUnknownId000:{env.server.keys.access_key_secret}")
    r = run(env, env.bucket_name, mp, env.base_options(passwd_file=bad))
    assert_refused(env, r, mp, r"(access ?key ?id|accesskeyid|key id)")


def test_missing_bucket(env):
    mp = env.new_mountpoint()
    r = run(env, "e2e-no-such-bucket", mp, env.base_options())
    assert_refused(env, r, mp, r"e2e-no-such-bucket", r"(no ?such ?bucket|not exist|not found)")


def test_unreachable_endpoint(env):
    mp = env.new_mountpoint()
    port = free_port()   # nothing listens here
    r = run(env, env.bucket_name, mp,
            env.base_options(url=f"http://127.0.0.1:{port}", retries=1, connect_timeout=2, readwrite_timeout=5),
            timeout=120)
    assert_refused(env, r, mp, r"(connect|unreachable|refused|endpoint)")


def test_unknown_option(env):
    mp = env.new_mountpoint()
    r = run(env, env.bucket_name, mp, env.base_options() + ["no_such_option_xyz=1"])
    assert_refused(env, r, mp, r"no_such_option_xyz")


def test_bad_option_value(env):
    mp = env.new_mountpoint()
    r = run(env, env.bucket_name, mp, env.base_options() + ["multipart_size=lots"])
    assert_refused(env, r, mp, r"multipart_size")


def test_passwd_file_readable_by_others(env):
    mp = env.new_mountpoint()
    loose = write_passwd_file(env.workdir / "loose", f"{env.server.keys.access_key_id}:"
                                                     f"{env.server.keys.access_key_secret}")
    os.chmod(loose, 0o644)
    r = run(env, env.bucket_name, mp, env.base_options(passwd_file=loose))
    assert_refused(env, r, mp, r"permission", re.escape(loose.name))


def test_region_mismatch_with_sigv4(env):
    mp = env.new_mountpoint()
    r = run(env, env.bucket_name, mp, env.base_options() + ["sigv4", "region=cn-beijing"])
    assert_refused(env, r, mp, r"region")


@pytest.mark.oss_local(args=["--bucket", "e2e-archived:Archive"])
def test_archive_bucket_refused(env):
    mp = env.new_mountpoint()
    r = run(env, "e2e-archived", mp, env.base_options())
    assert_refused(env, r, mp, r"archive")


@pytest.mark.parametrize("signing", [["sigv1"], ["sigv4", "region=cn-hangzhou"]])
def test_both_signature_versions_work(env, signing):
    m = env.mount(signing)
    data = pattern(70000, 3)
    (m / "signed").write_bytes(data)
    api.assert_object(env.bucket, "signed", data)
    assert read_file(m / "signed") == data
    assert os.listdir(m.path) == ["signed"]


def test_fstab_only_words_are_accepted(env):
    m = env.mount(["_netdev", "auto", "noauto", "user", "users", "nouser", "nofail", "defaults", "dev", "suid",
                   "rw", "x-systemd.automount"])
    (m / "f").write_bytes(b"fstab")
    api.assert_object(env.bucket, "f", b"fstab")


def test_prefix_mount_sees_and_writes_only_its_prefix(env):
    b = env.bucket
    b.put_object("pre/inside", b"in")
    b.put_object("pre/sub/deeper", b"deep")
    b.put_object("outside", b"out")
    b.put_object("prefix-lookalike/x", b"no")
    m = env.mount(prefix="pre")
    assert sorted(os.listdir(m.path)) == ["inside", "sub"]
    assert read_file(m / "inside") == b"in"
    (m / "new").write_bytes(b"new")
    os.mkdir(m / "made")
    os.rename(m / "inside", m / "made" / "moved")
    keys = [k for k in api.list_keys(b) if k != "pre/"]   # a marker for the prefix itself would be harmless
    assert keys == ["outside", "pre/made/", "pre/made/moved", "pre/new", "pre/sub/deeper", "prefix-lookalike/x"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_unmounts_cleanly(env, sig):
    m = env.mount(["multipart_size=5", "multipart_threshold=5"])
    data = pattern(6 * 1024 * 1024 + 9, 1)
    (m / "last").write_bytes(data)
    m.expect_exit = True
    m.process.send_signal(sig)
    try:
        rc = m.process.wait(timeout=60)
    except Exception:
        pytest.fail(f"ossfs did not exit within 60s of {sig.name}")
    assert rc == 0, f"ossfs exited {rc} on {sig.name}:\n{m.log_text()[-2000:]}"
    assert not mountlib.is_fuse_mounted(m.path), f"still mounted after {sig.name}"
    api.assert_object(env.bucket, "last", data)


def test_read_only_mount(env):
    env.bucket.put_object("existing", b"e")
    m = env.mount(["ro"])
    assert read_file(m / "existing") == b"e"
    for attempt in (lambda: (m / "new").write_bytes(b"x"), lambda: os.unlink(m / "existing"),
                    lambda: os.mkdir(m / "d"), lambda: os.chmod(m / "existing", 0o600)):
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS
    assert api.list_keys(env.bucket) == ["existing"]


def test_logfile_reopened_on_sighup(env):
    log = env.workdir / "ossfs.txt"
    m = env.mount([f"logfile={log}", "dbglevel=debug"])
    (m / "a").write_bytes(b"a")
    deadline = time.monotonic() + 10
    while not (log.exists() and log.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log.exists() and log.stat().st_size > 0, "nothing logged at dbglevel=debug"
    os.rename(log, env.workdir / "ossfs.txt.1")      # what logrotate does
    m.process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    (m / "b").write_bytes(b"b")
    os.listdir(m.path)
    deadline = time.monotonic() + 10
    while not (log.exists() and log.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log.exists() and log.stat().st_size > 0, "SIGHUP did not reopen logfile= at its path"
    assert m.process.poll() is None, "SIGHUP ended the daemon"
    assert api.get(env.bucket, "b") == b"b"


def test_secret_not_in_daemon_argv(env):
    mp = env.new_mountpoint()
    opts = env.base_options()
    env.track_daemon(mp, opts)
    r = mountlib.run_ossfs(env.bucket_name, mp, opts)
    assert r.returncode == 0, r.stderr
    secret = env.server.keys.access_key_secret.encode()
    for pid in mountlib.ossfs_pids(mp):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            assert secret not in f.read(), "the secret is in the daemon's argv"
