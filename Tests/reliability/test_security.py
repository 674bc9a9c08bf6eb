"""Secrets and permissions: credential-file modes as in ossfs 1.x, secrets absent from the daemon's argv,
environment and logs (at debug level, with curldbg=body) and from error messages; allow_other with
default_permissions checked with a real second user; TLS verified by default against oss-local behind an
nginx TLS terminator with a self-signed certificate."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import write_private
from ossfstest import mount as mountlib
from ossfstest.server import Keys
from rellib.tls import TLSProxy, self_signed
from rellib.worker import Worker, content


def run_ossfs(env, options: list[str], extra_env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """ossfs in the foreground, expected to fail before mounting; its output as text (stdout + stderr)."""
    mp = env.mountpoint()
    base = {k: v for k, v in os.environ.items() if not k.startswith("OSS")}
    try:
        r = subprocess.run(mountlib.ossfs_command(env.server.bucket, mp, options), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL, env={**base, **(extra_env or {})})
    finally:
        if mountlib.is_fuse_mounted(mp):
            subprocess.run(["fusermount3", "-uz", str(mp)], capture_output=True, timeout=30)
            pytest.fail("ossfs mounted although it should have refused")
    r.output = r.stdout + r.stderr
    return r


# ---- credential files -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, message", [
    (0o644, "should not have others permissions"),
    (0o604, "should not have others permissions"),
    (0o640, "should not have group permissions"),
    (0o700, "should not have executable permissions"),
])
def test_credentials_file_mode_refused(env, mode, message):
    env.server.start([])
    os.chmod(env.passwd_file, mode)
    r = run_ossfs(env, env.options())
    assert r.returncode != 0, r.output
    assert f"credentials file {env.passwd_file} {message}." in r.output, r.output
    assert env.server.keys.access_key_secret not in r.output


def test_credentials_file_0600_accepted(env):
    env.server.start([])
    os.chmod(env.passwd_file, 0o600)
    m = env.mount(env.options())
    (m / "ok").write_bytes(b"ok")
    assert env.bucket.get_object("ok").read() == b"ok"


# ---- secrets ---------------------------------------------------------------------------------------

def secret_hits(text: bytes | str, secrets_: list[str]) -> list[str]:
    data = text.encode(errors="replace") if isinstance(text, str) else text
    return [s[:6] + "..." for s in secrets_ if s.encode() in data]


@pytest.mark.time_limit(300)
def test_secrets_not_in_proc_or_debug_logs(env):
    """STS keys from the environment; dbglevel=debug, curldbg=body, logfile=; a workload with errors."""
    token = "RelToken" + secrets.token_hex(40)
    env.server.keys = Keys(env.server.keys.access_key_id, env.server.keys.access_key_secret, token)
    env.server.start([])
    watched = [env.server.keys.access_key_secret, token]
    os.unlink(env.passwd_file)   # keys from the environment only
    logfile = env.workdir / "daemon-debug.log"
    keys_env = {"OSSACCESSKEYID": env.server.keys.access_key_id,
                "OSSSECRETACCESSKEY": env.server.keys.access_key_secret, "OSSSESSIONTOKEN": token}
    base = {k: v for k, v in os.environ.items() if not k.startswith("OSS")}
    opts = [f"url={env.server.endpoint}", "retries=1", "dbglevel=debug", "curldbg=body", f"logfile={logfile}"]
    m = env.mount(opts, env={**base, **keys_env})
    pid = m.process.pid
    # the workload: writes, a multipart-sized file, listing, rename, delete, and failing requests
    (m / "d").mkdir()
    (m / "d" / "small").write_bytes(b"s" * 1000)
    (m / "d" / "big").write_bytes(os.urandom(6 << 20))
    os.listdir(m / "d")
    os.rename(m / "d", m / "e")
    os.unlink(m / "e" / "small")
    with pytest.raises(FileNotFoundError):
        (m / "missing").read_bytes()
    # the process, after start-up
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    assert not secret_hits(cmdline, watched), "secret in /proc/PID/cmdline"
    assert not secret_hits(environ, watched), "secret in /proc/PID/environ"
    for task in Path(f"/proc/{pid}/task").iterdir():
        assert not secret_hits((task / "environ").read_bytes(), watched), f"secret in {task}/environ"
    problems = env.unmount(m)
    assert not problems, problems
    log = logfile.read_text(errors="replace")
    assert "PUT" in log or "put" in log.lower(), "the debug log shows no requests: the check below means nothing"
    assert not secret_hits(log, watched), "secret in the debug logfile"
    assert not secret_hits(m.log_text(), watched), "secret on the daemon's stdout/stderr"


def test_wrong_secret_not_in_error_message(env):
    env.server.start([])
    wrong = "WrongSecret" + secrets.token_hex(12)
    write_private(env.passwd_file, f"{env.server.keys.access_key_id}:{wrong}\n")
    r = run_ossfs(env, env.options(retries=0) + ["dbglevel=debug", "curldbg=body"])
    assert r.returncode != 0
    assert "SignatureDoesNotMatch" in r.output or "signature" in r.output.lower(), r.output[-2000:]
    assert not secret_hits(r.output, [wrong, env.server.keys.access_key_secret]), "secret in the error output"


def test_unknown_key_id_not_leaking_secret(env):
    env.server.start([])
    write_private(env.passwd_file, f"LTAI5tNobody0000:{env.server.keys.access_key_secret}\n")
    r = run_ossfs(env, env.options(retries=0) + ["dbglevel=debug"])
    assert r.returncode != 0
    assert "InvalidAccessKeyId" in r.output or "access key" in r.output.lower(), r.output[-2000:]
    assert not secret_hits(r.output, [env.server.keys.access_key_secret])


# ---- allow_other / default_permissions with a real second user -------------------------------------

@pytest.fixture
def other_user():
    name = "relh" + secrets.token_hex(3)
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name],
                   check=True, capture_output=True, timeout=30)
    try:
        pw = pwd.getpwnam(name)
        yield pw.pw_uid, pw.pw_gid
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=30)


@pytest.fixture
def public_dir():
    """A mount point's parent every user can traverse (pytest's tmp tree is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="ossfs-rel-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def as_user(user, op: dict) -> dict:
    w = Worker(user=user)
    try:
        return w.run(op, timeout=60)
    finally:
        w.close()


@pytest.mark.time_limit(300)
def test_allow_other_enforces_modes_for_another_user(env, other_user, public_dir):
    env.server.start([])
    mp = public_dir / "mnt"
    mp.mkdir()
    m = env.mount(env.options() + ["allow_other"], mountpoint=mp)
    # (the mount root itself is 0777 with allow_other, as in ossfs 1.x (mp_umask=0): so inside a 0755 directory)
    rootdir = mp / "rootdir"
    rootdir.mkdir()
    os.chmod(rootdir, 0o755)
    secret_file, public_file = rootdir / "private.txt", rootdir / "public.txt"
    secret_file.write_bytes(b"root only")
    os.chmod(secret_file, 0o600)
    public_file.write_bytes(b"for everyone")
    os.chmod(public_file, 0o644)
    # control: the other user reaches the mount and reads what the modes allow
    r = as_user(other_user, {"op": "read", "path": str(public_file)})
    assert r["ok"] and r["value"]["size"] == len(b"for everyone"), r
    r = as_user(other_user, {"op": "listdir", "path": str(rootdir)})
    assert r["ok"] and r["value"] == ["private.txt", "public.txt"], r
    # and nothing more
    r = as_user(other_user, {"op": "read", "path": str(secret_file)})
    assert not r["ok"] and r["errno"] == "EACCES", r
    r = as_user(other_user, {"op": "write", "path": str(rootdir / "intruder"), "seed": 1, "size": 10})
    assert not r["ok"] and r["errno"] == "EACCES", r
    r = as_user(other_user, {"op": "unlink", "path": str(public_file)})
    assert not r["ok"] and r["errno"] == "EACCES", r
    r = as_user(other_user, {"op": "pwrite", "path": str(public_file), "seed": 2, "size": 3, "offset": 0})
    assert not r["ok"] and r["errno"] == "EACCES", r
    assert not (rootdir / "intruder").exists()
    assert env.bucket.get_object("rootdir/public.txt").read() == b"for everyone"
    assert env.unmount(m) == []


# The mount root with allow_other is 0777 & ~mp_umask, mp_umask defaulting to 0000: ossfs 1.x and s3fs document
# exactly this ("allows access to all users as the default"), so it stays for compatibility; man/ossfs.1 tells
# to set mp_umask=022 (or 002/077) where other users must not create or delete at the top of the bucket.
@pytest.mark.parametrize("umask, mode, can_list, can_create", [
    (None, 0o777, True, True),
    ("022", 0o755, True, False),
    ("077", 0o700, False, False),
])
@pytest.mark.time_limit(300)
def test_mount_root_mode_follows_mp_umask_for_another_user(env, other_user, public_dir, umask, mode, can_list,
                                                           can_create):
    env.server.start([])
    env.bucket.put_object("owned-by-root", b"x", headers={"x-oss-meta-mode": str(0o100644),
                                                          "x-oss-meta-uid": "0", "x-oss-meta-gid": "0"})
    mp = public_dir / "mnt"
    mp.mkdir()
    m = env.mount(env.options() + ["allow_other"] + ([f"mp_umask={umask}"] if umask else []), mountpoint=mp)
    assert os.stat(mp).st_mode & 0o7777 == mode, oct(os.stat(mp).st_mode)
    r = as_user(other_user, {"op": "stat", "path": str(mp)})
    assert r["ok"] and r["value"]["mode"] & 0o7777 == mode, r
    r = as_user(other_user, {"op": "listdir", "path": str(mp)})
    assert r["ok"] == can_list, r
    if not can_list:
        assert r["errno"] == "EACCES", r
    r = as_user(other_user, {"op": "write", "path": str(mp / "by-other-user"), "seed": 3, "size": 10})
    assert r["ok"] == can_create, r
    if can_create:
        assert env.bucket.get_object("by-other-user").read() == content(3, 10)
    else:
        assert r["errno"] == "EACCES", r
        assert not env.bucket.object_exists("by-other-user")
    assert env.bucket.object_exists("owned-by-root")
    assert env.unmount(m) == []


@pytest.mark.time_limit(300)
def test_without_allow_other_other_users_see_nothing(env, other_user, public_dir):
    env.server.start([])
    env.bucket.put_object("visible-to-root", b"x")
    mp = public_dir / "mnt"
    mp.mkdir()
    m = env.mount(env.options(), mountpoint=mp)
    assert os.listdir(mp) == ["visible-to-root"]
    for op in ({"op": "stat", "path": str(mp)}, {"op": "listdir", "path": str(mp)},
               {"op": "read", "path": str(mp / "visible-to-root")}):
        r = as_user(other_user, op)
        assert not r["ok"] and r["errno"] == "EACCES", (op, r)
    assert env.unmount(m) == []


# ---- TLS -------------------------------------------------------------------------------------------

@pytest.fixture
def tls(env):
    env.server.start([])
    certs = env.workdir / "certs"
    certs.mkdir()
    cert, key = self_signed(certs, "oss-local-test")
    other_ca, _ = self_signed(certs, "some-other-ca")
    proxy = TLSProxy(env.workdir, env.server.port, cert, key).start()
    env.cleanups.append(proxy.stop)
    return proxy, cert, other_ca


def test_tls_self_signed_refused_by_default(env, tls):
    proxy, _, _ = tls
    r = run_ossfs(env, env.options(url=proxy.endpoint, retries=0))
    assert r.returncode != 0
    assert "certificate" in r.output.lower(), r.output[-2000:]


def test_tls_refused_with_the_wrong_ca(env, tls):
    proxy, _, other_ca = tls
    r = run_ossfs(env, env.options(url=proxy.endpoint, retries=0) + [f"ssl_ca_file={other_ca}"])
    assert r.returncode != 0
    assert "certificate" in r.output.lower(), r.output[-2000:]


def test_tls_accepted_with_its_ca(env, tls):
    proxy, cert, _ = tls
    m = env.mount(env.options(url=proxy.endpoint) + [f"ssl_ca_file={cert}"])
    data = os.urandom(300_000)
    (m / "over-tls").write_bytes(data)
    assert (m / "over-tls").read_bytes() == data
    assert env.bucket.get_object("over-tls").read() == data
    assert "verification is off" not in m.log_text()


def test_tls_unreadable_ca_file_refused_at_startup(env, tls):
    proxy, _, _ = tls
    r = run_ossfs(env, env.options(url=proxy.endpoint) + [f"ssl_ca_file={env.workdir / 'no-such.pem'}"])
    assert r.returncode != 0
    assert "ssl_ca_file" in r.output, r.output[-2000:]


def test_tls_no_check_certificate_accepted_with_a_warning(env, tls):
    proxy, _, _ = tls
    m = env.mount(env.options(url=proxy.endpoint) + ["no_check_certificate", "dbglevel=warn"])
    (m / "unverified").write_bytes(b"x")
    assert env.bucket.get_object("unverified").read() == b"x"
    assert "verification is off" in m.log_text(), m.log_text()[-2000:]


def daemon_pids(mountpoint: Path) -> list[int]:
    """ossfs processes whose argv names this mount point."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"ossfs") and str(mountpoint).encode() in argv:
                pids.append(int(entry))
    return pids


@pytest.mark.time_limit(200)
def test_daemonized_process_holds_no_secret_in_environ(env):
    """Without -f ossfs forks into the background: the daemon must not carry the keys either."""
    env.server.start([])
    os.unlink(env.passwd_file)
    mp = env.mountpoint()
    keys = env.server.keys
    base = {k: v for k, v in os.environ.items() if not k.startswith("OSS")}
    r = subprocess.run(mountlib.ossfs_command(env.server.bucket, mp, [f"url={env.server.endpoint}", "retries=1"],
                                              foreground=False),
                       env={**base, "OSS_ACCESS_KEY_ID": keys.access_key_id,
                            "OSS_ACCESS_KEY_SECRET": keys.access_key_secret},
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    pids = daemon_pids(mp)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert mountlib.is_fuse_mounted(mp)
        assert pids, "no daemon found for the mount point"
        (mp / "x").write_bytes(b"x")
        for pid in pids:
            assert not secret_hits(Path(f"/proc/{pid}/environ").read_bytes(), [keys.access_key_secret])
            assert not secret_hits(Path(f"/proc/{pid}/cmdline").read_bytes(), [keys.access_key_secret])
    finally:
        if mountlib.is_fuse_mounted(mp):
            subprocess.run(["fusermount3", "-u", str(mp)], capture_output=True, timeout=60)
        for pid in pids:
            mountlib.wait_gone(pid, 30) or os.kill(pid, 9)
    assert env.bucket.get_object("x").read() == b"x"
