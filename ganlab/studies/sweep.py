"""Run a sweep: every config not already on disk, on the chosen backend, then the reports.

See spec.py for how a sweep is declared and keyed, and run.py for one run and its result file.
No web imports here; the CLI (ganlab/commands/sweep.py) and tests drive it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganlab.studies.backends import execute
from ganlab.studies.report import write_reports
from ganlab.studies.run import load_result, write_result
from ganlab.studies.spec import RunConfig, SweepSpec, expand


@dataclass
class SweepOutcome:
    runs: list[RunConfig]
    results: list[dict[str, Any]]  # in run order
    executed: int  # runs computed by this call (the rest were loaded from disk)


def run_sweep(spec: SweepSpec, out: str | Path, workers: int = 1, backend: str = "local",
              on_result: Callable[[dict[str, Any]], Any] | None = None, reports: bool = True,
              runs: list[RunConfig] | None = None) -> SweepOutcome:
    """Run every config of `spec` not already in `out`, then write tables, plots and the report."""
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
        write_reports(out, spec, outcome.results)
    return outcome
