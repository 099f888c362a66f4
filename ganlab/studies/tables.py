"""Sweep results as tables: runs.csv, history.csv, per-setting statistics across seeds, and
the rule that decides whether a setting wins.

Scoring rule for runs that did not finish cleanly: a diverged or crashed run has no usable
generator, so it scores the worst possible values (JS = ln 2, no modes, no high-quality
samples) in the per-setting means. It stays in runs.csv with its `diverged_at` epoch.

Winner rule (`decide`): on one metric, the setting with the best mean wins only if it beats the
runner-up's mean by more than the larger of the two settings' standard deviations across
seeds. Otherwise the metric is a tie: the seeds disagree more than the settings do. Equal
results are therefore always a tie.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

METRICS = ("d_loss", "g_loss", "kl", "js", "modes_captured", "num_modes", "hq_fraction", "reverse_kl")
# End-of-run latent interpolation metrics (ganlab.gan2d.interpolation), when a run has them.
INTERP_METRICS = ("interp_lerp_step2", "interp_lerp_hq", "interp_slerp_step2", "interp_slerp_hq")
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
    row.update({m: final.get(m) for m in METRICS + INTERP_METRICS})
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
    interp = [m for m in INTERP_METRICS if any(r.get(m) is not None for r in rows)]
    columns = ["hash", *keys, "seed", "status", "epochs", "steps", *METRICS, *interp, "epochs_to_js",
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
    reverse_kl: tuple[float, float] | None  # over the runs that have high-quality samples
    interp: dict[str, tuple[float, float]]  # INTERP_METRICS present in every ok run
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
            reverse_kl=_mean_std([r["reverse_kl"] for r in group if r["status"] == "ok"
                                  and r.get("reverse_kl") is not None]) if has_modes else None,
            interp=_interp(group),
            epochs_to_js=_mean_std(reached), reached=len(reached),
            epochs_per_s=float(np.mean(speed)) if speed else None,
        ))
    return stats


def _interp(group: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    ok = [r for r in group if r["status"] == "ok"]
    out = {}
    for m in INTERP_METRICS:
        values = [r[m] for r in ok if r.get(m) is not None]
        if ok and len(values) == len(ok):
            out[m] = (float(np.mean(values)), float(np.std(values)))
    return out


@dataclass(frozen=True)
class Verdict:
    """The best setting on one metric, the runner-up, and whether the gap beats the seed spread."""

    metric: str  # "modes", "hq" or "js"
    best: SettingStats
    runner: SettingStats | None
    gap: float  # |best mean - runner-up mean|
    spread: float  # the larger of the two std across seeds

    @property
    def winner(self) -> bool:
        return self.runner is not None and self.gap > self.spread


# metric -> higher is better, for the metrics a winner is decided on: SettingStats attributes,
# then the interpolation metrics (smaller steps are smoother; more outputs on the data is better)
DECISION_METRICS = {"modes": True, "hq": True, "js": False, "interp_lerp_step2": False, "interp_lerp_hq": True,
                    "interp_slerp_step2": False, "interp_slerp_hq": True}


def stat_of(s: SettingStats, metric: str) -> tuple[float, float] | None:
    """(mean, std) of one decision metric for a setting, or None where it does not apply."""
    return s.interp.get(metric) if metric.startswith("interp_") else getattr(s, metric)


def decide(stats: list[SettingStats], metric: str) -> Verdict | None:
    """The winner rule of the module docstring on one metric; None if no setting has it."""
    higher = DECISION_METRICS[metric]
    scored = [s for s in stats if stat_of(s, metric) is not None]
    if not scored:
        return None
    ranked = sorted(scored, key=lambda s: -stat_of(s, metric)[0] if higher else stat_of(s, metric)[0])
    best, runner = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    if runner is None:
        return Verdict(metric, best, None, 0.0, 0.0)
    (m1, s1), (m2, s2) = stat_of(best, metric), stat_of(runner, metric)
    return Verdict(metric, best, runner, abs(m1 - m2), max(s1, s2))
