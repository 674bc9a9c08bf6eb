"""The workloads: each measures one or more rows, for a mounted tool and as the raw limit of the server.

A row's value is a number in its unit; `higher` says which way is better. Tool functions get a Mount that is
already mounted cold (caches dropped, fresh process) and may remount it themselves; raw functions talk to the
signed server directly.
"""
import json
import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from . import raw

MB = 1e6


@dataclass
class Row:
    id: str
    title: str
    unit: str
    higher: bool
    target: tuple = None   # ("raw", 0.8): ossfs >= 0.8 x raw speed; ("s3fs", 5): >= 5 x s3fs speed


@dataclass
class Workload:
    rows: list
    tool: callable          # (ctx, mount, server, tool_name) -> {row id: value}
    raw: callable           # (ctx) -> {row id: value}
    notes: dict = field(default_factory=dict)
    mount_options: dict = field(default_factory=dict)   # {tool: extra -o options for this workload only}


def drop_caches():
    """Page, dentry and inode caches dropped, so the next mount starts cold. A sync stuck on some other FUSE
    mount of this machine must not stop the benchmark: it is given a bounded time."""
    try:
        subprocess.run(["sync"], timeout=60)
    except subprocess.TimeoutExpired:
        pass
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")


def prefault(nbytes):
    """Touches and frees `nbytes` of memory just before a measurement that fills the page cache or a staging
    area. This VM hands freed memory back to its host (virtio-balloon free page reporting), and touching such
    memory again costs a fault in the host: the 1 GiB of fresh page cache (reads) or staging and server
    storage (writes) a mount needs made the first repetition of a sequential row 2-3x slower than the next
    for every mount tool, while curl, which allocates nothing, kept its speed. Memory freed a moment ago is
    reused without that cost. Done the same way for every tool."""
    block = bytearray(nbytes)   # zero-filled: every page is written once
    del block


def remount(mount):
    mount.unmount()
    drop_caches()
    mount.mount()


def sh(ctx, command, cwd=None):
    """Run a shell command with the step timeout; returns its wall time in seconds."""
    t0 = time.perf_counter()
    r = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=ctx.timeout, cwd=cwd)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"`{command[:60]}` exited {r.returncode}: {r.stderr.strip()[-200:]}")
    return elapsed


# --- sequential reads -------------------------------------------------------------------------------------

def seq_read(readers):
    rid = f"seq_read_{readers}"

    def tool(ctx, mount, server, name):
        mib = ctx.sizes.big_mib
        path = os.path.join(mount.mountpoint, "big.bin")
        part = mib // readers
        dds = " & ".join(f"dd if={path} of=/dev/null bs=1M skip={i * part} count={part} status=none"
                         for i in range(readers))
        prefault(2 * mib * 1024 * 1024)
        return {rid: mib * 1024 * 1024 / sh(ctx, f"{dds}; wait") / MB}

    def raw_limit(ctx):
        size = ctx.sizes.big_mib * 1024 * 1024
        url = ctx.signed.url("GET", "big.bin")
        if readers == 1:
            return {rid: size / raw.get_seconds(url, ctx.timeout) / MB}
        return {rid: size / raw.parallel_ranges_seconds(url, size, readers, ctx.timeout) / MB}

    title = f"sequential read, {readers} reader" + ("s" if readers > 1 else "")
    return Workload([Row(rid, title, "MB/s", True, ("raw", 0.8))], tool, raw_limit,
                    {rid: f"dd bs=1M of the 1 GiB file split in {readers} contiguous slices read at once; "
                          f"raw: {readers} curl GET(s) of the same byte ranges"})


# --- sequential write -------------------------------------------------------------------------------------

def seq_write():
    def tool(ctx, mount, server, name):
        key = f"write/{name}-{time.time_ns()}.bin"
        size = ctx.sizes.big_mib * 1024 * 1024
        os.makedirs(os.path.join(mount.mountpoint, "write"), exist_ok=True)
        prefault(3 * size)
        t0 = time.perf_counter()
        sh(ctx, f"dd if={ctx.big_local} of={os.path.join(mount.mountpoint, key)} bs=1M status=none")
        closed = time.perf_counter() - t0
        # The figure counts until the object is on the server, in case a close returns before the upload ends.
        head = server.url("HEAD", key)
        while raw.head_size(head) != size:
            if time.perf_counter() - t0 > ctx.timeout:
                raise RuntimeError("the written object never reached its full size on the server")
            time.sleep(0.02)
        visible = time.perf_counter() - t0
        ctx.extra.setdefault("seq_write_close_vs_visible_s", {})[name] = [round(closed, 3), round(visible, 3)]
        os.unlink(os.path.join(mount.mountpoint, key))
        return {"seq_write": size / visible / MB}

    def raw_limit(ctx):
        size = ctx.sizes.big_mib * 1024 * 1024
        seconds = raw.put_seconds(ctx.signed.url("PUT", "raw-write.bin"), ctx.big_local, ctx.timeout)
        # For scale only (not the ratio's base): the same bytes as four objects PUT at once, which says whether
        # the server's write path or one stream is the limit.
        quarter = os.path.join(ctx.workdir, "quarter.bin")
        with open(ctx.big_local, "rb") as src, open(quarter, "wb") as dst:
            dst.write(src.read(size // 4))
        keys = [f"raw-write-part{i}.bin" for i in range(4)]
        parallel = raw.batch_seconds(raw.put_requests(ctx.signed, keys, quarter), 4, ctx.timeout)
        os.unlink(quarter)
        ctx.extra["seq_write_raw_4_parallel_puts_MBps"] = round(size / parallel / MB, 1)
        return {"seq_write": size / seconds / MB}

    return Workload([Row("seq_write", "sequential write (dd bs=1M + close)", "MB/s", True, ("raw", 0.7))],
                    tool, raw_limit,
                    {"seq_write": "dd bs=1M from tmpfs, timed until the whole object is visible on the server "
                                  "(close included); raw: one curl PUT of the same file"})


# --- time to first byte -----------------------------------------------------------------------------------

def ttfb(rid="ttfb", folder="ttfb", what="256 KiB files"):
    def tool(ctx, mount, server, name):
        times = []
        for i in range(ctx.sizes.ttfb_count):
            t0 = time.perf_counter()
            fd = os.open(os.path.join(mount.mountpoint, folder, f"f{i:03d}"), os.O_RDONLY)
            try:
                if len(os.read(fd, 1)) != 1:
                    raise RuntimeError("empty read")
            finally:
                os.close(fd)
            times.append(time.perf_counter() - t0)
        return {rid: statistics.median(times) * 1000}

    def raw_limit(ctx):
        times = [raw.first_byte_seconds(ctx.signed.url("GET", f"{folder}/f{i:03d}"), ctx.timeout)
                 for i in range(ctx.sizes.ttfb_count)]
        return {rid: statistics.median(times) * 1000}

    title = "time to first byte (open + 1-byte read)" + ("" if rid == "ttfb" else f", {what}")
    return Workload([Row(rid, title, "ms", False)], tool, raw_limit,
                    {rid: f"median over distinct {what} on a cold mount (lookup, open, read of 1 byte); "
                          "raw: curl time_starttransfer on a new connection"})


# --- random reads -----------------------------------------------------------------------------------------

def random_read(block_kib, depth, cached=False):
    """`cached`: ossfs mounted with its disk data cache (use_cache=, emptied at mount), which s3fs has in effect
    at its defaults (it keeps what it fetched in a temporary file while the file is open)."""
    rid = f"rand_{block_kib}k_qd{depth}" + ("_cache" if cached else "")

    def tool(ctx, mount, server, name):
        args = ["fio", "--name=rand", f"--filename={os.path.join(mount.mountpoint, 'big.bin')}", "--readonly",
                "--rw=randread", f"--bs={block_kib}k", "--direct=1", "--ioengine=psync", f"--numjobs={depth}",
                "--group_reporting", "--time_based", f"--runtime={ctx.sizes.rand_seconds}",
                "--output-format=json"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=ctx.sizes.rand_seconds + ctx.timeout)
        if r.returncode != 0:
            raise RuntimeError(f"fio: {(r.stderr or r.stdout).strip()[-200:]}")
        job = json.loads(r.stdout[r.stdout.index("{"):])["jobs"][0]
        if job.get("error"):
            raise RuntimeError(f"fio error {job['error']}")
        return {rid: job["read"]["iops"]}

    def raw_limit(ctx):
        size = ctx.sizes.big_mib * 1024 * 1024
        return {rid: raw.ranged_reads_per_second(ctx.signed.url("GET", "big.bin"), size, block_kib * 1024, depth,
                                                 ctx.sizes.rand_seconds, ctx.timeout + ctx.sizes.rand_seconds)}

    title = f"random {block_kib} KiB reads, QD{depth}" + (", ossfs use_cache" if cached else "")
    note = (f"fio randread direct=1 psync, numjobs={depth} (QD = jobs in flight); "
            f"raw: wrk ranged GETs, {depth} keep-alive connection(s)")
    w = Workload([Row(rid, title, "IOPS", True, ("raw", 0.8))], tool, raw_limit,
                 {rid: note + ("; ossfs with -o use_cache=DIR,del_cache (an empty disk cache on the workdir's tmpfs "
                               "at mount), s3fs and rclone as in the row above" if cached else "")})
    if cached:
        def prepare(ctx, server, name):
            w.mount_options = {"ossfs": f"use_cache={os.path.join(ctx.workdir, 'cache-ossfs')},del_cache"}
        w.prepare = prepare
    return w


# --- ls -l ------------------------------------------------------------------------------------------------

def list_directory(ctx, mount):
    t0 = time.perf_counter()
    r = subprocess.run(["ls", "-l", os.path.join(mount.mountpoint, "ls")], capture_output=True, text=True,
                       timeout=ctx.timeout)
    elapsed = time.perf_counter() - t0
    entries = len(r.stdout.splitlines()) - 1
    if r.returncode != 0 or entries != ctx.sizes.ls_count:
        raise RuntimeError(f"ls -l listed {entries} of {ctx.sizes.ls_count}: {r.stderr.strip()[-150:]}")
    return elapsed


def list_raw(ctx):
    """The listing alone. (A HEAD per object on top, as ossfs 1.x metadata needs, was tried as the ls row's raw
    limit: curl, in --parallel or as 16 processes, spent more per HEAD than the file systems did, so it bounded
    nothing.)"""
    seconds, count = raw.list_seconds(ctx.signed, "ls/", ctx.timeout)
    if count != ctx.sizes.ls_count:
        raise RuntimeError(f"listed {count} keys")
    return seconds


def ls_cold():
    return Workload([Row("ls", "ls -l of a directory, cold", "s", False, ("s3fs", 5))],
                    lambda ctx, mount, server, name: {"ls": list_directory(ctx, mount)},
                    lambda ctx: {"ls": list_raw(ctx)},
                    {"ls": "objects created through the API; fresh mount, caches dropped; ossfs sends one HEAD "
                           "per entry for its metadata (mode, uid, gid, mtime), like ossfs 1.x; "
                           "raw: ListObjects pages of 1000, one after another (no HEADs)"})


def ls_cold_readdir_optimize():
    """The same listing with ossfs's `readdir_optimize` (ossfs 1.x): no HEAD per entry, the listing's size and
    mtime with default mode and owner. s3fs has no such option and runs at its defaults in this row too."""
    w = Workload([Row("ls_opt", "ls -l of a directory, cold, ossfs readdir_optimize", "s", False, ("s3fs", 5))],
                 lambda ctx, mount, server, name: {"ls_opt": list_directory(ctx, mount)},
                 lambda ctx: {"ls_opt": list_raw(ctx)},
                 {"ls_opt": "as the ls row, ossfs mounted with -o readdir_optimize (no HEAD per entry); "
                            "s3fs and rclone at their defaults (no equivalent option); "
                            "raw: ListObjects pages of 1000, one after another"})
    w.mount_options = {"ossfs": "readdir_optimize"}
    return w


# --- small files ------------------------------------------------------------------------------------------

def small_files():
    def tool(ctx, mount, server, name):
        d = os.path.join(mount.mountpoint, f"small-{name}-{time.time_ns()}")
        created = sh(ctx, f"cp -r {ctx.small_src} {d}")
        remount(mount)
        read = sh(ctx, f"cat {d}/* > /dev/null")
        deleted = sh(ctx, f"rm -r {d}")
        return {"small_create": created, "small_read": read, "small_delete": deleted}

    def raw_limit(ctx):
        keys = [f"small-raw/f{i:04d}" for i in range(ctx.sizes.small_count)]
        body = os.path.join(ctx.small_src, "f0000")
        c = ctx.concurrency
        values = {"small_create": raw.batch_seconds(raw.put_requests(ctx.signed, keys, body), c, ctx.timeout),
                  "small_read": raw.batch_seconds(raw.get_requests(ctx.signed, keys), c, ctx.timeout),
                  "small_delete": raw.batch_seconds(raw.delete_requests(ctx.signed, keys), c, ctx.timeout)}
        # For scale: cp -r and rm -r work one file at a time, and a close (durable upload) or an unlink (a real
        # DELETE) cannot return before its request is answered, so one request in flight is their floor. (cat's
        # GETs are recorded too; ossfs fetches the next files of its walk ahead, so they bound nothing.)
        keys = [f"small-raw-serial/f{i:04d}" for i in range(ctx.sizes.small_count)]
        put = raw.batch_seconds(raw.put_requests(ctx.signed, keys, body), 1, ctx.timeout)
        get = raw.batch_seconds(raw.get_requests(ctx.signed, keys), 1, ctx.timeout)
        delete = raw.batch_seconds(raw.delete_requests(ctx.signed, keys), 1, ctx.timeout)
        ctx.extra["small_raw_one_in_flight_s"] = {"put": round(put, 3), "get": round(get, 3),
                                                  "delete": round(delete, 3)}
        return values

    note = "cp -r from tmpfs / cat after a remount / rm -r; raw: curl --parallel PUT/GET/DELETE, 16 in flight"
    return Workload([Row("small_create", "small files: create (cp -r)", "s", False, ("s3fs", 5)),
                     Row("small_read", "small files: read (cat, cold)", "s", False, ("s3fs", 5)),
                     Row("small_delete", "small files: delete (rm -r)", "s", False, ("s3fs", 5))],
                    tool, raw_limit, {k: note for k in ("small_create", "small_read", "small_delete")})


# --- directory rename -------------------------------------------------------------------------------------

def rename_dir():
    def tool(ctx, mount, server, name):
        # The directory was filled through the API by prepare(); the mount was started after that.
        src = ctx.rename_sources[name]
        dst = f"{src}-moved"
        seconds = sh(ctx, f"mv {os.path.join(mount.mountpoint, src)} {os.path.join(mount.mountpoint, dst)}")
        _, moved = raw.list_seconds(server, dst + "/", ctx.timeout)
        if moved != ctx.sizes.rename_count:
            raise RuntimeError(f"{moved} of {ctx.sizes.rename_count} objects under the new name")
        return {"rename": seconds}

    def prepare(ctx, server, name):
        src = f"ren-{name}-{time.time_ns()}"
        keys = [f"{src}/f{i:04d}" for i in range(ctx.sizes.rename_count)]
        raw.batch_seconds(raw.put_requests(server, keys, os.path.join(ctx.small_src, "f0000")), 16, ctx.timeout)
        ctx.rename_sources[name] = src

    def raw_limit(ctx):
        prepare(ctx, ctx.signed, "raw")
        src = ctx.rename_sources["raw"]
        pairs = [(f"{src}/f{i:04d}", f"{src}-moved/f{i:04d}") for i in range(ctx.sizes.rename_count)]
        c = ctx.concurrency
        return {"rename": raw.batch_seconds(raw.copy_requests(ctx.signed, pairs), c, ctx.timeout)
                + raw.batch_seconds(raw.delete_requests(ctx.signed, [s for s, _ in pairs]), c, ctx.timeout)}

    w = Workload([Row("rename", "rename a directory (mv)", "s", False, ("s3fs", 5))], tool, raw_limit,
                 {"rename": "directory created through the API, fresh mount; raw: curl --parallel CopyObject "
                            "then DELETE, 16 in flight"})
    w.prepare = prepare
    return w


def all_workloads():
    return [ttfb(), ttfb("ttfb_8mb", "ttfb8", "8 MB files"), seq_read(1), seq_read(4), seq_write(),
            random_read(4, 1), random_read(4, 16), random_read(128, 1), random_read(128, 16),
            random_read(4, 1, cached=True), random_read(4, 16, cached=True),
            ls_cold(), ls_cold_readdir_optimize(), small_files(), rename_dir()]
