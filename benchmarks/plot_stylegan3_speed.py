"""Draw ms per image against resolution (T and R, fp32 and bf16) from `bench_stylegan3.py --speed` JSON.

    .venv/bin/python benchmarks/plot_stylegan3_speed.py /tmp/speed-*.json --out docs/stylegan3-speed.png

Each JSON file is one benchmark run; rows of every file are drawn together (a config that
appears twice keeps its run with the faster fp32 time, fp32 and bf16 from the same run; each
fp32 point is labelled with the 1-minute load average after it). The demo row is left out: it has the 256-T shape.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path


def collect(paths: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    """(T or R, resolution) -> {"fp32": ms, "bf16": ms, "load": 1-min load after it}, fastest run."""
    out: dict[tuple[str, int], dict[str, float]] = {}
    for path in paths:
        for row in json.loads(Path(path).read_text())["rows"]:
            match = re.fullmatch(r"(\d+)([tr])", row["config"])
            if not match:
                continue
            key = (match.group(2).upper(), int(match.group(1)))
            cell = out.get(key)
            if cell is None or row["ms"]["fp32"] < cell["fp32"]:  # keep one run whole: its ratio holds
                out[key] = {"fp32": row["ms"]["fp32"], "bf16": row["ms"]["bf16"], "load": row["load"][0]}
    return out


def plot(data: dict, out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    styles = {"T": "tab:blue", "R": "tab:orange"}
    for config in ("T", "R"):
        for precision, line in (("fp32", "-"), ("bf16", "--")):
            points = sorted((res, cell[precision]) for (c, res), cell in data.items() if c == config)
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, line, marker="o", color=styles[config], label=f"StyleGAN3-{config} {precision}")
            for x, y in points:
                note = f"{y / 1000:.1f} s"
                if precision == "fp32":
                    note += f" (load {data[(config, x)]['load']:.0f})"
                ax.annotate(note, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks([256, 512, 1024], ["256", "512", "1024"])
    ax.set_xlabel("resolution (px)")
    ax.set_ylabel("ms per image (batch 1, log scale)")
    ax.axhline(1000, color="grey", linewidth=0.8, linestyle=":")
    ax.text(256, 1050, "1 frame/s", fontsize=7, color="grey")
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", nargs="+", help="bench_stylegan3.py --speed --json outputs")
    ap.add_argument("--out", default="docs/stylegan3-speed.png")
    ap.add_argument("--title", default="StyleGAN3 generator on the 2-core CPU (fp32 vs bf16 previews)")
    args = ap.parse_args()
    data = collect(args.json)
    if not data:
        raise SystemExit("no 256/512/1024 T or R rows in these files")
    plot(data, Path(args.out), args.title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
