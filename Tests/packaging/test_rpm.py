"""The .rpm built on this machine: file list (rpm -qpl), requirements (rpm -qpR), version, rpmlint."""
import subprocess

from conftest import REPO, version

FILES = {
    "/usr/bin/ossfs",
    "/usr/bin/ossfs-passwd",
    "/usr/sbin/mount.ossfs",
    "/usr/sbin/mount.fuse.ossfs",
    "/usr/share/man/man1/ossfs.1.gz",
    "/usr/share/man/man1/ossfs-passwd.1.gz",
    "/usr/share/man/man8/mount.ossfs.8.gz",
    "/usr/share/man/man8/mount.fuse.ossfs.8.gz",
    "/usr/share/doc/ossfs/README",
    "/usr/share/licenses/ossfs/copyright",
}


def rpm_query(rpm, *args):
    result = subprocess.run(["rpm", "-qp", *args, str(rpm)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_file_list(rpm):
    listed = set(rpm_query(rpm, "-l").split())
    # RPM's build-id links (/usr/lib/.build-id/..) name the programs by build id; everything else is ours
    files = {p for p in listed if not p.startswith("/usr/lib/.build-id")}
    assert files == FILES


def test_requirements(rpm):
    requires = rpm_query(rpm, "-R").splitlines()
    names = {line.split()[0] for line in requires}
    for package in ["fuse3", "fuse3-libs", "libcurl", "openssl-libs", "libxml2"]:
        assert package in names, requires
    # computed from the programs: the libraries they link, and nothing from the Swift toolchain
    for library in ["libfuse3.so.3", "libcurl.so.4", "libcrypto.so.3", "libxml2.so.2", "libc.so.6"]:
        assert any(name.startswith(library + "(") for name in names), requires
    assert not [name for name in names if "swift" in name.lower()], requires
    # Debian's libcurl symbol version, which no RPM distribution's libcurl provides, is left out
    assert not [line for line in requires if "CURL_OPENSSL" in line], requires


def test_version_and_link_targets(rpm):
    assert rpm_query(rpm, "--qf", "%{VERSION}") == version()
    links = rpm_query(rpm, "--qf", "[%{FILENAMES} -> %{FILELINKTOS}\\n]")
    assert "/usr/sbin/mount.fuse.ossfs -> mount.ossfs" in links
    assert "/usr/share/man/man8/mount.fuse.ossfs.8.gz -> mount.ossfs.8.gz" in links


def test_rpmlint_reports_no_errors(rpm):
    """With packaging/rpm/rpmlint.toml, whose filters each say why the finding is intended; the spec too."""
    config = REPO / "packaging" / "rpm" / "rpmlint.toml"
    spec = REPO / "packaging" / "rpm" / "ossfs.spec"
    result = subprocess.run(["rpmlint", "-c", str(config), str(rpm), str(spec)], capture_output=True, text=True,
                            timeout=300)
    errors = [line for line in result.stdout.splitlines() if ": E: " in line]
    assert not errors, result.stdout
    assert " 0 errors" in result.stdout, result.stdout
