"""Files a finished run leaves behind: its state, its metric history as CSV, and a PNG of
the real samples, the fake samples and D's heatmap (matplotlib, for offline use)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ganlab.gan2d.trainer import Trainer

BASE_COLUMNS = ["epoch", "step", "d_loss", "g_loss", "kl", "js"]
MODE_COLUMNS = ["modes_captured", "num_modes", "hq_fraction", "reverse_kl"]


def history_columns(t: Trainer) -> list[str]:
    return BASE_COLUMNS + (MODE_COLUMNS if t.dataset.modes is not None else [])


def write_history_csv(t: Trainer, path: str | Path) -> None:
    columns = history_columns(t)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in t.history:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def write_samples_csv(points: np.ndarray, path: str | Path) -> None:
    np.savetxt(path, points, delimiter=",", header="x,y", comments="", fmt="%.6g")


def plot_run(t: Trainer, path: str | Path, ax: Any = None) -> None:
    """Real (green) and fake (purple) samples over D's heatmap, in GAN Lab's colours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = t.fields(grid_size=64)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    x0, x1, y0, y1 = t.view_box
    ax.imshow(f["d_grid"], origin="lower", extent=(x0, x1, y0, y1), cmap="PRGn", vmin=0, vmax=1, alpha=0.8)
    ax.scatter(f["real"][:, 0], f["real"][:, 1], s=3, c="#008837", label="real")
    ax.scatter(f["fake"][:, 0], f["fake"][:, 1], s=3, c="#7b3294", label="fake")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_title(f"{t.params.dataset}, epoch {t.epoch}", fontsize=9)
    if own:
        ax.legend(loc="upper right", fontsize=7)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


def write_run(t: Trainer, out: str | Path, summary: dict[str, Any]) -> None:
    """DIR/state.safetensors + state.json, history.csv, samples.csv, plot.png, summary.json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t.save(out)
    write_history_csv(t, out / "history.csv")
    write_samples_csv(t.eval_fakes(), out / "samples.csv")
    plot_run(t, out / "plot.png")
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
