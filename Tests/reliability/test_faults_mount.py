"""A file workload through an ossfs mount while oss-local fails requests on purpose (500, 503, dropped
connections, stalls, added latency). Every operation must succeed or fail with a clear errno within a
bound (never hang, never return wrong bytes), and afterwards every object in the bucket, read through the
OSS API with its CRC64 checked, must be a version the mount acknowledged or attempted; never a torn one."""
from __future__ import annotations

import errno
import random
import time

import pytest

from rellib.model import ABSENT, Model
from rellib.verify import bucket_objects, check_bucket_against
from rellib.worker import Hang, Worker, content, digest

MB = 1 << 20
# Mount limits: a stalled request gives up after readwrite_timeout; each request is tried 1 + retries times.
FAULT_MOUNT = {"retries": 4, "connect_timeout": 2, "readwrite_timeout": 3}
OP_BOUND = 150.0          # far beyond the worst legitimate time of one operation (several requests x retries)
# What a failing operation may report. ENOENT only where the key's state is uncertain (checked below);
# ENOTCONN would mean the daemon died, anything else is not a clear answer.
CLEAR_ERRNOS = {"EIO", "ETIMEDOUT", "EAGAIN", "ECONNRESET", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH",
                "EBUSY", "ENOENT", "EEXIST", "ENOTEMPTY"}
SIZES = [0, 1, 4096, 100_000, 1 * MB + 17]
BIG = {"a/big6": 6 * MB + 1, "b/big11": 11 * MB + 5}    # 2 and 3 parts of 5 MB


class Run:
    """Executes the workload, keeping the model of what was acknowledged."""

    def __init__(self, mnt, rng: random.Random):
        self.mnt = mnt
        self.rng = rng
        self.model = Model()
        self.worker = Worker()
        self.ok = 0
        self.failures: list[str] = []
        self.seed = rng.randrange(1 << 30)

    def op(self, kind: str, key: str, **args) -> dict:
        r = self.worker.run({"op": kind, "path": str(self.mnt / key),
                             **({"to": str(self.mnt / args.pop("to"))} if "to" in args else {}), **args},
                            timeout=OP_BOUND)
        if r["ok"]:
            self.ok += 1
        else:
            assert r["errno"] in CLEAR_ERRNOS, f"{kind} {key}: unclear failure {r['errno']}: {r['message']}"
            self.failures.append(f"{kind} {key}: {r['errno']} after {r['seconds']:.1f}s")
        return r

    def next_seed(self) -> int:
        self.seed += 1
        return self.seed

    def write(self, key: str, size: int) -> None:
        seed = self.next_seed()
        d = self.model.version(content(seed, size))
        r = self.op("write", key, seed=seed, size=size)
        if r["ok"]:
            self.model.succeeded(key, d)
        else:
            self.model.failed(key, d, digest(b""))

    def read_back(self, key: str) -> None:
        r = self.op("read", key)
        state = self.model.certain(key)
        if r["ok"]:
            got = r["value"]["sha256"]
            possible = self.model.states.get(key, {ABSENT})
            assert got in possible, f"read {key}: {r['value']['size']} bytes that are none of its possible versions"
        elif r["errno"] == "ENOENT":
            assert state in (ABSENT, "uncertain"), f"read {key}: ENOENT for an acknowledged file"

    def overwrite(self, key: str) -> None:
        old = self.model.body(key)
        if old is None or len(old) == 0:
            return   # only files whose content is known
        offset = self.rng.randrange(len(old))
        size = self.rng.choice([1, 777, 70_000, len(old) - offset + 3000])  # the last one extends the file
        seed = self.next_seed()
        patch = content(seed, size)
        new = old[:offset] + patch + old[offset + size:]
        d = self.model.version(new)
        r = self.op("pwrite", key, seed=seed, size=size, offset=offset)
        if r["ok"]:
            self.model.succeeded(key, d)
        else:
            self.model.failed(key, d)

    def rename(self, src: str, dst: str) -> None:
        r = self.op("rename", src.rstrip("/"), to=dst.rstrip("/"))
        self.model.renamed(src, dst, r["ok"])

    def unlink(self, key: str) -> None:
        r = self.op("unlink", key)
        if r["ok"]:
            self.model.succeeded(key, ABSENT)
        elif r["errno"] == "ENOENT":
            assert self.model.certain(key) in (ABSENT, "uncertain"), f"unlink {key}: ENOENT for an acknowledged file"
            self.model.succeeded(key, ABSENT)
        else:
            self.model.failed(key, ABSENT)

    def workload(self) -> None:
        for d in ("a", "b", "c", "c/sub"):
            self.op("mkdir", d)
        for d in ("a", "b", "c/sub"):
            for i, size in enumerate(SIZES):
                self.write(f"{d}/f{i}", size)
        for key, size in BIG.items():
            self.write(key, size)
        files = [k for k in list(self.model.states)]
        for key in files:
            self.read_back(key)
        for key in self.rng.sample(files, 8):
            self.overwrite(key)
        self.overwrite("b/big11")
        self.rename("a/", "a-renamed/")         # directory rename: every object is copied, then deleted
        self.rename("b/f3", "b/f3-moved")
        self.rename("c/", "c2/")                 # nested directory
        for key in ("b/f1", "b/f0", "a-renamed/f2"):
            self.unlink(key)
        for key in list(self.model.states):
            if self.model.states[key] != {ABSENT}:
                self.read_back(key)


def fault_run(env, rate: float, seed: int, retries: int):
    env.server.data_dir = env.workdir / "oss-data"
    env.server.data_dir.mkdir()
    faults = ["--seed", str(seed), "--fault-rate", str(rate), "--fault-kinds", "500,503,reset,stall",
              "--latency-ms", "3"]
    env.server.start(faults)
    mnt = env.mount(env.options(**{**FAULT_MOUNT, "retries": retries})
                    + ["multipart_size=5", "multipart_threshold=5", "dbglevel=warn"])
    run = Run(mnt, random.Random(seed))
    started = time.monotonic()
    try:
        run.workload()
    except Hang as e:
        pytest.fail(f"an operation hung under faults: {e}")
    finally:
        run.worker.close()
    took = time.monotonic() - started
    assert mnt.process.poll() is None, "ossfs exited during the fault run"
    problems = env.unmount(mnt, grace=120)
    assert not problems, problems
    # Verify on the same data with the faults off (our own checks would otherwise need their own retries).
    env.server.stop()
    env.server.start([])
    objects = bucket_objects(env.bucket)
    bad = check_bucket_against(run.model, objects, "")
    print(f"fault rate {rate}: {run.ok} operations succeeded, {len(run.failures)} failed with an errno, "
          f"workload {took:.1f}s; failures: {run.failures[:20]}")
    assert not bad, "\n".join(bad)
    return run


@pytest.mark.time_limit(600)
def test_five_percent_faults_without_retries(env):
    """retries=0: every injected fault reaches an operation, which must fail cleanly and leave no torn object."""
    run = fault_run(env, 0.05, seed=5, retries=0)
    assert run.failures, "no operation failed: the faults did not reach the mount, so this run proved nothing"


@pytest.mark.time_limit(900)
def test_twenty_percent_faults_with_retries(env):
    """retries=4: the mount hides one request in five failing; nothing acknowledged is lost."""
    run = fault_run(env, 0.2, seed=20, retries=4)
    assert run.ok > 0
