"""`ganlab sweep`: a parameter study (grid of TrainParams values x seeds) with tables, plots and a report.

    ganlab sweep --dataset ring8 --grid d_lr=1e-4,1e-3,1e-2 --seeds 3 --epochs 3000 --out runs/d_lr
    ganlab sweep --preset d_steps --out runs/d_steps

Every grid value is validated against TrainParams before any run starts. Results are written
per run as they finish, so re-running an interrupted command resumes where it stopped.
Heavy imports (numpy, torch, matplotlib) happen inside `run`, so `ganlab --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ganlab.studies.presets import NAMED as STUDY_PRESETS  # plain dicts: cheap to import


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run a parameter study (grid x seeds) and write tables, plots and a report",
        description="Train one 2D GAN per grid setting and seed, in parallel, and write runs.csv, "
        "history.csv, summary.md, PNG plots and a self-contained report.html into --out. "
        "Re-running the same command resumes: finished runs are never recomputed.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--dataset", help="dataset slug, e.g. ring8 or grid25 (a --preset study sets its own)")
    add("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
        help="a TrainParams key and the values to try; repeat for a cartesian product")
    add("--seeds", type=int, help="seeds per setting (default 3)")
    add("--epochs", type=int, help="epochs per run (default 2000)")
    add("--every", type=int, help="record metrics every K epochs (default 100)")
    add("--set", action="append", default=[], metavar="KEY=VALUE",
        help="fixed TrainParams value for every run")
    add("--preset-params", help="TrainParams preset the runs start from (default gan_lab; studies: modern)")
    add("--preset", choices=list(STUDY_PRESETS), metavar="NAME",
        help="a named sweep (grid, datasets, seeds, epochs): " + ", ".join(STUDY_PRESETS))
    add("--js-threshold", type=float, help="summary reports epochs to reach JS <= this (default 0.1)")
    add("--out", required=True, help="output directory (created; reused to resume)")
    add("--workers", type=int, help="parallel runs for --backend local (default: the cores available)")
    add("--backend", choices=("local", "ray"), default="local",
        help="local process pool, or Ray tasks (pip install 'ganlab[ray]'; RAY_ADDRESS picks a cluster)")


def _pick(flag: Any, preset: dict[str, Any], key: str, default: Any) -> Any:
    """Command-line flag, else the study preset's value, else the default."""
    return flag if flag is not None else preset.get(key, default)


def build_spec(args: argparse.Namespace):
    """SweepSpec from the flags (and --preset); raises SweepError on bad flags."""
    from ganlab.studies.presets import study
    from ganlab.studies.spec import SweepError, SweepSpec, parse_fixed, parse_grid

    preset = study(args.preset) if args.preset else {}
    grid = {k: list(v) for k, v in preset.get("grid", {}).items()}
    user_grid = parse_grid(args.grid)
    if args.dataset and "dataset" not in user_grid:
        grid.pop("dataset", None)  # --dataset narrows a study to one dataset
    grid.update(user_grid)
    if not grid and args.dataset and preset:  # a named sweep over datasets only, narrowed to one
        grid = {"dataset": [args.dataset]}
    if not grid:
        raise SweepError("--grid: give at least one --grid key=v1,v2,... (or a --preset)")
    if not args.dataset and "dataset" not in grid:
        raise SweepError("--dataset: required unless --preset or --grid dataset=... names the datasets")
    return SweepSpec(
        dataset=args.dataset or "", grid=grid,
        seeds=_pick(args.seeds, preset, "seeds", 3), epochs=_pick(args.epochs, preset, "epochs", 2000),
        every=_pick(args.every, preset, "every", 100),
        fixed={**preset.get("fixed", {}), **parse_fixed(args.set)},
        preset_params=_pick(args.preset_params, preset, "preset_params", "gan_lab"),
        js_threshold=_pick(args.js_threshold, preset, "js_threshold", 0.1),
    )


def run(args: argparse.Namespace) -> int:
    from ganlab.studies.backends import default_workers
    from ganlab.studies.run import load_result
    from ganlab.studies.spec import SweepError, expand
    from ganlab.studies.sweep import run_sweep

    try:
        spec = build_spec(args)
        runs = expand(spec)
    except (SweepError, ValueError) as error:
        print(f"ganlab sweep: error: {error}", file=sys.stderr)
        return 2
    from pathlib import Path

    from tqdm import tqdm

    out = Path(args.out)
    workers = args.workers or default_workers()
    done = sum(load_result(out, r.run_hash) is not None for r in runs)
    settings = len({r.label for r in runs})
    where = "ray" if args.backend == "ray" else f"local with {workers} worker(s)"
    print(f"sweep: {settings} settings x {spec.seeds} seeds = {len(runs)} runs; {done} already done "
          f"in {out}; {len(runs) - done} to run on {where}", file=sys.stderr)
    with tqdm(total=len(runs), initial=done, unit="run", desc="sweep", file=sys.stderr) as bar:
        def tick(result: dict[str, Any]) -> None:
            bar.set_postfix_str(f"last: {result['status']}", refresh=False)
            bar.update(1)

        try:
            outcome = run_sweep(spec, out, workers=workers, backend=args.backend, on_result=tick, runs=runs)
        except SweepError as error:
            print(f"ganlab sweep: error: {error}", file=sys.stderr)
            return 2
    return _print_outcome(out, outcome)


def _print_outcome(out, outcome) -> int:
    statuses = [r["status"] for r in outcome.results]
    print(f"ran {outcome.executed}, reused {len(outcome.results) - outcome.executed}; "
          f"{statuses.count('diverged')} diverged, {statuses.count('error')} failed")
    print((out / "summary.md").read_text().rstrip().rsplit("\n\n", 1)[-1])
    print(f"outputs: {out}/runs.csv, history.csv, summary.md, *.png, report.html")
    for r in outcome.results:
        if r["status"] == "error":
            print(f"run {r['hash']} ({r['setting']}, seed {r['seed']}) failed: {r['error']}", file=sys.stderr)
    return 1 if "error" in statuses else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m ganlab.commands.sweep ...`), same flags as `ganlab sweep`."""
    parser = argparse.ArgumentParser(prog="ganlab sweep")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted; re-run the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
