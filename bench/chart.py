"""Draws bench/results/latest.png from latest.json: one panel per workload (raw limit and each tool, in the
workload's own unit, with which way is better), and a panel of peak RSS. Usage: chart.py RESULTS.json OUT.png"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"raw": "#9e9e9e", "ossfs": "#1f77b4", "s3fs": "#ff7f0e", "rclone": "#2ca02c"}


def label(v):
    if v is None:
        return "n/a"
    return f"{v:.0f}" if v >= 100 else (f"{v:.1f}" if v >= 10 else (f"{v:.2f}" if v >= 0.1 else f"{v:.3f}"))


def panel(ax, title, unit, better, values):
    names = list(values)
    heights = [values[n] or 0 for n in names]
    bars = ax.bar(names, heights, color=[COLORS.get(n, "#555") for n in names])
    top = max(heights) if any(heights) else 1
    for bar, n in zip(bars, names):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + top * 0.02, label(values[n]),
                ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.18)
    ax.set_title(title, fontsize=9.5)
    ax.set_ylabel(f"{unit} ({better})", fontsize=8)
    ax.tick_params(labelsize=8)


def main(src, out):
    res = json.load(open(src))
    rows = res["rows"]
    n = len(rows) + 1
    cols = 4
    fig, axes = plt.subplots(math.ceil(n / cols), cols, figsize=(16, 3.3 * math.ceil(n / cols)))
    axes = axes.flatten()
    for ax, r in zip(axes, rows):
        values = {"raw": r["raw"]}
        values.update({t: r["tools"].get(t, {}).get("value") for t in ("ossfs", "s3fs", "rclone")})
        title = r["title"]
        ratio = r["ratios"].get("ossfs_vs_raw")
        if ratio is not None:
            title += f"\nossfs = {ratio:.2f}× raw"
        panel(ax, title, r["unit"], "higher is better" if r["higher_is_better"] else "lower is better", values)
    ax = axes[len(rows)]
    seq = [r for r in rows if r["id"].startswith("seq_")]
    x = range(len(seq))
    width = 0.27
    for i, tool in enumerate(("ossfs", "s3fs", "rclone")):
        ax.bar([p + (i - 1) * width for p in x], [r["tools"].get(tool, {}).get("rss_mib") or 0 for r in seq],
               width, label=tool, color=COLORS[tool])
    ax.axhline(256, color="red", linestyle="--", linewidth=1, label="256 MiB target")
    ax.set_xticks(list(x))
    ax.set_xticklabels([r["id"].replace("seq_", "") for r in seq], fontsize=8)
    ax.set_title("peak RSS, sequential workloads", fontsize=9.5)
    ax.set_ylabel("MiB (lower is better)", fontsize=8)
    ax.legend(fontsize=7)
    for extra in axes[len(rows) + 1:]:
        extra.axis("off")
    m = res["machine"]
    fig.suptitle(f"ossfs benchmark ({res['mode']}), {res['date']}: {m['cpus']} CPUs, {m['memory_gib']} GiB, "
                 f"kernel {m['kernel']}; raw = curl/wrk against the same oss-local", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
