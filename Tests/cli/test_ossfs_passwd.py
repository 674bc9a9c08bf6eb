"""CLI tests for ossfs-passwd: the built binary against temporary credential files.

Run from the repository root:  python3 -m pytest Tests/cli/test_ossfs_passwd.py
The binary is built with `swift build --product ossfs-passwd` unless OSSFS_PASSWD_BIN names one.
"""

import os
import pty
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import termios
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SECRET = "Sup3rS3cretValue"
NOBODY = 65534


@pytest.fixture(scope="session")
def binary():
    given = os.environ.get("OSSFS_PASSWD_BIN")
    if given:
        return given
    subprocess.run(["swift", "build", "--product", "ossfs-passwd"], cwd=REPO, check=True)
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_dir, "ossfs-passwd")


@pytest.fixture
def workdir():
    """A private directory, also usable by the unprivileged user (tests that drop root use it)."""
    path = tempfile.mkdtemp(prefix="ossfs-passwd-test-")
    os.chmod(path, 0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(binary, *args, stdin=None, env=None, **kwargs):
    return subprocess.run([binary, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60,
                          **kwargs)


def write(path, text, mode=0o600):
    with open(path, "w", newline="") as f:
        f.write(text)
    os.chmod(path, mode)


def read(path):
    with open(path, newline="") as f:
        return f.read()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_no_secret(result, *secrets):
    for secret in secrets or (SECRET,):
        assert secret not in result.stdout and secret not in result.stderr


# --- set --------------------------------------------------------------------------------------------------

def test_set_from_stdin_creates_a_0600_file_in_the_ossfs_format(binary, workdir):
    path = os.path.join(workdir, "passwd")
    result = run(binary, "set", "--file", path, "my-bucket", "LTAIbucketid", stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert read(path) == "my-bucket:LTAIbucketid:" + SECRET + "\n"
    assert mode_of(path) == 0o600
    assert "added the entry for bucket my-bucket" in result.stdout
    assert_no_secret(result)

    result = run(binary, "set", "--file", path, "LTAIdefault", stdin="defaultsecret")   # no trailing newline
    assert result.returncode == 0, result.stderr
    assert read(path) == "my-bucket:LTAIbucketid:" + SECRET + "\nLTAIdefault:defaultsecret\n"


def test_set_replaces_in_place_and_keeps_every_other_line_byte_for_byte(binary, workdir):
    path = os.path.join(workdir, "passwd")
    before = "# managed by hand\r\n\r\n   # indented comment\r\nLTAIold:oldsecret\r\nother-bkt:LTAIo:osecret\r\n"
    write(path, before)
    result = run(binary, "set", "--file", path, "LTAInew", stdin=SECRET + "\r\n")
    assert result.returncode == 0, result.stderr
    assert read(path) == before.replace("LTAIold:oldsecret", "LTAInew:" + SECRET)
    assert "replaced the default entry" in result.stdout and "(line 4)" in result.stdout


def test_set_reads_the_secret_from_a_terminal_without_echo(binary, workdir):
    path = os.path.join(workdir, "passwd")
    output, status = run_on_terminal(binary, ["set", "--file", path, "my-bucket", "LTAIttyid"],
                                     reply=SECRET + "\n")
    assert status == 0, output
    assert b"AccessKey secret for LTAIttyid: " in output
    assert SECRET.encode() not in output          # not echoed, not printed
    assert read(path) == "my-bucket:LTAIttyid:" + SECRET + "\n"


def test_interrupting_the_prompt_restores_terminal_echo(binary, workdir):
    path = os.path.join(workdir, "passwd")
    master, slave = pty.openpty()
    process = None
    try:
        process = subprocess.Popen([binary, "set", "--file", path, "LTAIttyid"], stdin=slave, stdout=slave,
                                   stderr=slave, start_new_session=True)
        os.close(slave)
        slave = None
        read_until(master, b"AccessKey secret for LTAIttyid: ")
        assert not termios.tcgetattr(master)[3] & termios.ECHO       # echo is off while prompting
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) == -signal.SIGINT
        assert termios.tcgetattr(master)[3] & termios.ECHO           # and back on afterwards
        assert not os.path.exists(path)
    finally:
        stop(process)
        if slave is not None:
            os.close(slave)
        os.close(master)


def test_set_refuses_bad_secrets_ids_and_buckets_without_echoing_them(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "keep:LTAIk:ksecret\n")
    cases = [
        (["LTAIid"], "with space\n", "the AccessKey secret contains whitespace"),
        (["LTAIid"], "co:lon\n", "the AccessKey secret contains ':'"),
        (["LTAIid"], "\n", "no secret given"),
        (["LTAI id"], SECRET + "\n", "the AccessKey ID contains whitespace"),
        (["LTAI:id"], SECRET + "\n", "the AccessKey ID contains ':'"),
        (["bkt:/prefix", "LTAIid"], SECRET + "\n", "contains ':'; give the bucket alone"),
        (["Bad_Bucket", "LTAIid"], SECRET + "\n", "is not a valid OSS bucket name"),
    ]
    for words, stdin, message in cases:
        result = run(binary, "set", "--file", path, *words, stdin=stdin)
        assert result.returncode == 1, (words, result.stderr)
        assert message in result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("ossfs-passwd: ")
        assert_no_secret(result, "with space", "co:lon", SECRET)
    assert read(path) == "keep:LTAIk:ksecret\n"


def test_the_secret_is_never_an_argument_and_never_echoed(binary, workdir):
    path = os.path.join(workdir, "passwd")
    result = run(binary, "set", "--file", path, "my-bucket", "LTAIid", SECRET, stdin="")
    assert result.returncode == 1
    assert "the secret is never an argument" in result.stderr
    assert_no_secret(result)
    result = run(binary, "list", "--file", path, SECRET)
    assert result.returncode == 1
    assert_no_secret(result)
    assert not os.path.exists(path)


def test_set_refuses_a_file_ossfs_cannot_parse_and_leaves_it_alone(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "a-bucket:LTAIa:asecret\nbroken line:x\n")
    result = run(binary, "set", "--file", path, "LTAIid", stdin=SECRET + "\n")
    assert result.returncode == 2
    assert f"{path}:2: invalid line in passwd file, found whitespace character." in result.stderr
    assert "ossfs-passwd check" in result.stderr
    assert read(path) == "a-bucket:LTAIa:asecret\nbroken line:x\n"


def test_a_bucket_entry_that_key_value_lines_would_override_is_refused(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "OSSAccessKeyId=LTAIkv\nOSSSecretKey=kvsecret\n")
    result = run(binary, "set", "--file", path, "my-bucket", "LTAIid", stdin=SECRET + "\n")
    assert result.returncode == 2
    assert f"{path}:1: the OSSAccessKeyId=/OSSSecretKey= lines override every bucket entry" in result.stderr
    result = run(binary, "set", "--file", path, "LTAInewkv", stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert read(path) == "OSSAccessKeyId=LTAInewkv\nOSSSecretKey=" + SECRET + "\n"


# --- list -------------------------------------------------------------------------------------------------

def test_list_shows_buckets_and_ids_but_never_secrets(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "# c\nLTAIdef:defsecret\nphotos:LTAIphotos:photosecret\nOSSAccessKeyId=LTAIkv\n"
                "OSSSecretKey=kvsecret\n")
    result = run(binary, "list", "--file", path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["BUCKET", "ACCESS_KEY_ID", "FORM", "LINE"]
    assert lines[1].split() == ["(default)", "LTAIdef", "id:secret", "2"]
    assert lines[2].split() == ["photos", "LTAIphotos", "bucket:id:secret", "3"]
    assert lines[3].split() == ["(default)", "LTAIkv", "OSSAccessKeyId=", "4"]
    assert "override every other entry" in result.stderr
    assert_no_secret(result, "defsecret", "photosecret", "kvsecret")


def test_list_hides_the_id_of_a_line_split_in_the_wrong_place(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "LTAIdef:qqzz:wwyy\nphotos:LTAIp:kkjj:mmnn\n")   # secrets with ':' in them
    result = run(binary, "list", "--file", path)
    assert result.returncode == 0, result.stderr
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [["LTAIdef", "-"], ["photos", "-"]]
    assert f"{path}:1: this entry is malformed" in result.stderr and f"{path}:2:" in result.stderr
    assert_no_secret(result, "qqzz", "wwyy", "kkjj", "mmnn")


def test_list_warns_about_permissions_and_fails_on_a_missing_file(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "LTAIdef:defsecret\n", mode=0o644)
    result = run(binary, "list", "--file", path)
    assert result.returncode == 0
    assert f"warning: credentials file {path} should not have others permissions." in result.stderr
    missing = os.path.join(workdir, "missing")
    result = run(binary, "list", "--file", missing)
    assert result.returncode == 2
    assert result.stderr == f"ossfs-passwd: {missing} does not exist; create it with " \
                            "'ossfs-passwd set [BUCKET] ACCESS_KEY_ID'\n"


# --- remove -----------------------------------------------------------------------------------------------

def test_remove_a_bucket_entry_and_the_default_entry(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "# head\nLTAIdef:defsecret\nphotos:LTAIp:psecret\nlogs:LTAIl:lsecret\n# tail\n")
    result = run(binary, "remove", "--file", path, "photos")
    assert result.returncode == 0, result.stderr
    assert read(path) == "# head\nLTAIdef:defsecret\nlogs:LTAIl:lsecret\n# tail\n"
    result = run(binary, "remove", "--file", path, "--default")
    assert result.returncode == 0, result.stderr
    assert read(path) == "# head\nlogs:LTAIl:lsecret\n# tail\n"
    assert mode_of(path) == 0o600


def test_remove_errors(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "logs:LTAIl:lsecret\n")
    result = run(binary, "remove", "--file", path, "photos")
    assert result.returncode == 2
    assert result.stderr == f"ossfs-passwd: {path} has no entry for bucket photos; " \
                            "'ossfs-passwd list' shows the entries it has\n"
    assert run(binary, "remove", "--file", path, "--default").returncode == 2
    both = run(binary, "remove", "--file", path, "logs", "--default")
    assert both.returncode == 1 and "not both" in both.stderr
    neither = run(binary, "remove", "--file", path)
    assert neither.returncode == 1 and "missing BUCKET" in neither.stderr
    assert run(binary, "remove", "--file", os.path.join(workdir, "missing"), "logs").returncode == 2
    assert read(path) == "logs:LTAIl:lsecret\n"


# --- check ------------------------------------------------------------------------------------------------

def test_check_accepts_a_clean_file(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "# c\nLTAIdef:defsecret\nphotos:LTAIp:psecret\n")
    result = run(binary, "check", "--file", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: OK\n"


def test_check_names_every_bad_line(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "good-one:LTAIg:gsecret\nbad line:secret one\n[default]\ngood-one:LTAIdup:dupsecret\n"
                "stray-word\nLTAIempty:\nanother bad:line\n")
    result = run(binary, "check", "--file", path)
    assert result.returncode == 2
    named = [line.split(":")[1] for line in result.stderr.splitlines() if line.startswith(path + ":")]
    assert named == ["2", "3", "4", "5", "6", "7"]
    assert f"{path}:2: invalid line in passwd file, found whitespace character." in result.stderr
    assert f"{path}:3: invalid line in passwd file, found a bracket" in result.stderr
    assert f"{path}:4: there are multiple entries for the same bucket(good-one)" in result.stderr
    assert f"{path}:5: ossfs ignores this line" in result.stderr
    assert f"{path}:6: failed to set internal data for access key/secret key" in result.stderr
    assert result.stderr.endswith(f"ossfs-passwd: {path}: 6 problems found\n")
    assert_no_secret(result, "gsecret", "secret one", "dupsecret")


@pytest.mark.parametrize("mode,message", [
    (0o644, "should not have others permissions."),
    (0o640, "should not have group permissions."),
    (0o700, "should not have executable permissions."),
])
def test_check_refuses_permissions_ossfs_refuses(binary, workdir, mode, message):
    path = os.path.join(workdir, "passwd")
    write(path, "LTAIdef:defsecret\n", mode=mode)
    result = run(binary, "check", "--file", path)
    assert result.returncode == 2
    assert f"credentials file {path} {message}" in result.stderr
    assert "chmod 600" in result.stderr


# --- atomic rewrite ---------------------------------------------------------------------------------------

def test_rewrite_replaces_the_file_atomically_and_keeps_0600(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "photos:LTAIp:psecret\n")
    inode = os.stat(path).st_ino
    result = run(binary, "set", "--file", path, "logs", "LTAIl", stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert mode_of(path) == 0o600
    assert os.stat(path).st_ino != inode                 # a new file renamed over, not rewritten in place
    assert os.listdir(workdir) == ["passwd"]             # no temporary file left behind
    assert "notice" not in result.stderr


def test_rewrite_tightens_a_file_others_can_read(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "photos:LTAIp:psecret\n", mode=0o644)
    result = run(binary, "set", "--file", path, "logs", "LTAIl", stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert mode_of(path) == 0o600
    assert f"notice: {path} had mode 0644; it is now 0600" in result.stderr
    assert run(binary, "check", "--file", path).returncode == 0


def test_rewrite_follows_a_symlink_and_keeps_the_owner(binary, workdir):
    real = os.path.join(workdir, "real")
    link = os.path.join(workdir, "link")
    write(real, "photos:LTAIp:psecret\n")
    os.chown(real, NOBODY, NOBODY)
    os.symlink(real, link)
    result = run(binary, "remove", "--file", link, "photos")
    assert result.returncode == 0, result.stderr
    assert os.path.islink(link) and read(real) == ""
    info = os.stat(real)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o600)


def test_a_failed_write_leaves_nothing_and_says_why(binary, workdir):
    path = os.path.join(workdir, "no-such-dir", "passwd")
    result = run(binary, "set", "--file", path, "LTAIid", stdin=SECRET + "\n")
    assert result.returncode == 2
    assert "cannot open the directory " + os.path.join(workdir, "no-such-dir") in result.stderr
    assert "No such file or directory" in result.stderr
    assert_no_secret(result)


def test_concurrent_edits_all_land(binary, workdir):
    path = os.path.join(workdir, "passwd")
    write(path, "# shared\n")
    buckets = [f"bucket-{i}" for i in range(12)]
    processes = [subprocess.Popen([binary, "set", "--file", path, bucket, f"LTAI{i}"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for i, bucket in enumerate(buckets)]
    try:
        for process in processes:
            process.stdin.write(b"secret\n")
            process.stdin.close()
        assert [process.wait(timeout=60) for process in processes] == [0] * len(buckets)
    finally:
        for process in processes:
            stop(process)
    lines = read(path).splitlines()
    assert lines[0] == "# shared"
    assert sorted(lines[1:]) == sorted(f"{bucket}:LTAI{i}:secret" for i, bucket in enumerate(buckets))


# --- default file -----------------------------------------------------------------------------------------

def as_nobody(binary, args, home, stdin=None):
    env = {"PATH": "/usr/bin:/bin"}
    if home is not None:
        env["HOME"] = home
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", binary, *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_default_file_for_a_user_is_home_passwd_ossfs(binary, workdir):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the tool as another user")
    home = os.path.join(workdir, "home")
    os.mkdir(home, 0o700)
    os.chown(home, NOBODY, NOBODY)
    os.chmod(workdir, 0o711)                     # let nobody reach its home inside the private directory
    result = as_nobody(binary, ["set", "LTAIuser"], home, stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    path = os.path.join(home, ".passwd-ossfs")
    assert read(path) == "LTAIuser:" + SECRET + "\n"
    assert os.stat(path).st_uid == NOBODY and mode_of(path) == 0o600
    listed = as_nobody(binary, ["list"], home)
    assert listed.returncode == 0 and "LTAIuser" in listed.stdout
    # Without HOME, the password database's home directory for the user is used.
    pw_dir = subprocess.run(["getent", "passwd", str(NOBODY)], capture_output=True, text=True).stdout.split(":")[5]
    unset = as_nobody(binary, ["check"], None)
    assert os.path.join(pw_dir, ".passwd-ossfs") in unset.stderr + unset.stdout


def test_default_file_for_root_is_etc_passwd_ossfs_and_may_stay_0640(binary, workdir):
    """In a private mount namespace with a scratch /etc, so the machine's /etc is never touched."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1)")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not available here")
    script = f"""
        set -e
        cp /etc/ld.so.cache {workdir}/ld.so.cache
        mount -t tmpfs -o mode=0755 ossfs-passwd-test /etc
        cp {workdir}/ld.so.cache /etc/ld.so.cache
        printf 'photos:LTAIp:psecret\\n' > /etc/passwd-ossfs
        chmod 0640 /etc/passwd-ossfs
        chgrp {NOBODY} /etc/passwd-ossfs
        printf '{SECRET}\\n' | env -u HOME {binary} set LTAIroot
        stat -c '%a %g' /etc/passwd-ossfs
        cat /etc/passwd-ossfs
        {binary} check
    """
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "added the default entry to /etc/passwd-ossfs (line 2)" in result.stdout
    assert f"640 {NOBODY}\nphotos:LTAIp:psecret\nLTAIroot:{SECRET}\n" in result.stdout
    assert "/etc/passwd-ossfs: OK" in result.stdout
    assert "notice" not in result.stderr


# --- usage ------------------------------------------------------------------------------------------------

def test_usage_errors_are_one_line_with_exit_1(binary):
    for args in [[], ["bogus"], ["set"], ["list", "--frobnicate"], ["set", "--file"]]:
        result = run(binary, *args, stdin="")
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("ossfs-passwd: "), (args, result.stderr)
        assert result.stdout == ""


def test_file_option_may_come_before_the_subcommand(binary, workdir):
    path = os.path.join(workdir, "passwd")
    assert run(binary, "--file", path, "set", "LTAIid", stdin=SECRET + "\n").returncode == 0
    assert run(binary, f"--file={path}", "check").stdout == f"{path}: OK\n"
    listed = run(binary, "--file", path, "list")
    assert listed.returncode == 0 and "LTAIid" in listed.stdout


def test_help_for_every_subcommand_and_version(binary):
    for sub in ["set", "list", "remove", "check"]:
        result = run(binary, sub, "--help")
        assert result.returncode == 0
        assert "USAGE: ossfs-passwd " + sub in result.stdout and "--file <path>" in result.stdout
    result = run(binary, "--help")
    assert result.returncode == 0 and "SUBCOMMANDS" in result.stdout
    version = run(binary, "--version")
    assert version.returncode == 0 and version.stdout.startswith("ossfs-passwd ")


def test_man_page_renders_without_warnings():
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed (apt-get install groff-base)")
    page = os.path.join(REPO, "man", "ossfs-passwd.1")
    result = subprocess.run(["groff", "-ww", "-man", "-z", page], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


def test_man_page_documents_every_subcommand_and_option(binary):
    with open(os.path.join(REPO, "man", "ossfs-passwd.1")) as f:
        page = f.read().replace("\\-", "-")
    for word in ["set", "list", "remove", "check", "--file", "--default", "--help", "--version",
                 "/etc/passwd-ossfs", "~/.passwd-ossfs", "0600", "0640"]:
        assert word in page


# --- helpers ----------------------------------------------------------------------------------------------

def read_until(fd, marker, timeout=30):
    data = b""
    deadline = time.time() + timeout
    while marker not in data:
        if time.time() > deadline:
            raise AssertionError(f"no {marker!r} on the terminal; got {data!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def stop(process):
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()


def run_on_terminal(binary, args, reply):
    """Runs the tool on a pseudo-terminal, answers the prompt, and returns everything the terminal showed."""
    master, slave = pty.openpty()
    process = None
    try:
        process = subprocess.Popen([binary, *args], stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        slave = None
        output = read_until(master, b": ")
        os.write(master, reply.encode())
        status = process.wait(timeout=30)
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        return output, status
    finally:
        stop(process)
        if slave is not None:
            os.close(slave)
        os.close(master)
