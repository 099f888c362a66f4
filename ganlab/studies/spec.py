"""A sweep's declaration: a grid of TrainParams values times seeds, expanded into runs.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ganlab.gan2d.params import TrainParams, from_preset, validation_message

# Bump when a run's result format or meaning changes, so stale results are not reused.
# 3: zero-centred noise, init and data_pool knobs, end-of-run interpolation metrics.
RESULT_VERSION = 3
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
