"""The results of a run: ratios, the table on stdout, the JSON file and the PNG chart."""
import json
import os

TOOLS = ("ossfs", "s3fs", "rclone")
RSS_LIMIT_MIB = 256


def speed(value, higher):
    """A value turned into 'bigger is faster' so ratios read the same way for MB/s and for seconds."""
    if value is None or value <= 0:
        return None
    return value if higher else 1 / value


def ratio(a, b, higher):
    sa, sb = speed(a, higher), speed(b, higher)
    return None if sa is None or sb is None else sa / sb


def row_result(row, raw_value, raw_error, tools, note):
    """tools: {name: {"value", "rss_mib", "error"}}."""
    ossfs = tools.get("ossfs", {}).get("value")
    r = {"id": row.id, "title": row.title, "unit": row.unit, "higher_is_better": row.higher, "method": note,
         "raw": raw_value, "raw_error": raw_error, "tools": tools,
         "ratios": {"ossfs_vs_raw": ratio(ossfs, raw_value, row.higher),
                    "ossfs_vs_s3fs": ratio(ossfs, tools.get("s3fs", {}).get("value"), row.higher),
                    "ossfs_vs_rclone": ratio(ossfs, tools.get("rclone", {}).get("value"), row.higher)}}
    if row.target:
        kind, threshold = row.target
        got = r["ratios"][f"ossfs_vs_{kind}"]
        r["target"] = {"against": kind, "min_ratio": threshold, "met": None if got is None else got >= threshold}
        if kind != "raw":
            # ossfs cannot beat the server it talks to: when the raw limit measured in this run is not
            # `threshold` times faster than the other tool, no client can meet the target on this machine.
            # A raw figure slower than ossfs (a loaded machine, or ossfs overlapping what raw does in phases)
            # bounds nothing, and says nothing either way.
            bound = ratio(raw_value, tools.get(kind, {}).get("value"), row.higher)
            beaten = r["ratios"]["ossfs_vs_raw"]
            r["target"]["raw_vs_" + kind] = bound
            r["target"]["reachable"] = (None if bound is None or beaten is None or beaten > 1
                                        else bound >= threshold)
    if row.id.startswith("seq_"):
        rss = tools.get("ossfs", {}).get("rss_mib")
        r["rss_target"] = {"max_mib": RSS_LIMIT_MIB, "met": None if rss is None else rss <= RSS_LIMIT_MIB}
    return r


def target_text(tg, bold=False):
    """'>= 5x s3fs: not met', with why when the raw limit of the same run already rules the target out."""
    verdict = {True: "met", False: "not met", None: "n/a"}[tg["met"]]
    if bold and tg["met"] is False:
        verdict = f"**{verdict}**"
    text = f"{'≥' if bold else '>='} {tg['min_ratio']}{'×' if bold else 'x'} {tg['against']}: {verdict}"
    if tg["met"] is False and tg.get("reachable") is False:
        text += (f" (unreachable here: the raw limit itself is only {fmt(tg['raw_vs_' + tg['against']], 2)}x "
                 f"{tg['against']})")
    return text


def unreachable(results):
    """One sentence per row whose target the raw limit of this run rules out, with the figures."""
    lines = []
    for r in results["rows"]:
        tg = r.get("target") or {}
        if tg.get("met") is False and tg.get("reachable") is False:
            other = tg["against"]
            lines.append(f"{r['title']}: the raw limit ({fmt(r['raw'])} {r['unit']}) is only "
                         f"{fmt(tg['raw_vs_' + other], 2)}x {other} ({fmt(r['tools'][other]['value'])} {r['unit']}), "
                         f"so {tg['min_ratio']}x {other} would need ossfs to beat the raw requests themselves")
    # cp -r and rm -r work one file at a time and each close/unlink waits for its request: the raw time with one
    # request in flight (recorded beside the small-file rows) is their floor. Not cat's: ossfs fetches the
    # files a walk in listing order will open next ahead of it (DirectoryReadahead).
    serial = (results.get("extra") or {}).get("small_raw_one_in_flight_s") or {}
    for r in results["rows"]:
        floor = serial.get({"small_create": "put", "small_delete": "delete"}.get(r["id"], ""))
        tg = r.get("target") or {}
        other = (r["tools"].get(tg.get("against"), {}) or {}).get("value")
        ossfs = r["tools"].get("ossfs", {}).get("value")
        # (A floor ossfs beat, curl's own cost per request on a loaded machine, proves nothing.)
        if floor and other and ossfs and ossfs >= floor and tg.get("met") is False and other / floor < tg["min_ratio"]:
            lines.append(f"{r['title']}: the same requests one at a time take {fmt(floor)} s raw, only "
                         f"{fmt(other / floor, 2)}x {tg['against']} ({fmt(other)} s); one file at a time, with close "
                         f"or unlink waiting for its request, {tg['min_ratio']}x {tg['against']} is out of reach")
    return lines


def fmt(v, digits=None):
    if v is None:
        return "n/a"
    if digits is None:
        digits = 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else (2 if abs(v) >= 0.1 else 3))
    return f"{v:.{digits}f}"


def table(results):
    head = ["workload", "unit", "raw", "ossfs", "ossfs/raw", "s3fs", "rclone", "vs s3fs", "vs rclone",
            "ossfs RSS MiB", "target"]
    lines = []
    for r in results["rows"]:
        t = r["tools"]
        target = target_text(r["target"]) if "target" in r else ""
        if "rss_target" in r and r["rss_target"]["met"] is False:
            target += f"; RSS > {RSS_LIMIT_MIB} MiB"
        lines.append([r["title"], r["unit"], fmt(r["raw"]),
                      *[fmt(t.get("ossfs", {}).get("value"))],
                      fmt(r["ratios"]["ossfs_vs_raw"], 2),
                      fmt(t.get("s3fs", {}).get("value")), fmt(t.get("rclone", {}).get("value")),
                      fmt(r["ratios"]["ossfs_vs_s3fs"], 2), fmt(r["ratios"]["ossfs_vs_rclone"], 2),
                      fmt(t.get("ossfs", {}).get("rss_mib"), 0), target])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    out = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths)))]
    out.append("  ".join("-" * w for w in widths))
    for line in lines:
        out.append("  ".join(c.ljust(w) if i in (0, 1, 10) else c.rjust(w)
                             for i, (c, w) in enumerate(zip(line, widths))))
    return "\n".join(out)


def markdown(results):
    """The same table in Markdown, for bench/RESULTS.md and the README."""
    out = ["| workload | unit | raw | ossfs | ossfs/raw | s3fs | rclone | ossfs vs s3fs | ossfs vs rclone "
           "| ossfs peak RSS MiB | target |", "|" + "---|" * 11]
    for r in results["rows"]:
        t = r["tools"]
        target = target_text(r["target"], bold=True) if "target" in r else ""
        out.append("| " + " | ".join([r["title"], r["unit"], fmt(r["raw"]), fmt(t.get("ossfs", {}).get("value")),
                                     fmt(r["ratios"]["ossfs_vs_raw"], 2), fmt(t.get("s3fs", {}).get("value")),
                                     fmt(t.get("rclone", {}).get("value")), fmt(r["ratios"]["ossfs_vs_s3fs"], 2),
                                     fmt(r["ratios"]["ossfs_vs_rclone"], 2),
                                     fmt(t.get("ossfs", {}).get("rss_mib"), 0), target]) + " |")
    notes = unreachable(results)
    if notes:
        out += ["", *(f"- {line}." for line in notes)]
    return "\n".join(out)


def not_available(results):
    """One line per measurement that could not be taken, with its reason."""
    lines = []
    for r in results["rows"]:
        if r["raw_error"]:
            lines.append(f"{r['id']} raw: {r['raw_error']}")
        for name, t in r["tools"].items():
            if t.get("error"):
                lines.append(f"{r['id']} {name}: {t['error']}")
    return lines


def write_json(results, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=2)


def chart(results, path, python):
    """Draws the PNG with matplotlib from the venv (bench/chart.py), so the harness itself needs no packages."""
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    json_path = path[:-4] + ".json"
    subprocess.run([python, os.path.join(here, "..", "chart.py"), json_path, path], check=True, timeout=120)
