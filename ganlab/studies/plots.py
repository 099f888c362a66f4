"""Sweep plots (matplotlib, Agg backend, PNG): metric curves, final-state small multiples, mode bars.

- curves.png: JS (and on mixture datasets modes captured and HQ %) against epochs; one line
  per setting (the mean across seeds) with a min–max band across seeds; one column per dataset.
- scatter.png: one panel per setting (row) and seed (column): the final D heatmap with real
  (dark) and fake (orange) dots, GAN Lab's colours in spirit.
- modes.png: mean modes captured per setting with a std error bar and one dot per seed.

Figures use a low dpi, nearest-neighbour heatmaps and a 256-colour palette, so each PNG stays
well under 200 KB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ganlab.studies.spec import setting_label

DPI = 72
CURVE_METRICS = (("js", "JS (nats)", 1.0), ("modes_captured", "modes captured", 1.0),
                 ("hq_fraction", "high-quality %", 100.0))
MAX_SCATTER_ROWS, MAX_SCATTER_COLS = 16, 5


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # headless: never needs a display
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: Path) -> None:
    """Write a small PNG: plots use few colours, so a 256-colour palette loses nothing visible
    and makes the file 2-4x smaller than matplotlib's RGBA output."""
    from PIL import Image

    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)


def _groups(results: list[dict[str, Any]], keys: list[str]) -> dict[tuple, list[dict[str, Any]]]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault(tuple(r["setting"][k] for k in keys), []).append(r)
    return groups


def _dataset(result: dict[str, Any]) -> str:
    return str(result["params"]["dataset"])


def _curve(runs: list[dict[str, Any]], metric: str, scale: float):
    """Epochs and the mean/min/max across seeds; a seed that stopped early drops out after."""
    epochs = sorted({row["epoch"] for r in runs for row in r["history"]})
    table = np.full((len(runs), len(epochs)), np.nan)
    index = {e: i for i, e in enumerate(epochs)}
    for j, r in enumerate(runs):
        for row in r["history"]:
            if row.get(metric) is not None:
                table[j, index[row["epoch"]]] = row[metric] * scale
    keep = ~np.isnan(table).all(axis=0)
    table = table[:, keep]
    return np.array(epochs)[keep], np.nanmean(table, 0), np.nanmin(table, 0), np.nanmax(table, 0)


def plot_curves(path: Path, results: list[dict[str, Any]], keys: list[str]) -> Path:
    plt = _pyplot()
    datasets = list(dict.fromkeys(_dataset(r) for r in results))
    metrics = [m for m in CURVE_METRICS if any(r["final"].get(m[0]) is not None for r in results)]
    fig, axes = plt.subplots(len(metrics), len(datasets), figsize=(5.5 * len(datasets), 2.6 * len(metrics)),
                             squeeze=False, sharex="col")
    label_keys = [k for k in keys if k != "dataset"] or keys
    for col, dataset in enumerate(datasets):
        groups = _groups([r for r in results if _dataset(r) == dataset], keys)
        for row, (metric, title, scale) in enumerate(metrics):
            ax = axes[row][col]
            for runs in groups.values():
                x, mean, lo, hi = _curve(runs, metric, scale)
                label = _label(runs[0], label_keys)
                (line,) = ax.plot(x, mean, lw=1.5, label=label)
                ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.18, lw=0)
            ax.set_ylabel(title)
            ax.grid(alpha=0.3)
            if row == 0:
                ax.set_title(dataset)
        axes[-1][col].set_xlabel("epoch")
        axes[0][col].legend(fontsize=7, loc="best")
    _save(plt, fig, path)
    return path


def _panel(ax, snapshot: dict[str, Any]) -> None:
    x0, x1, y0, y1 = snapshot["view_box"]
    ax.imshow(np.asarray(snapshot["d_grid"]), origin="lower", extent=(x0, x1, y0, y1), cmap="PuOr",
              vmin=0, vmax=1, interpolation="nearest", alpha=0.55)
    real, fake = np.asarray(snapshot["real"]), np.asarray(snapshot["fake"])
    ax.scatter(real[:, 0], real[:, 1], s=2, c="#222222", lw=0)
    if len(fake):
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c="#e8590c", lw=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_scatter(path: Path, results: list[dict[str, Any]], keys: list[str]) -> Path:
    plt = _pyplot()
    groups = list(_groups(results, keys).values())[:MAX_SCATTER_ROWS]
    cols = min(max(len(g) for g in groups), MAX_SCATTER_COLS)
    fig, axes = plt.subplots(len(groups), cols, figsize=(1.7 * cols + 1.6, 1.7 * len(groups)), squeeze=False)
    for i, runs in enumerate(groups):
        for j in range(cols):
            ax = axes[i][j]
            if j >= len(runs) or runs[j]["snapshot"] is None:
                ax.axis("off")
                continue
            r = runs[j]
            _panel(ax, r["snapshot"])
            diverged = r["diverged_at"] is not None
            note = f"seed {r['seed']}" + (f" · diverged @{r['diverged_at']}" if diverged else "")
            ax.set_title(note, fontsize=7)
        axes[i][0].set_ylabel(_label(runs[0], keys, "\n"), fontsize=7)
    _save(plt, fig, path)
    return path


def _label(result: dict[str, Any], keys: list[str], sep: str = ", ") -> str:
    """The run's setting in the sweep's key order."""
    return setting_label({k: result["setting"][k] for k in keys}).replace(", ", sep)


def _mode_bars(ax, runs_by_setting: list[list[dict[str, Any]]], keys: list[str]) -> None:
    for i, runs in enumerate(runs_by_setting):
        # a diverged or failed run captured nothing usable
        values = [(r["final"].get("modes_captured") or 0) if r["status"] == "ok" else 0 for r in runs]
        ax.bar(i, np.mean(values), yerr=np.std(values), color="#5c7cfa", alpha=0.8, capsize=3)
        ax.scatter(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, s=10, c="#222222")
    ax.set_xticks(range(len(runs_by_setting)))
    ax.set_xticklabels([_label(g[0], keys, "\n") for g in runs_by_setting], fontsize=7)


def plot_modes(path: Path, results: list[dict[str, Any]], keys: list[str]) -> Path | None:
    """Bars of modes captured, one panel per dataset; None (no file) when no dataset has modes."""
    if not any(r["final"].get("num_modes") for r in results):
        return None
    plt = _pyplot()
    datasets = [d for d in dict.fromkeys(_dataset(r) for r in results)
                if any(r["final"].get("num_modes") for r in results if _dataset(r) == d)]
    label_keys = [k for k in keys if k != "dataset"] or keys
    widest = max(len(_groups([r for r in results if _dataset(r) == d], keys)) for d in datasets)
    fig, axes = plt.subplots(1, len(datasets), figsize=(len(datasets) * max(3.5, 0.8 * widest + 1.2), 3.2),
                             squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        runs = [r for r in results if _dataset(r) == dataset]
        _mode_bars(ax, list(_groups(runs, keys).values()), label_keys)
        modes = max(r["final"].get("num_modes") or 0 for r in runs)
        ax.axhline(modes, color="#999999", lw=1, ls="--")
        ax.set_ylim(0, modes * 1.08)
        ax.set_title(dataset)
        ax.set_ylabel(f"modes captured (of {modes})")
        ax.grid(axis="y", alpha=0.3)
    _save(plt, fig, path)
    return path


def write_plots(out: Path, results: list[dict[str, Any]], keys: list[str]) -> list[Path]:
    """All plots that apply to these results; returns the files written."""
    paths = [plot_curves(out / "curves.png", results, keys), plot_scatter(out / "scatter.png", results, keys)]
    modes = plot_modes(out / "modes.png", results, keys)
    return paths + ([modes] if modes else [])
