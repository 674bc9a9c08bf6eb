"""The server killed (SIGKILL) and restarted on its data in the middle of uploads and listings, frozen
(accepts connections, never answers), or gone for good: every operation ends within a bound with a value or
an errno, the daemon survives, and once the server is back the mount works and lost nothing it acknowledged."""
from __future__ import annotations

import threading
import time

import pytest

from rellib.model import ABSENT, Model
from rellib.verify import bucket_objects, check_bucket_against
from rellib.worker import Hang, Worker, content, digest

MB = 1 << 20
FAST = {"retries": 1, "connect_timeout": 2, "readwrite_timeout": 3}
BOUND = 60.0    # (1 + retries) x readwrite_timeout per request, a few requests per operation: far below this


def persistent(env):
    env.server.data_dir = env.workdir / "oss-data"
    env.server.data_dir.mkdir()
    env.server.start([])


@pytest.mark.time_limit(600)
def test_server_killed_and_restarted_during_uploads_and_listings(env):
    persistent(env)
    b = env.bucket
    for i in range(30):
        b.put_object(f"listed/k{i:03}", b"x")
    mnt = env.mount(env.options(**FAST) + ["multipart_size=5", "multipart_threshold=5"])
    model = Model()
    writer, lister = Worker(), Worker()
    errors: list[str] = []
    stop = threading.Event()
    hangs: list[str] = []

    def write_loop():
        i = 0
        while not stop.is_set():
            key, size = f"up-f{i}", [10, 300_000, 6 * MB][i % 3]
            d = model.version(content(i, size))
            try:
                r = writer.run({"op": "write", "path": str(mnt / key), "seed": i, "size": size}, timeout=BOUND)
            except Hang as e:
                hangs.append(str(e))
                return
            if r["ok"]:
                model.succeeded(key, d)
            else:
                model.failed(key, d, digest(b""))
                errors.append(f"write {key}: {r['errno']}")
            i += 1

    def list_loop():
        while not stop.is_set():
            try:
                r = lister.run({"op": "listdir", "path": str(mnt / "listed")}, timeout=BOUND)
            except Hang as e:
                hangs.append(str(e))
                return
            if r["ok"]:
                # a listing is complete or fails; never a silently shortened one
                assert len(r["value"]) == 30, f"listing returned {len(r['value'])} of 30 names"
            else:
                errors.append(f"listdir: {r['errno']}")

    threads = [threading.Thread(target=write_loop), threading.Thread(target=list_loop)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):                      # three crashes, each while uploads and listings run
            time.sleep(2.0)
            env.server.kill()
            time.sleep(2.5)
            env.server.start()                  # same port, same --data
        time.sleep(3.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=BOUND + 30)
        writer.close()
        lister.close()
    assert not hangs, hangs
    written = sum(1 for k, s in model.states.items() if k.startswith("up-") and len(s) == 1)
    assert written >= 3, f"only {written} uploads were acknowledged: the workload did not run ({errors[:5]})"
    assert all("ENOENT" not in e for e in errors), f"an outage must not look like a missing file: {errors}"
    assert mnt.process.poll() is None, "ossfs exited while the server was restarting"
    # recovered: a fresh write and listing work
    (mnt / "after").write_bytes(b"after the crashes")
    assert len(list((mnt / "listed").iterdir())) == 30
    problems = env.unmount(mnt)
    assert not problems, problems
    model.succeeded("after", model.version(b"after the crashes"))
    model.states.update({f"listed/k{i:03}": {model.version(b'x')} for i in range(30)})
    bad = check_bucket_against(model, bucket_objects(env.bucket), "")
    print(f"{sum(1 for s in model.states.values() if len(s) == 1)} certain keys; errors during outages: {errors[:15]}")
    assert not bad, "\n".join(bad)


def bounded_failure(worker: Worker, op: dict, what: str) -> str:
    started = time.monotonic()
    try:
        r = worker.run(op, timeout=BOUND + 30)
    except Hang:
        pytest.fail(f"{what}: still blocked after {BOUND + 30:.0f}s")
    took = time.monotonic() - started
    assert not r["ok"], f"{what}: succeeded although the server does not answer"
    assert r["errno"] not in ("ENOTCONN", "TESTBUG"), f"{what}: {r['errno']} {r['message']}"
    assert took < BOUND, f"{what}: failed only after {took:.0f}s"
    return r["errno"]


@pytest.mark.time_limit(400)
def test_stalled_server_resolves_by_readwrite_timeout(env):
    env.server.start([])
    env.bucket.put_object("dir/unseen", b"u")
    mnt = env.mount(env.options(**FAST))
    w = Worker()
    try:
        env.server.freeze()
        try:
            read = bounded_failure(w, {"op": "read", "path": str(mnt / "dir/unseen")}, "read")
            ls = bounded_failure(w, {"op": "listdir", "path": str(mnt / "dir")}, "ls")
            write = bounded_failure(w, {"op": "write", "path": str(mnt / "new"), "seed": 1, "size": 200_000},
                                    "write")
        finally:
            env.server.thaw()
        assert read != "ENOENT" and ls != "ENOENT", "a stalled server must not look like a missing file"
        assert mnt.process.poll() is None
        r = w.run({"op": "read", "path": str(mnt / "dir/unseen")}, timeout=BOUND)
        assert r["ok"] and r["value"]["size"] == 1, r
    finally:
        w.close()


@pytest.mark.time_limit(300)
def test_ls_on_dead_endpoint_returns_an_error(env):
    env.server.start([])
    env.bucket.put_object("d/x", b"x")
    mnt = env.mount(env.options(**FAST))
    env.server.kill()
    w = Worker()
    try:
        err = bounded_failure(w, {"op": "listdir", "path": str(mnt / "d")}, "ls of a dead endpoint")
        assert err != "ENOENT"
        bounded_failure(w, {"op": "listdir", "path": str(mnt)}, "ls of the mount root")
    finally:
        w.close()
    assert mnt.process.poll() is None, "ossfs exited because the endpoint died"
