"""Parameter studies: a grid of TrainParams values times seeds, run in parallel, resumable.

A sweep is declared by a `SweepSpec`. `expand` turns it into one `RunConfig` per setting and
seed, validating every config against TrainParams first, so a bad key or value fails before
any run starts. Each run is keyed by a hash of its full config (every TrainParams value, the
epoch budget and the recording interval) and its result lands in `DIR/runs/<hash>.json` as
soon as it finishes. Re-running the same sweep skips every hash already on disk, so an
interrupted sweep resumes without recomputing anything, and two sweeps that share a run share
its result. Tables, plots and the report are rebuilt from the run files at the end.

No web imports here; the CLI (ganlab/commands/sweep.py) and tests drive it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ganlab.gan2d.params import TrainParams, from_preset, validation_message

# Bump when a run's result format or meaning changes, so stale results are not reused.
RESULT_VERSION = 1
SNAPSHOT_GRID = 40  # D heatmap cells per side kept per run for the small multiples
SNAPSHOT_POINTS = 300  # real and fake dots kept per run


class SweepError(ValueError):
    """A sweep that cannot start: bad grid key or value, bad option. The message is for users."""


@dataclass(frozen=True)
class SweepSpec:
    """What to run. `grid` maps TrainParams keys to the values to try, in order."""

    dataset: str
    grid: dict[str, list[Any]]
    seeds: int = 3
    epochs: int = 2000
    every: int = 100
    fixed: dict[str, Any] = field(default_factory=dict)  # --set key=value, applied to every run
    preset_params: str | None = "gan_lab"  # the TrainParams preset the overrides start from
    js_threshold: float = 0.1  # "epochs to reach JS <= threshold" in the summary

    @property
    def datasets(self) -> str:
        """The dataset(s) in words, for titles: a swept dataset key wins over --dataset."""
        return ", ".join(map(str, self.grid.get("dataset", []))) or self.dataset

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "grid": self.grid, "seeds": self.seeds, "epochs": self.epochs,
                "every": self.every, "fixed": self.fixed, "preset_params": self.preset_params,
                "js_threshold": self.js_threshold}


@dataclass(frozen=True)
class RunConfig:
    """One run: a setting of the swept keys, a seed, and the full validated params."""

    setting: dict[str, Any]  # swept key -> validated value
    seed: int
    params: dict[str, Any]  # TrainParams.model_dump()
    epochs: int
    every: int
    run_hash: str

    @property
    def label(self) -> str:
        return setting_label(self.setting)


def setting_label(setting: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in setting.items())


def parse_assignment(text: str, flag: str) -> tuple[str, str]:
    """'key=value' -> (key, value), with a message naming the flag on a malformed item."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise SweepError(f"{flag}: expected key=value, got {text!r}")
    return key.strip(), value.strip()


def parse_grid(items: Iterable[str]) -> dict[str, list[str]]:
    """['g_lr=1e-4,1e-3', 'pack=1,2'] -> {'g_lr': ['1e-4', '1e-3'], 'pack': ['1', '2']}."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, values = parse_assignment(item, "--grid")
        if key in grid:
            raise SweepError(f"--grid: {key} is given twice; list all its values in one --grid")
        if key == "seed":
            raise SweepError("--grid: sweep seeds with --seeds N, not --grid seed=...")
        parts = [v.strip() for v in values.split(",")]
        if any(not v for v in parts):
            raise SweepError(f"--grid: empty value in {item!r}")
        grid[key] = parts
    return grid


def parse_fixed(items: Iterable[str]) -> dict[str, str]:
    return dict(parse_assignment(item, "--set") for item in items)


def config_hash(params: dict[str, Any], epochs: int, every: int) -> str:
    """Stable 16-hex-digit key of a run: same params, budget and interval -> same hash."""
    blob = json.dumps({"v": RESULT_VERSION, "params": params, "epochs": epochs, "every": every},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _validate(spec: SweepSpec, overrides: dict[str, Any]) -> TrainParams:
    try:
        params = from_preset(spec.preset_params, overrides)
    except ValidationError as error:
        raise SweepError(validation_message(error)) from None
    except ValueError as error:  # unknown preset
        raise SweepError(str(error)) from None
    if params.dataset in ("drawn", "csv"):
        raise SweepError(f"dataset: {params.dataset!r} needs user points; sweeps use built-in datasets")
    return params


def expand(spec: SweepSpec) -> list[RunConfig]:
    """Every (setting, seed) run, validated. Raises SweepError before anything runs."""
    if spec.seeds < 1 or spec.epochs < 1 or spec.every < 0:
        raise SweepError(f"need --seeds >= 1, --epochs >= 1 and --every >= 0 "
                         f"(got {spec.seeds}, {spec.epochs}, {spec.every})")
    base = {**spec.fixed, "dataset": spec.dataset} if spec.dataset else dict(spec.fixed)
    first_seed = _validate(spec, base).seed  # --set seed=S shifts the seeds to S, S+1, ...
    for key, values in spec.grid.items():  # one value at a time, so the message names it exactly
        for value in values:
            _validate(spec, {**base, key: value})
    runs, seen = [], set()
    keys = list(spec.grid)
    for combo in itertools.product(*spec.grid.values()):
        for i in range(spec.seeds):
            params = _validate(spec, {**base, **dict(zip(keys, combo, strict=True)), "seed": first_seed + i})
            dump = params.model_dump()
            run_hash = config_hash(dump, spec.epochs, spec.every)
            if run_hash in seen:  # e.g. 1e-3 and 0.001 are the same run
                continue
            seen.add(run_hash)
            setting = {k: dump[k] for k in keys}
            runs.append(RunConfig(setting, params.seed, dump, spec.epochs, spec.every, run_hash))
    return runs


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


@dataclass
class SweepOutcome:
    runs: list[RunConfig]
    results: list[dict[str, Any]]  # in run order
    executed: int  # runs computed by this call (the rest were loaded from disk)


def run_sweep(spec: SweepSpec, out: str | Path, workers: int = 1, backend: str = "local",
              on_result: Callable[[dict[str, Any]], Any] | None = None, reports: bool = True,
              runs: list[RunConfig] | None = None) -> SweepOutcome:
    """Run every config of `spec` not already in `out`, then write tables, plots and the report."""
    from ganlab.gan2d.sweep_backends import execute

    runs = expand(spec) if runs is None else runs
    out = Path(out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(spec.to_json(), indent=2))
    pending = [r for r in runs if load_result(out, r.run_hash) is None]
    executed = 0
    for result in execute(pending, workers, backend):
        write_result(out, result)
        executed += 1
        if on_result:
            on_result(result)
    results = [load_result(out, r.run_hash) for r in runs]
    outcome = SweepOutcome(runs, [r for r in results if r is not None], executed)
    if reports:
        from ganlab.gan2d.sweep_report import write_reports

        write_reports(out, spec, outcome.results)
    return outcome
