"""mount.ossfs tests: the real mount(8) and umount(8) against the local OSS server, with the built helpers
installed where mount(8) looks for them, plus the helper's option translation, environment and exit codes.

Run as root from the repository root:  python3 -m pytest Tests/cli/test_mount_helper.py
(needs pytest and oss2, and /dev/fuse). The products ossfs, mount.ossfs and oss-local are built with
`swift build --product ...` unless OSSFS_BUILD_DIR names a directory that holds them.

For the duration of the session the tests create /sbin/mount.ossfs and /sbin/mount.fuse.ossfs (mount(8)
searches /sbin for mount.TYPE) and /usr/local/sbin/ossfs (mount.fuse3 finds ossfs on the standard PATH
mount(8) gives helpers), all symlinks to the built binaries, and remove them afterwards. They never touch
/etc/fstab: fstab lines go into temporary files read with `mount -T FILE`.
"""

import os
import pwd
import re
import select
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid

import oss2
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUCKET = "mount-helper-test"
KEY_ID = "LTAImounthelper"
SECRET = "MountHelperS3cretValue"
WRONG_SECRET = "NotTheRightS3cretValue"
STANDARD_HELPER_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mount(8) tests run as root")


# --- build, server, credentials, installed helpers ----------------------------------------------------------

@pytest.fixture(scope="session")
def build_dir():
    given = os.environ.get("OSSFS_BUILD_DIR")
    if not given:
        for product in ["ossfs", "mount.ossfs", "oss-local"]:
            subprocess.run(["swift", "build", "--product", product], cwd=REPO, check=True)
        given = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout.strip()
    path = os.path.realpath(given)
    for name in ["ossfs", "mount.ossfs", "oss-local"]:
        assert os.access(os.path.join(path, name), os.X_OK), f"{name} is not built in {path}"
    return path


@pytest.fixture(scope="session")
def helper(build_dir):
    return os.path.join(build_dir, "mount.ossfs")


@pytest.fixture(scope="session")
def server(build_dir):
    """oss-local on an ephemeral port with BUCKET and the test keys; yields its URL."""
    env = dict(os.environ, OSS_ACCESS_KEY_ID=KEY_ID, OSS_ACCESS_KEY_SECRET=SECRET)
    process = subprocess.Popen([os.path.join(build_dir, "oss-local"), "--listen", "127.0.0.1:0",
                                "--bucket", BUCKET, "--memory"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "oss-local did not start"
        line = process.stdout.readline()
        assert "listening on http://" in line, line + process.stderr.read()
        yield line.strip().rsplit(" ", 1)[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def sdk(server):
    return oss2.Bucket(oss2.Auth(KEY_ID, SECRET), server, BUCKET)


@pytest.fixture(scope="session")
def secrets_dir():
    path = tempfile.mkdtemp(prefix="mount-helper-creds-")
    os.chmod(path, 0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def passwd_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="session")
def passwd(secrets_dir):
    """The default pair (any bucket), so a missing bucket fails on the bucket, not on the credentials."""
    return passwd_file(secrets_dir, "passwd-ossfs", f"{KEY_ID}:{SECRET}\n")


@pytest.fixture(scope="session")
def wrong_passwd(secrets_dir):
    return passwd_file(secrets_dir, "passwd-wrong", f"{BUCKET}:{KEY_ID}:{WRONG_SECRET}\n")


@pytest.fixture(scope="session")
def installed(build_dir):
    """Symlinks where mount(8) and mount.fuse3 look, removed afterwards. A file we did not create is never
    replaced; a symlink left by an earlier, killed run of these tests is."""
    links = {
        "/sbin/mount.ossfs": os.path.join(build_dir, "mount.ossfs"),
        "/sbin/mount.fuse.ossfs": os.path.join(build_dir, "mount.ossfs"),
        "/usr/local/sbin/ossfs": os.path.join(build_dir, "ossfs"),
    }
    created = []
    try:
        for link, target in links.items():
            if os.path.lexists(link):
                old = os.readlink(link) if os.path.islink(link) else None
                if old is None or os.path.basename(old) != os.path.basename(target) or "/.build/" not in old:
                    pytest.fail(f"{link} exists and was not made by these tests; not replacing it")
                os.unlink(link)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(target, link)
            created.append((link, target))
        yield links
    finally:
        for link, target in created:
            if os.path.islink(link) and os.readlink(link) == target:
                os.unlink(link)


# --- mount points -------------------------------------------------------------------------------------------

def mounted(path):
    """(source, fstype) of the mount on `path` in this mount namespace, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[4] == path:
                return fields[sep + 2], fields[sep + 1]
    return None


def unmount(path):
    for command in (["umount", path], ["umount", "-l", path]):
        if not mounted(path):
            return
        subprocess.run(command, capture_output=True, timeout=60)
    assert not mounted(path), f"could not unmount {path}"


@pytest.fixture
def mountpoints():
    """Makes empty directories to mount on; everything still mounted there is unmounted afterwards."""
    root = tempfile.mkdtemp(prefix="mount-helper-mnt-")
    made = []

    def make(name="mnt"):
        path = os.path.join(root, name)
        os.mkdir(path)
        made.append(path)
        return path

    try:
        yield make
    finally:
        for path in made:
            unmount(path)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fstab(tmp_path):
    """Writes an fstab for `mount -T`, never /etc/fstab."""
    def write(*lines):
        path = tmp_path / "fstab"
        path.write_text("# written by test_mount_helper.py\n" + "".join(line + "\n" for line in lines))
        return str(path)
    return write


def run(*command, env=None, timeout=120):
    """Runs a command with its output in files, not pipes: a FUSE daemon that keeps the descriptors it was
    started with (as ossfs started by mount.fuse3 can) must not hang the test."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        result = subprocess.run(list(command), stdout=out, stderr=err, text=True, env=env, timeout=timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, out.read(), err.read())


def run_piped(*command, timeout=120):
    return subprocess.run(list(command), capture_output=True, text=True, timeout=timeout)


def options(server, passwd, *extra):
    return ",".join([f"passwd_file={passwd}", f"url={server}", *extra])


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_and_read_back(directory, sdk, key_prefix, name):
    """Writes a file through the mount, reads it back through the mount and from the server."""
    content = f"written through {directory} as {name}\n" * 50
    with open(os.path.join(directory, name), "w") as f:
        f.write(content)
    with open(os.path.join(directory, name)) as f:
        assert f.read() == content
    assert sdk.get_object(key_prefix + name).read().decode() == content
    return content


def assert_no_secret(result):
    for secret in (SECRET, WRONG_SECRET):
        assert secret not in result.stdout and secret not in result.stderr


# --- mounting through mount(8) ------------------------------------------------------------------------------

def test_mount_t_fuse_ossfs_and_umount(installed, server, sdk, passwd, mountpoints):
    mnt = mountpoints()
    # Through pipes: mount.ossfs returns, and the daemon it leaves behind does not hold mount(8)'s output.
    result = run_piped("mount", "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, passwd, "_netdev"))
    assert result.returncode == 0, result.stderr
    assert mounted(mnt) == (BUCKET, "fuse.ossfs")       # live when mount returns: no waiting
    name = unique("fuse-type") + ".txt"
    content = write_and_read_back(mnt, sdk, "", name)

    result = run("umount", mnt)
    assert result.returncode == 0, result.stderr
    assert not mounted(mnt)
    assert os.listdir(mnt) == []
    assert sdk.get_object(name).read().decode() == content
    assert_no_secret(result)


def test_mount_t_ossfs_with_a_prefix(installed, server, sdk, passwd, mountpoints):
    mnt = mountpoints()
    prefix = unique("ossfs-type")
    sdk.put_object(f"{prefix}/from-sdk.txt", b"put by the SDK\n")
    result = run("mount", "-t", "ossfs", f"{BUCKET}:/{prefix}", mnt, "-o", options(server, passwd))
    assert result.returncode == 0, result.stderr
    assert mounted(mnt) == (f"{BUCKET}:/{prefix}", "fuse.ossfs")
    with open(os.path.join(mnt, "from-sdk.txt")) as f:
        assert f.read() == "put by the SDK\n"
    write_and_read_back(mnt, sdk, prefix + "/", "through-mount.txt")
    assert run("umount", mnt).returncode == 0
    assert not mounted(mnt)


def test_fstab_line_mounted_by_mount_dir(installed, server, sdk, passwd, mountpoints, fstab):
    mnt = mountpoints()
    prefix = unique("fstab")
    table = fstab(f"{BUCKET}:/{prefix} {mnt} fuse.ossfs _netdev,nofail,x-systemd.automount,comment=test,"
                  f"allow_other,{options(server, passwd)} 0 0")
    result = run("mount", "-T", table, mnt)
    assert result.returncode == 0, result.stderr
    assert mounted(mnt) == (f"{BUCKET}:/{prefix}", "fuse.ossfs")
    assert stat.S_IMODE(os.stat(mnt).st_mode) == 0o777          # allow_other reached ossfs
    write_and_read_back(mnt, sdk, prefix + "/", "fstab.txt")
    assert run("umount", mnt).returncode == 0
    assert not mounted(mnt)


def test_mount_a_mounts_every_auto_line_and_skips_noauto(installed, server, sdk, passwd, mountpoints, fstab):
    whole, sub, skipped = mountpoints("whole"), mountpoints("sub"), mountpoints("skipped")
    prefix = unique("all")
    table = fstab(
        f"{BUCKET} {whole} fuse.ossfs _netdev,{options(server, passwd)} 0 0",
        f"{BUCKET}:/{prefix} {sub} ossfs _netdev,nofail,{options(server, passwd)} 0 0",
        f"{BUCKET} {skipped} fuse.ossfs noauto,{options(server, passwd)} 0 0",
    )
    result = run("mount", "-a", "-T", table)
    assert result.returncode == 0, result.stderr
    assert mounted(whole) == (BUCKET, "fuse.ossfs")
    assert mounted(sub) == (f"{BUCKET}:/{prefix}", "fuse.ossfs")
    assert not mounted(skipped)

    os.mkdir(os.path.join(whole, prefix))
    content = write_and_read_back(os.path.join(whole, prefix), sdk, prefix + "/", "seen-by-both.txt")
    with open(os.path.join(sub, "seen-by-both.txt")) as f:
        assert f.read() == content

    result = run("mount", "-a", "-T", table)          # again: mounted lines are skipped, not doubled
    assert result.returncode == 0, result.stderr
    with open("/proc/self/mountinfo") as f:
        assert sum(line.split()[4] == whole for line in f) == 1

    for path in (whole, sub):
        assert run("umount", path).returncode == 0
        assert not mounted(path)


def test_legacy_ossfs_hash_bucket_fuse_line_through_mount_fuse3(installed, server, sdk, passwd, mountpoints,
                                                                fstab):
    if not any(os.access(os.path.join(d, "mount.fuse3"), os.X_OK) for d in ("/sbin", "/usr/sbin")):
        pytest.skip("mount.fuse3 (package fuse3) is not installed")
    mnt = mountpoints()
    table = fstab(f"ossfs#{BUCKET} {mnt} fuse _netdev,{options(server, passwd)} 0 0")
    # Through pipes: the ossfs daemon that mount.fuse3 starts must let go of mount(8)'s output too.
    result = run_piped("mount", "-T", table, mnt)
    assert result.returncode == 0, result.stderr
    assert mounted(mnt) == (BUCKET, "fuse.ossfs")
    write_and_read_back(mnt, sdk, "", unique("legacy") + ".txt")
    assert run("umount", mnt).returncode == 0
    assert not mounted(mnt)


def test_legacy_source_through_mount_ossfs(installed, server, sdk, passwd, mountpoints):
    mnt = mountpoints()
    result = run("mount", "-t", "fuse.ossfs", f"ossfs#{BUCKET}", mnt, "-o", options(server, passwd))
    assert result.returncode == 0, result.stderr
    assert mounted(mnt) == (BUCKET, "fuse.ossfs")
    write_and_read_back(mnt, sdk, "", unique("legacy-helper") + ".txt")


def test_read_only_mount(installed, server, sdk, passwd, mountpoints):
    mnt = mountpoints()
    key = unique("ro") + ".txt"
    sdk.put_object(key, b"read me\n")
    result = run("mount", "-r", "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, passwd))
    assert result.returncode == 0, result.stderr
    with open(os.path.join(mnt, key)) as f:
        assert f.read() == "read me\n"
    with pytest.raises(OSError) as error:
        with open(os.path.join(mnt, "new.txt"), "w") as f:
            f.write("x")
    assert error.value.errno == 30                      # EROFS


def test_mount_in_another_mount_namespace_with_N(installed, server, sdk, passwd, mountpoints, tmp_path):
    """`mount -N NS` passes the namespace on to the helper, which must setns before ossfs mounts."""
    mnt = mountpoints()
    ns = str(tmp_path / "mntns")
    open(ns, "w").close()
    assert run("unshare", f"--mount={ns}", "--propagation", "private", "true").returncode == 0
    try:
        result = run("mount", "-N", ns, "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, passwd))
        assert result.returncode == 0, result.stderr
        assert not mounted(mnt)                           # not here ...
        key = unique("namespace") + ".txt"
        sdk.put_object(key, b"inside\n")
        inside = run("nsenter", f"--mount={ns}", "cat", os.path.join(mnt, key))
        assert inside.returncode == 0 and inside.stdout == "inside\n", inside.stderr   # ... but there
        assert run("nsenter", f"--mount={ns}", "umount", mnt).returncode == 0
    finally:
        subprocess.run(["nsenter", f"--mount={ns}", "umount", "-l", mnt], capture_output=True, timeout=60)
        subprocess.run(["umount", ns], capture_output=True, timeout=60)


# --- failures through mount(8): exit 32 and the daemon's reason ---------------------------------------------

def test_wrong_secret_fails_with_32_and_the_reason(installed, server, wrong_passwd, mountpoints):
    mnt = mountpoints()
    result = run("mount", "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, wrong_passwd))
    assert result.returncode == 32
    assert "SignatureDoesNotMatch" in result.stderr and wrong_passwd in result.stderr
    assert not mounted(mnt)
    assert_no_secret(result)


def test_missing_bucket_fails_with_32_and_the_reason(installed, server, passwd, mountpoints):
    mnt = mountpoints()
    result = run("mount", "-t", "ossfs", "no-such-bucket-here", mnt, "-o", options(server, passwd))
    assert result.returncode == 32
    assert "no-such-bucket-here" in result.stderr and "NoSuchBucket" in result.stderr
    assert not mounted(mnt)


@pytest.mark.parametrize("option, message", [
    ("retries=abc", "invalid value for option 'retries'"),            # ossfs's own check
    ("surely_unknown=TopValue", "unknown option 'surely_unknown'"),   # the helper's, value never shown
    ("allow_other=1", "option 'allow_other' takes no value"),
    ("use_sse", "option use_sse is not supported"),
])
def test_bad_option_fails_with_32_and_names_it(installed, server, passwd, mountpoints, option, message):
    mnt = mountpoints()
    result = run("mount", "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, passwd, option))
    assert result.returncode == 32
    assert message in result.stderr
    assert "TopValue" not in result.stderr
    assert not mounted(mnt)


@pytest.mark.parametrize("option", [f"secretAccessKey={SECRET}", f"accessKeyId={KEY_ID}",
                                    f"oss_access_key_secret={SECRET}", f"password={SECRET}",
                                    f"security_token={SECRET}", f"credlib_opts=sk={SECRET}"])
def test_an_option_carrying_a_secret_is_refused_without_showing_it(installed, server, passwd, mountpoints,
                                                                   option):
    mnt = mountpoints()
    result = run("mount", "-t", "fuse.ossfs", BUCKET, mnt, "-o", options(server, passwd, option))
    assert result.returncode == 32
    name = option.split("=")[0]
    assert f"option '{name}' would put a credential on the command line" in result.stderr
    assert "ossfs-passwd" in result.stderr
    assert_no_secret(result)
    assert not mounted(mnt)


def test_missing_mount_point_fails_with_32(installed, server, passwd, tmp_path):
    missing = str(tmp_path / "no-such-dir")
    result = run("mount.ossfs", BUCKET, missing, "-o", options(server, passwd),
                 env=dict(os.environ, PATH="/sbin:/usr/sbin:/usr/bin:/bin"))
    assert result.returncode == 32
    assert f"unable to access MOUNTPOINT {missing}" in result.stderr


def test_mount_a_shows_the_reason_of_a_failing_line(installed, server, passwd, wrong_passwd, mountpoints,
                                                    fstab):
    good, bad = mountpoints("good"), mountpoints("bad")
    table = fstab(f"{BUCKET} {bad} fuse.ossfs _netdev,nofail,{options(server, wrong_passwd)} 0 0",
                  f"{BUCKET} {good} fuse.ossfs _netdev,{options(server, passwd)} 0 0")
    result = run("mount", "-a", "-T", table)
    assert result.returncode == 64                      # mount(8): some mounts succeeded
    assert "SignatureDoesNotMatch" in result.stderr
    assert mounted(good) and not mounted(bad)
    assert_no_secret(result)


# --- fake mode --------------------------------------------------------------------------------------------

def test_fake_mount_prints_the_command_without_secrets_and_mounts_nothing(installed, server, passwd,
                                                                          mountpoints, fstab):
    mnt = mountpoints()
    table = fstab(f"{BUCKET}:/fake {mnt} fuse.ossfs _netdev,allow_other,{options(server, passwd)} 0 0")
    env = dict(os.environ, OSS_ACCESS_KEY_ID=KEY_ID, OSS_ACCESS_KEY_SECRET=SECRET)
    result = run("mount", "-f", "-T", table, mnt, env=env)
    assert result.returncode == 0, result.stderr
    words = shlex.split(result.stdout.strip().splitlines()[-1])
    assert os.path.basename(words[0]) == "ossfs"
    assert words[1:] == [f"{BUCKET}:/fake", mnt, "-o", f"allow_other,passwd_file={passwd},url={server}"]
    assert not mounted(mnt)
    assert_no_secret(result)


# --- the helper alone: arguments and option translation (-f prints what would run) ------------------------

def fake(helper, *arguments, env=None):
    result = run(helper, "-f", *arguments, env=env)
    words = shlex.split(result.stdout.strip()) if result.returncode == 0 else None
    return result, words


@pytest.mark.parametrize("given, expected", [
    ("_netdev,auto,noauto,user,users,nouser,owner,group,nofail,defaults,dev,suid,comment=a b,"
     "x-systemd.automount,x-systemd.idle-timeout=60,allow_other", "allow_other"),
    ("ro", "ro"),
    ("ro,allow_other,rw", "allow_other"),
    ("rw,allow_other,ro", "ro,allow_other"),
    ("retries=3,allow_other,retries=4", "allow_other,retries=4"),
    (r"fsname=a\,b", r"fsname=a\,b"),
    ('fsname="c,d",nonempty', r"fsname=c\,d,nonempty"),
    (r"logfile=/var/log/a\\b", r"logfile=/var/log/a\\b"),
])
def test_option_translation(helper, given, expected):
    result, words = fake(helper, BUCKET, "/mnt/oss", "-o", given)
    assert result.returncode == 0, result.stderr
    assert words[1:] == [BUCKET, "/mnt/oss", "-o", expected]


def test_only_mount_words_leave_no_option_list(helper):
    result, words = fake(helper, BUCKET, "/mnt/oss", "-o", "rw,_netdev,defaults")
    assert result.returncode == 0, result.stderr
    assert words[1:] == [BUCKET, "/mnt/oss"]


def test_later_o_lists_win_and_flags_go_anywhere(helper):
    result, words = fake(helper, "-oretries=1", BUCKET, "-v", "/mnt/oss", "-sn", "-o", "retries=2,allow_other",
                         "-t", "fuse.ossfs")
    assert result.returncode == 0, result.stderr
    assert words[-4:] == [BUCKET, "/mnt/oss", "-o", "retries=2,allow_other"]


@pytest.mark.parametrize("source, bucket", [("mybucket", "mybucket"), ("mybucket:/a/b", "mybucket:/a/b"),
                                            ("ossfs#mybucket", "mybucket"), ("ossfs#mybucket:/p", "mybucket:/p")])
def test_sources(helper, source, bucket):
    result, words = fake(helper, source, "/mnt/oss")
    assert result.returncode == 0, result.stderr
    assert words[1:] == [bucket, "/mnt/oss"]


def test_sloppy_drops_unknown_options_with_a_warning(helper):
    result, words = fake(helper, "-s", BUCKET, "/mnt/oss", "-o", "allow_other,no_such_option=Value9")
    assert result.returncode == 0, result.stderr
    assert words[1:] == [BUCKET, "/mnt/oss", "-o", "allow_other"]
    assert "no_such_option" in result.stderr and "Value9" not in result.stderr + result.stdout

    result, _ = fake(helper, BUCKET, "/mnt/oss", "-o", "allow_other,no_such_option=Value9")
    assert result.returncode == 32
    assert "unknown option 'no_such_option'" in result.stderr and "Value9" not in result.stderr


def test_sloppy_never_lets_a_secret_through(helper):
    result, _ = fake(helper, "-s", BUCKET, "/mnt/oss", "-o", f"secretAccessKey={SECRET}")
    assert result.returncode == 32
    assert_no_secret(result)


def test_fake_mode_reports_what_ossfs_would_refuse(helper):
    result, _ = fake(helper, BUCKET, "/mnt/oss", "-o", "multipart_size=1")
    assert result.returncode == 32
    assert "multipart_size" in result.stderr


@pytest.mark.parametrize("arguments, message", [
    ([], "missing BUCKET and DIR"),
    ([BUCKET], "missing DIR"),
    ([BUCKET, "/mnt/oss", "extra"], "unexpected argument 'extra'"),
    ([BUCKET, "/mnt/oss", "-x"], "unknown flag -x"),
    ([BUCKET, "/mnt/oss", "-o"], "option -o needs a value"),
    ([BUCKET, "/mnt/oss", "-t", "nfs"], "type 'nfs' is not ossfs"),
    (["", "/mnt/oss"], "empty BUCKET or DIR"),
    (["ossfs#", "/mnt/oss"], "names no bucket"),
    (["sshfs#host", "/mnt/oss"], "names program 'sshfs', not ossfs"),
])
def test_usage_errors_exit_1(helper, arguments, message):
    result = run(helper, *arguments)
    assert result.returncode == 1
    assert message in result.stderr and "usage: mount.ossfs" in result.stderr


@pytest.mark.parametrize("mount_type", ["ossfs", "fuse.ossfs", "fuse"])
def test_types_accepted(helper, mount_type):
    result, _ = fake(helper, BUCKET, "/mnt/oss", "-t", mount_type)
    assert result.returncode == 0, result.stderr


def test_help_and_version(helper):
    result = run(helper, "--help")
    assert result.returncode == 0 and "Usage: mount.ossfs" in result.stdout
    result = run(helper, "--version")
    assert result.returncode == 0 and result.stdout.startswith("mount.ossfs ")


def test_bad_namespace_fails_with_32(helper, tmp_path):
    plain = tmp_path / "not-a-namespace"
    plain.write_text("")
    result = run(helper, "-N", str(plain), BUCKET, "/mnt/oss")
    assert result.returncode == 32 and "cannot enter mount namespace" in result.stderr
    result = run(helper, "-N", str(tmp_path / "missing"), BUCKET, "/mnt/oss")
    assert result.returncode == 32 and "cannot open mount namespace" in result.stderr


# --- the helper and the daemon: environment, exit status, stderr (ossfs replaced by a script) --------------

@pytest.fixture
def fake_daemon(tmp_path):
    """An executable standing in for ossfs: records argv, HOME and PATH, prints a line on stderr and exits as
    told by $FAKE_OSSFS (ok, fail, or kill)."""
    record = tmp_path / "record"
    script = tmp_path / "ossfs"
    script.write_text(f"""#!/bin/sh
{{ printf '%s\\n' "$@"; echo "HOME=${{HOME-unset}}"; echo "PATH=$PATH"; }} > {record}
case "$FAKE_OSSFS" in
  fail) echo "ossfs: bucket mybucket does not exist (NoSuchBucket)" >&2; exit 1 ;;
  kill) kill -9 $$ ;;
esac
exit 0
""")
    script.chmod(0o755)
    return str(script), record


def helper_env(daemon, **extra):
    env = {"OSSFS_BIN": daemon, "PATH": "/opt/first"}
    env.update(extra)
    return env


def test_home_and_path_are_set_for_the_daemon(helper, fake_daemon):
    daemon, record = fake_daemon
    result = run(helper, BUCKET, "/mnt/oss", "-o", "allow_other", env=helper_env(daemon))
    assert result.returncode == 0, result.stderr
    lines = record.read_text().splitlines()
    assert lines[:4] == [BUCKET, "/mnt/oss", "-o", "allow_other"]        # never -f: ossfs daemonizes
    assert "HOME=/root" in lines
    path = next(line for line in lines if line.startswith("PATH=")).split("=", 1)[1].split(":")
    assert path[0] == "/opt/first"
    for directory in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        assert directory in path

    result = run(helper, BUCKET, "/mnt/oss", env=helper_env(daemon, HOME="/home/someone"))
    assert result.returncode == 0
    assert "HOME=/home/someone" in record.read_text().splitlines()


def test_daemon_failure_becomes_32_with_its_reason(helper, fake_daemon):
    daemon, _ = fake_daemon
    result = run(helper, BUCKET, "/mnt/oss", env=helper_env(daemon, FAKE_OSSFS="fail"))
    assert result.returncode == 32
    assert result.stderr == "ossfs: bucket mybucket does not exist (NoSuchBucket)\n"   # passed through as is


def test_daemon_killed_becomes_32_with_a_message(helper, fake_daemon):
    daemon, _ = fake_daemon
    result = run(helper, BUCKET, "/mnt/oss", env=helper_env(daemon, FAKE_OSSFS="kill"))
    assert result.returncode == 32
    assert "ossfs was killed by signal 9" in result.stderr


def test_verbose_says_what_runs(helper, fake_daemon):
    daemon, _ = fake_daemon
    result = run(helper, "-v", BUCKET, "/mnt/oss", "-o", "_netdev,allow_other", env=helper_env(daemon))
    assert result.returncode == 0, result.stderr
    assert "ignoring mount(8) options: _netdev" in result.stdout
    assert f"running: {daemon} {BUCKET} /mnt/oss -o allow_other" in result.stdout
    assert f"mounted {BUCKET} on /mnt/oss" in result.stdout


def test_daemon_not_found_or_not_executable_is_32(helper, tmp_path):
    not_executable = tmp_path / "ossfs"
    not_executable.write_text("#!/bin/sh\n")
    result = run(helper, BUCKET, "/mnt/oss", env={"OSSFS_BIN": str(not_executable), "PATH": "/nonexistent"})
    assert result.returncode == 32 and "is not executable" in result.stderr


def test_the_daemon_is_found_next_to_the_helper(helper, build_dir):
    result = run(helper, "-f", BUCKET, "/mnt/oss", env={"PATH": "/nonexistent"})
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout)[0] == os.path.join(build_dir, "ossfs")


def test_no_option_ossfs_accepts_is_mistaken_for_a_secret_or_unknown(helper, build_dir):
    """Every option in `ossfs --help` passes the helper's secret and unknown-option checks."""
    text = run(os.path.join(build_dir, "ossfs"), "--help").stdout.split("Options (-o):\n", 1)[1]
    token = r"[a-z0-9_]+(?:=[^\s,]+|\[=[^\s,]+\])?"
    forms = []
    for line in text.splitlines():
        m = re.match(r"^    (" + token + r"(?:, " + token + r")*)\s", line)
        if m:
            forms += m.group(1).split(", ")
    names = [re.match(r"[a-z0-9_]+", form).group(0) for form in forms]
    assert len(names) > 50 and "use_session_token" in names and "passwd_file" in names
    # ossfs does not support credlib_opts either, and its value configures a credential library: it may hold keys.
    refused_on_purpose = {"credlib_opts"}
    for form, name in zip(forms, names):
        if name in refused_on_purpose:
            continue
        option = f"{name}=1" if "=" in form and "[=" not in form else name
        result = run(helper, "-f", BUCKET, "/mnt/oss", "-o", option)
        assert "would put a credential" not in result.stderr, name
        assert "unknown option" not in result.stderr, name


def test_fake_output_quotes_for_the_shell(helper):
    result, words = fake(helper, BUCKET, "/mnt/a b", "-o", "fsname=it's here")
    assert result.returncode == 0, result.stderr
    assert words[1:] == [BUCKET, "/mnt/a b", "-o", "fsname=it's here"]


def test_N_with_a_process_id_runs_ossfs_in_that_process_mount_namespace(helper, tmp_path):
    record = tmp_path / "ns"
    script = tmp_path / "ossfs"
    script.write_text(f"#!/bin/sh\nreadlink /proc/self/ns/mnt > {record}\n")
    script.chmod(0o755)
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "120"])
    try:
        deadline = time.time() + 30
        while os.readlink(f"/proc/{holder.pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt"):
            assert time.time() < deadline, "unshare did not enter a new mount namespace"
            time.sleep(0.05)
        result = run(helper, "-N", str(holder.pid), BUCKET, "/mnt/oss", env={"OSSFS_BIN": str(script)})
        assert result.returncode == 0, result.stderr
        assert record.read_text().strip() == os.readlink(f"/proc/{holder.pid}/ns/mnt")
        assert record.read_text().strip() != os.readlink("/proc/self/ns/mnt")
    finally:
        holder.kill()
        holder.wait()


def test_home_of_a_user_mount_is_that_users_home(helper):
    """A `user` fstab line makes mount(8) run the helper as the user: HOME is theirs, not /root."""
    directory = tempfile.mkdtemp(prefix="mount-helper-user-")
    try:
        os.chmod(directory, 0o777)
        script = os.path.join(directory, "ossfs")
        with open(script, "w") as f:
            f.write(f'#!/bin/sh\necho "HOME=${{HOME-unset}}" > {directory}/record\n')
        os.chmod(script, 0o755)
        result = run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "-i",
                     f"OSSFS_BIN={script}", helper, BUCKET, "/mnt/oss")
        assert result.returncode == 0, result.stderr
        with open(os.path.join(directory, "record")) as f:
            assert f.read().strip() == "HOME=" + pwd.getpwuid(65534).pw_dir
    finally:
        shutil.rmtree(directory, ignore_errors=True)
