"""The raw limit of a server: the same requests a mount would make, sent straight with curl, wrk and urllib."""
import os
import re
import subprocess
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

from . import oss


def _run(args, timeout):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


def get_seconds(url, timeout, byte_range=None):
    """Wall time of one curl GET into /dev/null."""
    args = ["curl", "-sSf", "-o", "/dev/null", url]
    if byte_range:
        args[1:1] = ["-r", byte_range]
    t0 = time.perf_counter()
    _run(args, timeout)
    return time.perf_counter() - t0


def parallel_ranges_seconds(url, size, streams, timeout):
    """Wall time of `streams` concurrent curls, each fetching one contiguous slice of the object."""
    slice_size = size // streams
    procs = []
    t0 = time.perf_counter()
    for i in range(streams):
        first = i * slice_size
        last = size - 1 if i == streams - 1 else first + slice_size - 1
        procs.append(subprocess.Popen(["curl", "-sSf", "-o", "/dev/null", "-r", f"{first}-{last}", url]))
    try:
        for p in procs:
            if p.wait(timeout) != 0:
                raise RuntimeError(f"curl exited with {p.returncode}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return time.perf_counter() - t0


def put_seconds(url, path, timeout):
    t0 = time.perf_counter()
    _run(["curl", "-sSf", "-o", "/dev/null", "-H", "Content-Type:", "-T", path, url], timeout)
    return time.perf_counter() - t0


def head_size(url_for_head):
    """Content-Length of an object, or None when it is absent."""
    req = urllib.request.Request(url_for_head, method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return int(r.headers["Content-Length"])
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def first_byte_seconds(url, timeout):
    """curl's time to the first response byte (connection included: a fresh one, as a first open has)."""
    out = _run(["curl", "-sSf", "-o", "/dev/null", "-w", "%{time_starttransfer}", url], timeout).stdout
    return float(out)


def batch_seconds(requests, concurrency, timeout):
    """Wall time of many requests through one `curl --parallel`; each request is a dict of curl config options
    (url, upload-file, request, header). Raises when any answer is not 2xx."""
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as cfg:
        for i, r in enumerate(requests):
            if i:
                cfg.write("next\n")
            cfg.write(f'url = "{r["url"]}"\noutput = "/dev/null"\nwrite-out = "%{{http_code}}\\n"\nsilent\n')
            for name in ("upload-file", "request"):
                if name in r:
                    cfg.write(f'{name} = "{r[name]}"\n')
            for h in r.get("headers", []):
                cfg.write(f'header = "{h}"\n')
        path = cfg.name
    try:
        t0 = time.perf_counter()
        out = _run(["curl", "--parallel", "--parallel-max", str(concurrency), "-K", path], timeout).stdout
        elapsed = time.perf_counter() - t0
    finally:
        os.unlink(path)
    codes = out.split()
    bad = [c for c in codes if not c.startswith("2")]
    if bad or len(codes) != len(requests):
        raise RuntimeError(f"{len(bad)} of {len(requests)} requests failed (codes {sorted(set(bad))[:5]})")
    return elapsed


def put_requests(server, keys, body_path):
    return [{"url": server.url("PUT", k), "upload-file": body_path, "headers": ["Content-Type:"]} for k in keys]


def get_requests(server, keys):
    return [{"url": server.url("GET", k)} for k in keys]


def delete_requests(server, keys):
    return [{"url": server.url("DELETE", k), "request": "DELETE"} for k in keys]


def copy_requests(server, pairs):
    reqs = []
    for src, dst in pairs:
        header = {"x-oss-copy-source": f"/{oss.BUCKET}/{src}"}
        reqs.append({"url": server.url("PUT", dst, headers=header), "request": "PUT",
                     "headers": [f"x-oss-copy-source: /{oss.BUCKET}/{src}", "Content-Type:"]})
    return reqs


def list_seconds(server, prefix, timeout):
    """Wall time to list every key under prefix, one page after another (a listing cannot be parallelised),
    and the number of objects found (directory markers, keys ending in /, not counted)."""
    ns = "{http://doc.s3.amazonaws.com/2006-03-01}"
    count, marker = 0, ""
    t0 = time.perf_counter()
    while True:
        url = oss.list_url(server.base, prefix, marker, signed=not server.anonymous)
        with urllib.request.urlopen(url, timeout=timeout) as r:
            root = ET.fromstring(r.read())
        tag = lambda name: root.findall(name) or root.findall(ns + name)
        keys = [c.findtext("Key") or c.findtext(ns + "Key") for c in tag("Contents")]
        count += sum(1 for k in keys if not k.endswith("/"))
        truncated = (root.findtext("IsTruncated") or root.findtext(ns + "IsTruncated") or "false") == "true"
        if not truncated or not keys:
            break
        marker = root.findtext("NextMarker") or root.findtext(ns + "NextMarker") or keys[-1]
    return time.perf_counter() - t0, count


WRK_SCRIPT = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local blocks = BLOCKS
local bs = BS
request = function()
  local off = math.random(0, blocks - 1) * bs
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. off .. "-" .. (off + bs - 1)})
end
"""


def ranged_reads_per_second(url, size, block, depth, seconds, timeout):
    """Random ranged GETs of `block` bytes with `depth` requests in flight (wrk, keep-alive connections)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT.replace("BLOCKS", str(size // block)).replace("BS", str(block)))
        script = f.name
    try:
        threads = 1 if depth == 1 else 2
        out = _run(["wrk", f"-t{threads}", f"-c{depth}", f"-d{seconds}s", "-s", script, url], timeout).stdout
    finally:
        os.unlink(script)
    if "Non-2xx" in out:
        raise RuntimeError("wrk saw non-2xx answers: " + out.strip().splitlines()[-1])
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
