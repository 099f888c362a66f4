"""Sweep results as tables: runs.csv, history.csv, and per-setting statistics across seeds.

Scoring rule for runs that did not finish cleanly: a diverged or crashed run has no usable
generator, so it scores the worst possible values (JS = ln 2, no modes, no high-quality
samples) in the per-setting means. It stays in runs.csv with its `diverged_at` epoch.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

METRICS = ("d_loss", "g_loss", "kl", "js", "modes_captured", "num_modes", "hq_fraction", "reverse_kl")
WORST = {"js": math.log(2), "modes_captured": 0, "hq_fraction": 0.0}


def epochs_to_threshold(history: list[dict[str, Any]], threshold: float) -> int | None:
    """First recorded epoch with JS <= threshold (None if never reached)."""
    for row in history:
        if row.get("js") is not None and row["js"] <= threshold:
            return int(row["epoch"])
    return None


def run_row(result: dict[str, Any], threshold: float) -> dict[str, Any]:
    final = result["final"]
    row: dict[str, Any] = {"hash": result["hash"], **result["setting"], "seed": result["seed"],
                           "status": result["status"], "epochs": result["epochs_done"],
                           "steps": result["steps"]}
    row.update({m: final.get(m) for m in METRICS})
    row.update({"epochs_to_js": epochs_to_threshold(result["history"], threshold),
                "epochs_per_s": result["epochs_per_s"], "elapsed_s": result["elapsed_s"],
                "diverged_at": result["diverged_at"], "error": result["error"]})
    return row


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})


def write_runs_csv(path: Path, results: list[dict[str, Any]], keys: list[str], threshold: float
                   ) -> list[dict[str, Any]]:
    rows = [run_row(r, threshold) for r in results]
    columns = ["hash", *keys, "seed", "status", "epochs", "steps", *METRICS, "epochs_to_js",
               "epochs_per_s", "elapsed_s", "diverged_at", "error"]
    _write_csv(path, rows, columns)
    return rows


def write_history_csv(path: Path, results: list[dict[str, Any]], keys: list[str]) -> None:
    rows = [{"hash": r["hash"], **r["setting"], "seed": r["seed"], **row}
            for r in results for row in r["history"]]
    _write_csv(path, rows, ["hash", *keys, "seed", "epoch", "step", *METRICS])


@dataclass
class SettingStats:
    """One setting's runs summarised across seeds. Each stat is (mean, std) or None."""

    setting: dict[str, Any]
    runs: int
    diverged: int
    errors: int
    js: tuple[float, float]
    modes: tuple[float, float] | None
    num_modes: int | None
    hq: tuple[float, float] | None
    epochs_to_js: tuple[float, float] | None
    reached: int  # seeds that reached the JS threshold
    epochs_per_s: float | None


def _mean_std(values: list[float]) -> tuple[float, float] | None:
    return (float(np.mean(values)), float(np.std(values))) if values else None


def _score(row: dict[str, Any], metric: str) -> float | None:
    if row["status"] != "ok":
        return WORST[metric]
    return row.get(metric)


def summarize(rows: list[dict[str, Any]], keys: list[str]) -> list[SettingStats]:
    """Group run rows by setting (in first-seen order) and reduce across seeds."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    stats = []
    for values, group in groups.items():
        has_modes = any(r.get("num_modes") for r in group)
        js = _mean_std([v for r in group if (v := _score(r, "js")) is not None])
        reached = [r["epochs_to_js"] for r in group if r["epochs_to_js"] is not None]
        speed = [r["epochs_per_s"] for r in group if r["epochs_per_s"]]
        stats.append(SettingStats(
            setting=dict(zip(keys, values, strict=True)), runs=len(group),
            diverged=sum(r["status"] == "diverged" for r in group),
            errors=sum(r["status"] == "error" for r in group),
            js=js or (math.log(2), 0.0),
            modes=_mean_std([_score(r, "modes_captured") for r in group]) if has_modes else None,
            num_modes=max((r.get("num_modes") or 0) for r in group) or None,
            hq=_mean_std([_score(r, "hq_fraction") for r in group]) if has_modes else None,
            epochs_to_js=_mean_std(reached), reached=len(reached),
            epochs_per_s=float(np.mean(speed)) if speed else None,
        ))
    return stats


def ranking_key(s: SettingStats) -> tuple[float, float]:
    """Lower is better. On mixtures the question is mode collapse, so more modes captured ranks
    first and mean final JS breaks ties; elsewhere mean final JS alone."""
    return (-s.modes[0], s.js[0]) if s.modes else (0.0, s.js[0])
