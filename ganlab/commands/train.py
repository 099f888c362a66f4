"""`ganlab train`: a headless 2D GAN run that prints final metrics and can save everything."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train a 2D GAN headless and print final metrics",
        description="Train a 2D GAN without the browser. Every TrainParams key can be set with --set; "
        "run `ganlab train --list-params` to see them all with their ranges.",
    )
    p.add_argument("--dataset", help="dataset slug (line, gaussians, ring, disjoint, ring8, grid25, swiss_roll, "
                   "moons, spiral, csv, drawn)")
    p.add_argument("--epochs", type=int, default=1000, help="epochs to train (default 1000)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--preset", help="start from a preset: gan_lab, gan_lab_line, gan_lab_ring, gan_lab_disjoint, "
                   "modern")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="set any TrainParams key, e.g. --set d_lr=0.01 (repeatable)")
    p.add_argument("--points", help="CSV of x,y rows to train on (implies --dataset csv); a samples CSV "
                   "(kind,x,y,d) downloaded from the browser uses its real rows")
    p.add_argument("--every", type=int, default=100, help="record metrics every K epochs (default 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the final metrics")
    p.add_argument("--out", help="directory for the final state, history.csv and plot.png")
    p.add_argument("--list-params", action="store_true", help="list every TrainParams key and exit")
    p.set_defaults(func=run)


def parse_overrides(items: list[str]) -> dict[str, str]:
    """KEY=VALUE strings -> dict; pydantic converts the strings to each field's type."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set: expected KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def list_params() -> None:
    from ganlab.gan2d.params import TrainParams, describe_bounds, field_kind

    for name, info in TrainParams.model_fields.items():
        print(f"{name:14} {info.default!s:>14}  {describe_bounds(name):38} [{field_kind(name)}] {info.description}")


def read_points(path: str):
    """The real points of a CSV file (x,y rows, or a samples CSV with a `kind` column)."""
    from pathlib import Path

    from ganlab.gan2d.csvdata import parse_csv_points

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"--points: no such file: {path}" if not file.exists() else f"--points: not a file: {path}")
    try:
        text = file.read_text(encoding="utf-8-sig")  # a BOM from spreadsheet exports is not data
    except UnicodeDecodeError:
        raise ValueError(f"--points: {path} is not a UTF-8 text file (expected CSV of x,y rows)") from None
    try:
        return parse_csv_points(text)
    except ValueError as error:
        raise ValueError(f"--points {path}: {str(error).removeprefix('points: ')}") from None


def build_trainer(args: argparse.Namespace):
    from ganlab.gan2d import Trainer, from_preset

    overrides: dict[str, Any] = parse_overrides(args.overrides)
    points = None
    if args.points:
        points = read_points(args.points)
        overrides.setdefault("dataset", "csv")
    if args.dataset:
        overrides["dataset"] = args.dataset
    if args.seed is not None:
        overrides["seed"] = args.seed
    return Trainer(from_preset(args.preset, overrides), points=points)


def final_summary(t, seconds: float) -> dict[str, Any]:
    row = t.history[-1] if t.history else t.record()
    summary = {"epochs": t.epoch, "steps": t.step, **{k: v for k, v in row.items() if k not in ("epoch", "step")},
               "epochs_per_s": t.epoch / seconds if seconds > 0 else None, "diverged": t.diverged,
               "params": t.params.model_dump()}
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in summary.items()}


def run(args: argparse.Namespace) -> int:
    if args.list_params:
        list_params()
        return 0
    from pydantic import ValidationError

    from ganlab.gan2d.params import validation_message

    try:
        if args.epochs < 0:
            raise ValueError(f"--epochs: expected 0 or more, got {args.epochs}")
        t = build_trainer(args)
    except ValidationError as e:
        print(f"error: {validation_message(e)}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    seconds = train_with_progress(t, args.epochs, args.every, show=not args.json and sys.stderr.isatty())
    summary = final_summary(t, seconds)
    if args.out:
        from ganlab.gan2d.export import write_run

        write_run(t, args.out, summary)
    print_summary(summary, args.json)
    return 1 if t.diverged else 0


def train_with_progress(t, epochs: int, every: int, show: bool) -> float:
    from tqdm import tqdm

    from ganlab.gan2d.threads import single_thread

    single_thread()
    bar = tqdm(total=epochs, unit="epoch", disable=not show, file=sys.stderr)

    def tick(t, row: dict) -> None:
        bar.n = t.epoch
        bar.set_postfix(js=f"{row['js']:.3f}", d_loss=row["d_loss"], refresh=False)
        bar.refresh()

    start = time.perf_counter()
    t.train(epochs, every=max(every, 1), callback=tick)
    seconds = time.perf_counter() - start
    bar.close()
    return seconds


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary))
        return
    if summary["diverged"]:
        print(summary["diverged"])
    for key in ("epochs", "d_loss", "g_loss", "kl", "js", "modes_captured", "hq_fraction", "reverse_kl",
                "epochs_per_s"):
        if key in summary:
            value = summary[key]
            print(f"{key:15} {value:.4g}" if isinstance(value, float) else f"{key:15} {value}")
