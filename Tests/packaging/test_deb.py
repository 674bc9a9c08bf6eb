"""The .deb: install it with dpkg, mount oss-local with `mount -t fuse.ossfs` using only the installed
files, write and read a file (checked through oss2), unmount, purge, and find nothing of the package left."""
import gzip
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, OSSLocal, version

# A PATH without the build tree, so that mount(8) can only find what the package installed.
SYSTEM_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}

PROGRAMS = {"/usr/bin/ossfs", "/usr/bin/ossfs-passwd", "/sbin/mount.ossfs"}
FILES = PROGRAMS | {
    "/sbin/mount.fuse.ossfs",
    "/usr/share/man/man1/ossfs.1.gz",
    "/usr/share/man/man1/ossfs-passwd.1.gz",
    "/usr/share/man/man8/mount.ossfs.8.gz",
    "/usr/share/man/man8/mount.fuse.ossfs.8.gz",
    "/usr/share/doc/ossfs/copyright",
    "/usr/share/doc/ossfs/changelog.Debian.gz",
    "/usr/share/doc/ossfs/README",
}
if (REPO / "README.md").exists():
    FILES.add("/usr/share/doc/ossfs/README.md.gz")


def run(*args, check=True, **kwargs):
    result = subprocess.run(list(args), capture_output=True, text=True, env=SYSTEM_ENV, timeout=120, **kwargs)
    if check:
        assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def installed():
    result = run("dpkg-query", "-W", "-f=${db:Status-Status}", "ossfs", check=False)
    return result.returncode == 0 and result.stdout.strip() not in ("", "not-installed")


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == str(path) for line in f)


def installed_daemons():
    """PIDs of processes running the installed /usr/bin/ossfs."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/exe") == "/usr/bin/ossfs":
                    pids.add(int(entry))
            except OSError:
                pass
    return pids


def unmount(path):
    if mounted(path):
        run("umount", str(path), check=False)
    if mounted(path):
        run("umount", "-l", str(path), check=False)


def test_lintian_reports_no_errors(deb):
    result = run("lintian", "--no-tag-display-limit", str(deb), check=False)
    errors = [line for line in result.stdout.splitlines() if line.startswith("E:")]
    assert not errors, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


def test_control_fields(deb):
    fields = run("dpkg-deb", "--field", str(deb)).stdout
    assert f"Version: {version()}-" in fields
    depends = next(line for line in fields.splitlines() if line.startswith("Depends:"))
    for package in ["libc6", "libfuse3-3", "libcurl4", "libssl3", "libxml2", "fuse3"]:
        assert f" {package}" in depends, depends
    assert "swift" not in depends.lower()


@pytest.fixture
def installed_deb(deb, tmp_path):
    """dpkg -i the package (apt-get install -f for missing dependencies); purged afterwards, whatever happens."""
    if installed():
        pytest.fail("an ossfs package is already installed here; this test installs and purges its own, "
                    "so remove that one first (dpkg --purge ossfs)")
    try:
        result = run("dpkg", "-i", str(deb), check=False)
        if result.returncode != 0:
            run("apt-get", "install", "-f", "-y", "-q")
        assert installed()
        yield run("dpkg", "-L", "ossfs").stdout.splitlines()
    finally:
        if installed():
            run("dpkg", "--purge", "ossfs", check=False)


def test_install_mount_write_read_unmount_purge(installed_deb, tmp_path):
    listed = set(installed_deb)
    assert FILES <= listed, sorted(FILES - listed)
    owned = {p for p in listed if not os.path.isdir(p)}
    assert owned == FILES, f"unexpected files: {sorted(owned - FILES)}"
    for path in PROGRAMS:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o755, path
    assert os.readlink("/sbin/mount.fuse.ossfs") == "mount.ossfs"
    for page in ["/usr/share/man/man1/ossfs.1.gz", "/usr/share/man/man8/mount.ossfs.8.gz"]:
        header = gzip.open(page, "rt").readline()
        assert f'"ossfs {version()}"' in header, header
    copyright_text = Path("/usr/share/doc/ossfs/copyright").read_text()
    assert copyright_text.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")

    # every installed program answers --version with the one version number
    for program in ["/usr/bin/ossfs", "/usr/bin/ossfs-passwd", "/sbin/mount.ossfs"]:
        out = run(program, "--version").stdout
        assert version() in out, f"{program} --version: {out!r}"
    # nothing from the Swift toolchain is needed at run time
    for program in PROGRAMS:
        libraries = run("ldd", program).stdout
        assert "not found" not in libraries and "libswift" not in libraries, libraries

    server = OSSLocal("pkg-" + os.urandom(4).hex())
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    passwd = tmp_path / "passwd-ossfs"
    try:
        # the installed ossfs-passwd writes the credential file, 0600
        run("ossfs-passwd", "set", "--file", str(passwd), server.bucket, server.key_id, input=server.secret + "\n")
        assert stat.S_IMODE(passwd.stat().st_mode) == 0o600

        mount = run("mount", "-t", "fuse.ossfs", server.bucket, str(mountpoint),
                    "-o", f"url={server.url},passwd_file={passwd}", check=False)
        assert mount.returncode == 0, f"mount failed ({mount.returncode}): {mount.stdout}{mount.stderr}"
        assert mounted(mountpoint)
        fstype = next(line.split(" - ")[1].split()[0] for line in open("/proc/self/mountinfo")
                      if line.split()[4] == str(mountpoint))
        assert fstype == "fuse.ossfs"

        import oss2
        bucket = oss2.Bucket(oss2.Auth(server.key_id, server.secret), server.url, server.bucket)

        data = os.urandom(300_000) + b"written through the installed package\n"
        (mountpoint / "from-mount.bin").write_bytes(data)          # close() uploads
        assert bucket.get_object("from-mount.bin").read() == data

        bucket.put_object("from-oss2.txt", b"written with oss2\n")
        assert (mountpoint / "from-oss2.txt").read_bytes() == b"written with oss2\n"
        assert {"from-mount.bin", "from-oss2.txt"} <= set(os.listdir(mountpoint))

        daemons = installed_daemons()
        assert daemons, "no process runs /usr/bin/ossfs while mounted"
        run("umount", str(mountpoint))
        assert not mounted(mountpoint)
        # the daemon is gone with the mount
        for _ in range(100):
            if not installed_daemons() & daemons:
                break
            time.sleep(0.1)
        assert not installed_daemons() & daemons
    finally:
        unmount(mountpoint)
        server.stop()

    run("dpkg", "--purge", "ossfs")
    assert not installed()
    left = [p for p in installed_deb if os.path.lexists(p) and (not os.path.isdir(p) or p.startswith("/usr/share/doc/ossfs"))]
    assert not left, f"left after purge: {left}"
