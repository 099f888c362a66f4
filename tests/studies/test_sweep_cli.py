"""`ganlab sweep` end to end: a real subprocess on real files, the 2-worker pool, the study presets.

The subprocess runs `python -m ganlab sweep`, exactly what the console script runs.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys

import pytest

from ganlab.commands.sweep import STUDY_PRESETS, add_arguments, build_spec, main
from ganlab.studies.spec import SweepSpec, expand
from ganlab.studies.sweep import run_sweep


def sweep_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ganlab", "sweep", *args], capture_output=True, text=True, timeout=timeout
    )


def test_cli_runs_a_sweep_then_resumes_without_recomputing(tmp_path):
    args = [
        "--dataset",
        "ring8",
        "--grid",
        "d_lr=0.05,0.1",
        "--seeds",
        "2",
        "--epochs",
        "30",
        "--every",
        "10",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    ]
    first = sweep_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "ran 4, reused 0" in first.stdout and "final JS on ring8" in first.stdout
    assert "4/4" in first.stderr  # the progress bar
    for name in (
        "runs.csv",
        "history.csv",
        "summary.md",
        "curves.png",
        "scatter.png",
        "modes.png",
        "report.html",
    ):
        assert (tmp_path / name).stat().st_size > 0
    with (tmp_path / "runs.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 4
    second = sweep_cli(*args)
    assert second.returncode == 0 and "ran 0, reused 4" in second.stdout


def test_cli_bad_value_exits_nonzero_before_running(tmp_path, capsys):
    code = main(
        [
            "--dataset",
            "ring8",
            "--grid",
            "d_lr=0.1,99",
            "--seeds",
            "1",
            "--epochs",
            "10",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "d_lr" in err and "99" in err and "1e-06–10.0" in err
    assert not (tmp_path / "out").exists()


def test_two_worker_pool_gives_the_same_results_as_serial(tmp_path):
    spec = SweepSpec(dataset="ring8", grid={"pack": ["1", "2"]}, seeds=2, epochs=40, every=20)
    serial = run_sweep(spec, tmp_path / "serial", workers=1, reports=False)
    pooled = run_sweep(spec, tmp_path / "pooled", workers=2, reports=False)
    assert pooled.executed == 4
    by_hash = {r["hash"]: r["final"] for r in serial.results}
    assert all(r["final"] == by_hash[r["hash"]] for r in pooled.results)  # seeded, so bit-identical


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([*argv, "--out", "unused"])


@pytest.mark.parametrize("name", list(STUDY_PRESETS))
def test_every_named_sweep_expands_with_at_least_five_seeds(name):
    spec = build_spec(parse("--preset", name))
    runs = expand(spec)
    datasets = {r.params["dataset"] for r in runs}
    assert datasets == ({"gaussians"} if name.startswith("ganlab_") else {"ring8", "grid25"})
    grid = STUDY_PRESETS[name]["grid"]
    size = 1
    for values in grid.values():
        size *= len(values)
    assert len(runs) == size * spec.seeds and spec.seeds >= 5


def test_flags_override_a_preset():
    spec = build_spec(
        parse(
            "--preset",
            "d_steps",
            "--dataset",
            "grid25",
            "--seeds",
            "1",
            "--epochs",
            "50",
            "--grid",
            "loss=non_saturating,least_squares",
        )
    )
    assert "dataset" not in spec.grid and spec.dataset == "grid25"
    assert spec.grid["loss"] == ["non_saturating", "least_squares"]
    assert (spec.seeds, spec.epochs) == (1, 50)
    assert len(expand(spec)) == 4 * 2


def test_dataset_narrows_a_sweep_over_datasets_only():
    spec = build_spec(parse("--preset", "veegan_gan", "--dataset", "grid25", "--seeds", "1"))
    assert spec.grid == {"dataset": ["grid25"]} and {r.params["dataset"] for r in expand(spec)} == {"grid25"}
