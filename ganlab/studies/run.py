"""One run of a sweep, and its result file: train a RunConfig, record its history and final
snapshot, and write it atomically to `DIR/runs/<hash>.json` so an interrupted sweep resumes.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

from ganlab.gan2d.params import TrainParams
from ganlab.studies.spec import RESULT_VERSION, SNAPSHOT_GRID, SNAPSHOT_POINTS, RunConfig


def _finite(value: Any) -> Any:
    """JSON has no NaN/inf: a non-finite metric becomes None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _snapshot(trainer: Any) -> dict[str, Any]:
    """The final real/fake dots and D heatmap, small enough to keep one per run."""
    f = trainer.fields(grid_size=SNAPSHOT_GRID, manifold_size=2)
    return {"real": f["real"][:SNAPSHOT_POINTS].round(4).tolist(),
            "fake": f["fake"][:SNAPSHOT_POINTS].round(4).tolist(),
            "d_grid": f["d_grid"].round(3).tolist(), "view_box": list(trainer.view_box)}


def _interp(trainer: Any) -> dict[str, Any]:
    """End-of-run latent interpolation metrics (ganlab.gan2d.interpolation), seeded by the run."""
    from ganlab.gan2d.interpolation import interpolation_metrics

    p = trainer.params
    values = interpolation_metrics(trainer.G, p.noise_type, p.noise_dim, trainer.dataset.modes, seed=p.seed)
    return {k: _finite(v) for k, v in values.items()}


def _train(config: RunConfig) -> tuple[Any, list[dict[str, Any]], str | None, float, dict | None]:
    """(trainer or None, history rows, error or None, seconds spent training, final snapshot or None)."""
    from ganlab.gan2d.trainer import Trainer

    history: list[dict[str, Any]] = []
    trainer, error, snapshot = None, None, None
    start = time.perf_counter()
    try:
        trainer = Trainer(TrainParams.model_validate(config.params))
        trainer.train(config.epochs, every=config.every,
                      callback=lambda _t, row: history.append({k: _finite(v) for k, v in row.items()}))
    except Exception as exc:  # a bug in one run must not take down the sweep
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - start
    if trainer is not None and error is None:
        try:
            snapshot = _snapshot(trainer)
            if history and not trainer.diverged:
                history[-1].update(_interp(trainer))
        except Exception as exc:
            error = f"snapshot: {type(exc).__name__}: {exc}"
    return trainer, history, error, elapsed, snapshot


def run_one(config: RunConfig) -> dict[str, Any]:
    """Train one config and return its result. Never raises: a crash is recorded as an error.
    `diverged_at` is the number of epochs completed before the loss or weights overflowed."""
    from ganlab.gan2d.threads import single_thread

    single_thread()  # torch and BLAS on one thread: one core per run, or they spin (docs/performance.md)
    trainer, history, error, elapsed, snapshot = _train(config)
    epochs_done = trainer.epoch if trainer else 0
    diverged = trainer.diverged if trainer else None
    return {
        "version": RESULT_VERSION, "hash": config.run_hash, "setting": config.setting, "seed": config.seed,
        "params": config.params, "epochs": config.epochs, "every": config.every,
        "status": "error" if error else "diverged" if diverged else "ok",
        "epochs_done": epochs_done, "steps": trainer.step if trainer else 0,
        "elapsed_s": round(elapsed, 4), "epochs_per_s": round(epochs_done / elapsed, 2) if elapsed else None,
        "diverged_at": epochs_done if diverged else None, "diverged": diverged, "error": error,
        "final": history[-1] if history else {}, "history": history,
        "snapshot": snapshot,
    }


# --- results on disk -------------------------------------------------------------------------
def result_path(out: Path, run_hash: str) -> Path:
    return out / "runs" / f"{run_hash}.json"


def write_result(out: Path, result: dict[str, Any]) -> None:
    """Atomic write: an interrupted sweep never leaves a half-written result that looks done."""
    path = result_path(out, result["hash"])
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(result, allow_nan=False))
    os.replace(tmp, path)


def load_result(out: Path, run_hash: str) -> dict[str, Any] | None:
    """A finished result, or None if missing, unreadable or from an older result format."""
    try:
        data = json.loads(result_path(out, run_hash).read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("version") == RESULT_VERSION and data.get("hash") == run_hash else None
