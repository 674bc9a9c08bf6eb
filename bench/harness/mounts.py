"""Mounting and unmounting the file systems under test: ossfs, s3fs and rclone, each in the foreground so the
process we start is the file system (its peak RSS is ours to read) and is ours to stop."""
import os
import shutil
import subprocess
import time

from . import oss


class MountError(RuntimeError):
    pass


def fuse_connection(mountpoint):
    """The /sys/fs/fuse/connections id of a mount (its device minor), from mountinfo: no stat on a hung mount."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == mountpoint:
                return fields[2].split(":")[1]
    return None


def is_mounted(mountpoint):
    return fuse_connection(mountpoint) is not None


class Mount:
    """One mount of one tool; mount() and unmount() may be called again to start cold."""

    def __init__(self, tool, command, mountpoint, log_path, registry, env=None):
        self.tool = tool
        self.env = env
        self.command = command
        self.mountpoint = mountpoint
        self.log_path = log_path
        self.proc = None
        self.extra_options = None   # appended to the -o argument while a workload asks for them
        os.makedirs(mountpoint, exist_ok=True)
        registry.append(self.unmount)

    def mount(self, timeout=30):
        log = open(self.log_path, "ab")
        command = list(self.command)
        if self.extra_options:
            i = command.index("-o") + 1
            command[i] += "," + self.extra_options
        self.proc = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env=self.env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if is_mounted(self.mountpoint):
                return
            if self.proc.poll() is not None:
                raise MountError(f"{self.tool} exited with {self.proc.returncode}: {self.log_tail()}")
            time.sleep(0.05)
        self.unmount()
        raise MountError(f"{self.tool} did not mount within {timeout}s: {self.log_tail()}")

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-3:])
        except OSError:
            return ""

    def peak_rss_mib(self):
        """VmHWM of the file-system process: its peak resident memory since this mount started."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def unmount(self, timeout=120):
        """Unmount, let the process finish (ossfs completes pending uploads), then make sure it is gone.
        Escalates: fusermount -u, lazy unmount, abort of the FUSE connection, SIGKILL."""
        if is_mounted(self.mountpoint):
            for args in (["fusermount3", "-u", self.mountpoint], ["fusermount", "-u", self.mountpoint]):
                if shutil.which(args[0]) and subprocess.run(args, capture_output=True, timeout=60).returncode == 0:
                    break
            else:
                time.sleep(1)
                if is_mounted(self.mountpoint):
                    subprocess.run(["umount", "-l", self.mountpoint], capture_output=True, timeout=30)
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                conn = fuse_connection(self.mountpoint)
                if conn:
                    try:
                        with open(f"/sys/fs/fuse/connections/{conn}/abort", "w") as f:
                            f.write("1")
                    except OSError:
                        pass
                self.proc.kill()
                self.proc.wait()
        if is_mounted(self.mountpoint):
            subprocess.run(["umount", "-l", self.mountpoint], capture_output=True, timeout=30)
        self.proc = None


def ossfs_mount(binary, server, workdir, registry):
    passwd = os.path.join(workdir, "passwd-ossfs")
    with open(passwd, "w") as f:
        f.write(f"{oss.KEY_ID}:{oss.KEY_SECRET}\n")
    os.chmod(passwd, 0o600)
    stage = os.path.join(workdir, "stage-ossfs")
    os.makedirs(stage, exist_ok=True)
    mp = os.path.join(workdir, "mnt-ossfs")
    # Default options apart from where the server is, how to sign, and staging on tmpfs like the servers' data.
    opts = f"url={server.base},passwd_file={passwd},use_path_request_style,sigv1,tmpdir={stage}"
    return Mount("ossfs", [binary, oss.BUCKET, mp, "-f", "-o", opts], mp,
                 os.path.join(workdir, "ossfs.log"), registry)


def s3fs_mount(server, workdir, registry):
    stage = os.path.join(workdir, "stage-s3fs")
    os.makedirs(stage, exist_ok=True)
    mp = os.path.join(workdir, "mnt-s3fs")
    opts = f"url={server.base},use_path_request_style,public_bucket=1,tmpdir={stage}"
    return Mount("s3fs", ["s3fs", oss.BUCKET, mp, "-f", "-o", opts], mp,
                 os.path.join(workdir, "s3fs.log"), registry)


def rclone_mount(server, workdir, registry):
    conf = os.path.join(workdir, "rclone.conf")
    with open(conf, "w") as f:
        # No keys: rclone sends anonymous requests; the bucket exists, so no bucket creation check.
        f.write(f"[local]\ntype = s3\nprovider = Other\nendpoint = {server.base}\nenv_auth = false\n"
                "force_path_style = true\nno_check_bucket = true\n")
    mp = os.path.join(workdir, "mnt-rclone")
    cache = os.path.join(workdir, "rclone-cache")
    # AWS_CA_BUNDLE (set on this machine for https) makes rclone's S3 backend refuse its own HTTP transport.
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    return Mount("rclone", ["rclone", "mount", f"local:{oss.BUCKET}", mp, "--config", conf,
                            "--cache-dir", cache], mp, os.path.join(workdir, "rclone.log"), registry, env)
