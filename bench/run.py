#!/usr/bin/env python3
"""ossfs benchmark: one command, everything measured in the same run on this machine (issue 5).

For each workload: ossfs's figure, the raw limit of the same local server (curl/wrk straight at it), s3fs and
rclone mount against the same server binary in its S3 dialect, the ratios, and ossfs's peak RSS.
Prints a table, writes bench/results/latest.json and latest.png.

  bench/run.py            full run: release build, 1 GiB files, 10,000-object listing (takes a while)
  bench/run.py --smoke    every workload at tiny sizes with a debug build (CI keeps the harness working)
Options: --src DIR (package to build, default this checkout), --tools ossfs,s3fs,rclone, --only ID,ID,
--reps N (best of N), --bin-dir DIR (skip the build), --keep (keep the work directory for its logs). Needs root (FUSE, drop_caches).
"""
import argparse
import datetime
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import mounts, oss, raw, report, workloads  # noqa: E402


@dataclass
class Sizes:
    big_mib: int
    ls_count: int
    small_count: int
    rename_count: int
    ttfb_count: int
    rand_seconds: int


FULL = Sizes(big_mib=1024, ls_count=10000, small_count=1000, rename_count=1000, ttfb_count=10, rand_seconds=10)
SMOKE = Sizes(big_mib=16, ls_count=200, small_count=40, rename_count=40, ttfb_count=3, rand_seconds=1)


class Context:
    def __init__(self, sizes, workdir, timeout):
        self.sizes = sizes
        self.workdir = workdir
        self.timeout = timeout
        self.concurrency = 16
        self.extra = {}
        self.rename_sources = {}


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def build(src, release, timeout):
    """Builds oss-local (required) and ossfs; returns their paths and, when ossfs cannot be built, why."""
    config = "release" if release else "debug"
    ossfs_error = None
    for product in ("oss-local", "ossfs"):
        log(f"building {product} ({config})")
        r = subprocess.run(["swift", "build", "-c", config, "--product", product], cwd=src, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            tail = " | ".join(r.stdout.strip().splitlines()[-3:])
            if product == "oss-local":
                raise RuntimeError(f"cannot build oss-local: {tail}")
            ossfs_error = f"ossfs does not build here: {tail}"[:300]
    bin_dir = subprocess.run(["swift", "build", "-c", config, "--show-bin-path"], cwd=src, check=True,
                             capture_output=True, text=True, timeout=300).stdout.strip()
    return os.path.join(bin_dir, "oss-local"), os.path.join(bin_dir, "ossfs"), ossfs_error


def make_local_files(ctx):
    """Sources on tmpfs: the big file (random bytes, written by dd and uploaded for reads) and small files."""
    ctx.big_local = os.path.join(ctx.workdir, "big.bin")
    subprocess.run(["bash", "-c", f"head -c {ctx.sizes.big_mib * 1024 * 1024} /dev/urandom > {ctx.big_local}"],
                   check=True, timeout=600)
    ctx.small_src = os.path.join(ctx.workdir, "small-src")
    os.makedirs(ctx.small_src)
    for i in range(ctx.sizes.small_count):
        with open(os.path.join(ctx.small_src, f"f{i:04d}"), "wb") as f:
            f.write(os.urandom(4096))
    ctx.ttfb_local = os.path.join(ctx.workdir, "ttfb.bin")
    with open(ctx.ttfb_local, "wb") as f:
        f.write(os.urandom(256 * 1024))
    ctx.ttfb8_local = os.path.join(ctx.workdir, "ttfb8.bin")
    with open(ctx.ttfb8_local, "wb") as f:
        f.write(os.urandom(8_000_000))


def fill_server(ctx, server):
    """The objects the read workloads need, created through the API."""
    t0 = time.perf_counter()
    raw.put_seconds(server.url("PUT", "big.bin"), ctx.big_local, ctx.timeout)
    ttfb_keys = [f"ttfb/f{i:03d}" for i in range(ctx.sizes.ttfb_count)]
    raw.batch_seconds(raw.put_requests(server, ttfb_keys, ctx.ttfb_local), 16, ctx.timeout)
    ttfb8_keys = [f"ttfb8/f{i:03d}" for i in range(ctx.sizes.ttfb_count)]
    raw.batch_seconds(raw.put_requests(server, ttfb8_keys, ctx.ttfb8_local), 4, ctx.timeout)
    ls_keys = [f"ls/obj-{i:05d}" for i in range(ctx.sizes.ls_count)]
    raw.batch_seconds(raw.put_requests(server, ls_keys, os.path.join(ctx.small_src, "f0000")), 16,
                      ctx.timeout * 2)
    log(f"filled {server.name} server in {time.perf_counter() - t0:.1f}s")


def machine():
    mem_kib = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
                    if l.startswith("PRETTY_NAME")), "?")
    return {"hostname": platform.node(), "cpus": os.cpu_count(), "cpu_model": model,
            "memory_gib": round(mem_kib / 1024 / 1024, 1), "kernel": platform.release(), "os": os_name}


def versions(src):
    def out(args):
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=src)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    return {"ossfs_commit": out(["git", "describe", "--always", "--dirty"]), "s3fs": out(["s3fs", "--version"]),
            "rclone": out(["rclone", "version"]), "fio": out(["fio", "--version"]),
            "curl": out(["curl", "--version"]), "wrk": out(["wrk", "--version"])}


def best(values, higher):
    values = [v for v in values if v is not None]
    return (max(values) if higher else min(values)) if values else None


def measure_tool(ctx, wl, mount, server, name):
    """Runs a workload once on a cold mount; returns ({row id: value}, peak RSS in MiB) or raises."""
    if hasattr(wl, "prepare"):
        wl.prepare(ctx, server, name)
    mount.unmount()
    workloads.drop_caches()
    mount.extra_options = wl.mount_options.get(name)
    try:
        mount.mount()
        values = wl.tool(ctx, mount, server, name)
    finally:
        rss = mount.peak_rss_mib()
        mount.unmount()
        mount.extra_options = None
    return values, rss


def measure_workload(ctx, wl, tools, mounts_by_tool, unavailable, reps):
    """Repetitions interleave raw and tools, so a slow spell of this shared machine hits all of them alike;
    each keeps its best value. Returns the rows' results."""
    ids = ",".join(r.id for r in wl.rows)
    raw_values, raw_error = {}, None
    values = {t: {} for t in tools}
    errors, rss = {}, {}
    for rep in range(reps):
        try:
            got = wl.raw(ctx)
            for k, v in got.items():
                raw_values.setdefault(k, []).append(v)
            log(f"{ids} raw: {got}")
        except Exception as e:  # a benchmark records what it could not measure and goes on
            raw_error = f"{type(e).__name__}: {e}"[:300]
            log(f"{ids} raw: {raw_error}")
        for t in tools:
            if t in unavailable or t in errors:
                continue
            mount, server = mounts_by_tool[t]
            try:
                got, peak = measure_tool(ctx, wl, mount, server, t)
                for k, v in got.items():
                    values[t].setdefault(k, []).append(v)
                rss[t] = max(rss.get(t) or 0, peak or 0)
                log(f"{ids} {t}: {got} peak RSS {peak} MiB")
            except Exception as e:
                errors[t] = f"{type(e).__name__}: {e}"[:300]
                if isinstance(e, mounts.MountError):
                    unavailable[t] = f"cannot mount: {errors[t]}"
                log(f"{ids} {t}: {errors[t]}")
    rows = []
    for r in wl.rows:
        tool_results = {}
        for t in tools:
            if t in errors or (t in unavailable and not values[t]):
                tool_results[t] = {"value": None, "error": errors.get(t) or unavailable[t]}
            else:
                tool_results[t] = {"value": best(values[t].get(r.id, []), r.higher),
                                   "rss_mib": None if rss.get(t) is None else round(rss[t], 1)}
        rows.append(report.row_result(r, best(raw_values.get(r.id, []), r.higher),
                                      None if raw_values.get(r.id) else raw_error, tool_results,
                                      wl.notes.get(r.id)))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--src", default=os.path.dirname(HERE))
    p.add_argument("--tools", default="ossfs,s3fs,rclone")
    p.add_argument("--only", default="")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--bin-dir", help="use oss-local and ossfs already built in DIR instead of building")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root (FUSE mounts, /proc/sys/vm/drop_caches)")
    for tool in ("curl", "wrk", "fio", "swift"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing (apt-get install curl wrk fio)")

    sizes = SMOKE if args.smoke else FULL
    step_timeout = 60 if args.smoke else 1200
    registry = []   # stop functions of everything started, run in reverse order on exit

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    workdir = tempfile.mkdtemp(prefix="ossfs-bench.", dir="/dev/shm")
    started = time.time()
    load_at_start = os.getloadavg()[0]   # other work on the machine skews every figure: say how much there was
    try:
        if args.bin_dir:
            oss_local, ossfs = (os.path.join(args.bin_dir, b) for b in ("oss-local", "ossfs"))
            ossfs_error = None if os.path.exists(ossfs) else f"no ossfs in {args.bin_dir}"
        else:
            oss_local, ossfs, ossfs_error = build(args.src, release=not args.smoke, timeout=7200)
        ctx = Context(sizes, workdir, step_timeout)
        make_local_files(ctx)
        ctx.signed = oss.Server(oss_local, workdir, "signed", anonymous=False, registry=registry)
        ctx.anon = oss.Server(oss_local, workdir, "anonymous", anonymous=True, registry=registry)
        fill_server(ctx, ctx.signed)

        tools = [t for t in args.tools.split(",") if t]
        unavailable = {}
        mounts_by_tool = {}
        for t in tools:
            if t != "ossfs" and not shutil.which(t):
                unavailable[t] = f"{t} is not installed (apt-get install {t})"
        if ossfs_error and "ossfs" in tools:
            unavailable["ossfs"] = ossfs_error
        if "ossfs" in tools and "ossfs" not in unavailable:
            mounts_by_tool["ossfs"] = (mounts.ossfs_mount(ossfs, ctx.signed, workdir, registry), ctx.signed)
        if "s3fs" in tools and "s3fs" not in unavailable:
            mounts_by_tool["s3fs"] = (mounts.s3fs_mount(ctx.anon, workdir, registry), ctx.anon)
        if "rclone" in tools and "rclone" not in unavailable:
            mounts_by_tool["rclone"] = (mounts.rclone_mount(ctx.anon, workdir, registry), ctx.anon)
        if any(s is ctx.anon for _, s in mounts_by_tool.values()):
            fill_server(ctx, ctx.anon)

        only = set(filter(None, args.only.split(",")))
        rows, loads = [], []
        for wl in workloads.all_workloads():
            if only and not only & {r.id for r in wl.rows}:
                continue
            loads.append(round(os.getloadavg()[0], 1))
            rows += measure_workload(ctx, wl, tools, mounts_by_tool, unavailable, args.reps)

        results = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "smoke" if args.smoke else "full", "machine": machine(), "versions": versions(args.src),
            "load_average_1m": {"start": round(load_at_start, 1), "per_workload": loads,
                                "end": round(os.getloadavg()[0], 1)},
            "sizes": sizes.__dict__, "reps": args.reps, "duration_s": round(time.time() - started),
            "ossfs_options": "defaults; url=, passwd_file=, use_path_request_style, sigv1, tmpdir= on tmpfs",
            "s3fs_options": "defaults; url=, use_path_request_style, public_bucket=1, tmpdir= on tmpfs",
            "rclone_options": "defaults (vfs-cache-mode off); s3 provider Other, anonymous",
            "extra": ctx.extra, "rows": rows,
        }
        name = "smoke" if args.smoke else "latest"
        json_path = os.path.join(args.out, f"{name}.json")
        report.write_json(results, json_path)
        with open(os.path.join(args.out, f"{name}.md"), "w") as f:
            f.write(report.markdown(results) + "\n")
        print(f"\nossfs benchmark ({results['mode']}), {results['date']}, {results['machine']['cpus']} CPUs, "
              f"{results['machine']['cpu_model']}, kernel {results['machine']['kernel']}, load average "
              f"{min(loads + [load_at_start]):.1f}-{max(loads + [load_at_start]):.1f}")
        print(report.table(results))
        for line in report.not_available(results):
            print(f"  n/a  {line}")
        for line in report.unreachable(results):
            print(f"  note {line}")
        venv_python = os.path.join(HERE, ".venv", "bin", "python")
        if os.path.exists(venv_python):
            report.chart(results, os.path.join(args.out, f"{name}.png"), venv_python)
            print(f"\nwrote {json_path} and {name}.png")
        else:
            print(f"\nwrote {json_path} (no chart: make bench creates bench/.venv with matplotlib)")
    finally:
        for stop in reversed(registry):
            try:
                stop()
            except Exception as e:  # keep stopping the rest
                log(f"cleanup: {e}")
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
