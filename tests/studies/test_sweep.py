"""Sweeps: grid expansion, config hashing, validation before running, resume, divergence, outputs.

Runs use GAN Lab's tiny networks for a few dozen epochs (milliseconds each), in-process.
"""

from __future__ import annotations

import csv
import json
import math

import pytest
from PIL import Image

from ganlab.studies.spec import SweepError, SweepSpec, config_hash, expand, parse_grid
from ganlab.studies.sweep import run_sweep

FAST = {"seeds": 2, "epochs": 40, "every": 20}


def spec(grid: dict, **kw) -> SweepSpec:
    return SweepSpec(**{"dataset": "ring8", "grid": grid, **FAST, **kw})


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One small finished sweep (2 settings x 2 seeds) shared by the output tests."""
    out = tmp_path_factory.mktemp("sweep")
    s = spec({"d_lr": ["0.05", "0.1"]})
    return out, s, run_sweep(s, out, workers=1)


def read_csv(path):
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_parse_grid_splits_values_and_rejects_malformed_items():
    assert parse_grid(["g_lr=1e-4,1e-3", "pack = 1, 2"]) == {"g_lr": ["1e-4", "1e-3"], "pack": ["1", "2"]}
    for bad, words in [(["g_lr"], "key=value"), (["g_lr=1,", ], "empty value"),
                       (["pack=1", "pack=2"], "twice"), (["seed=1,2"], "--seeds")]:
        with pytest.raises(SweepError, match=words):
            parse_grid(bad)


def test_expand_is_the_cartesian_product_times_seeds():
    runs = expand(spec({"d_lr": ["0.05", "0.1"], "pack": ["1", "2", "4"]}, seeds=3))
    assert len(runs) == 2 * 3 * 3
    assert [r.setting for r in runs[::3]] == [{"d_lr": a, "pack": b} for a in (0.05, 0.1) for b in (1, 2, 4)]
    assert [r.seed for r in runs[:3]] == [0, 1, 2]
    assert all(r.params["dataset"] == "ring8" and r.params["d_width"] == 8 for r in runs)  # gan_lab preset
    shifted = expand(spec({"pack": ["1"]}, seeds=2, fixed={"seed": "7"}))
    assert [r.seed for r in shifted] == [7, 8]


def test_hash_is_stable_and_covers_the_whole_config():
    a = expand(spec({"g_lr": ["1e-3", "0.001", "0.01"]}))
    assert len(a) == 2 * 2  # 1e-3 and 0.001 are one setting
    assert [r.run_hash for r in a] == [r.run_hash for r in expand(spec({"g_lr": ["1e-3", "1e-2"]}))]
    assert len({r.run_hash for r in a}) == len(a)
    params = a[0].params
    assert config_hash(params, 40, 20) == a[0].run_hash
    assert config_hash({**params, "d_width": 9}, 40, 20) != a[0].run_hash  # any knob
    assert config_hash(params, 41, 20) != a[0].run_hash  # the epoch budget
    assert config_hash(params, 40, 10) != a[0].run_hash  # the recording interval


@pytest.mark.parametrize("grid, words", [
    ({"d_lrr": ["0.1"]}, ["d_lrr", "known TrainParams key"]),
    ({"d_lr": ["0.1", "50"]}, ["d_lr", "50", "1e-06–10.0"]),
    ({"loss": ["wgan"]}, ["loss", "wgan", "one of minimax"]),
    ({"pack": ["two"]}, ["pack", "two"]),
])
def test_bad_grid_fails_before_any_run_with_the_trainparams_message(tmp_path, grid, words):
    with pytest.raises(SweepError) as info:
        run_sweep(spec(grid), tmp_path / "out")
    assert all(w in str(info.value) for w in words), str(info.value)
    assert not (tmp_path / "out").exists()


def test_resume_never_recomputes_a_finished_run(tmp_path):
    s = spec({"d_lr": ["0.05", "0.1"]})
    seen = []

    def interrupt_after_two(result):
        seen.append(result["hash"])
        if len(seen) == 2:
            raise KeyboardInterrupt  # what Ctrl-C does mid-sweep

    with pytest.raises(KeyboardInterrupt):
        run_sweep(s, tmp_path, on_result=interrupt_after_two)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2
    resumed = run_sweep(s, tmp_path)
    assert resumed.executed == 2 and len(resumed.results) == 4
    assert not {r["hash"] for r in resumed.results[:2]} - set(seen)  # the first two were reused
    again = run_sweep(s, tmp_path)
    assert again.executed == 0
    (tmp_path / "runs" / f"{seen[0]}.json").write_text("{truncated")  # a damaged file is redone
    assert run_sweep(s, tmp_path).executed == 1
    wider = run_sweep(spec({"d_lr": ["0.05", "0.1", "0.2"]}), tmp_path)
    assert wider.executed == 2  # only the new setting's seeds


def test_a_diverged_run_is_recorded_with_its_epoch_and_the_sweep_goes_on(tmp_path):
    # A critic with no gradient penalty at lr 10 overflows within an epoch or two.
    s = spec({"d_lr": ["1e-4", "10"]}, fixed={"loss": "wasserstein_gp", "gp_weight": "0", "g_lr": "10",
                                               "g_output": "linear"})
    outcome = run_sweep(s, tmp_path)
    assert len(outcome.results) == 4
    bad = [r for r in outcome.results if r["setting"]["d_lr"] == 10]
    assert all(r["status"] == "diverged" and isinstance(r["diverged_at"], int) for r in bad)
    assert all(r["diverged_at"] < 40 and "diverged" in r["diverged"] for r in bad)
    rows = [r for r in read_csv(tmp_path / "runs.csv") if r["d_lr"] == "10.0"]
    assert len(rows) == 2 and all(r["status"] == "diverged" and r["diverged_at"] != "" for r in rows)
    summary = (tmp_path / "summary.md").read_text()
    assert "| d_lr=10 | 2 | 2 |" in summary  # two runs, both counted as diverged
    assert run_sweep(s, tmp_path).executed == 0  # a diverged run is a finished run


def test_runs_csv_has_one_row_per_run_with_metrics(finished):
    out, s, outcome = finished
    rows = read_csv(out / "runs.csv")
    assert len(rows) == 4
    for column in ("hash", "d_lr", "seed", "status", "js", "modes_captured", "hq_fraction", "epochs_per_s",
                   "diverged_at", "epochs_to_js"):
        assert column in rows[0]
    assert {r["hash"] for r in rows} == {r.run_hash for r in outcome.runs}
    assert all(0 <= float(r["js"]) <= math.log(2) + 1e-9 and float(r["epochs_per_s"]) > 0 for r in rows)
    assert all(r["num_modes"] == "8" and r["epochs"] == "40" for r in rows)


def test_history_csv_has_metrics_every_k_epochs(finished):
    out, _, _ = finished
    rows = read_csv(out / "history.csv")
    assert len(rows) == 4 * 2  # every 20 of 40 epochs
    assert sorted({int(r["epoch"]) for r in rows}) == [20, 40]
    assert {"d_loss", "g_loss", "kl", "js", "modes_captured", "hq_fraction"} <= set(rows[0])


def test_summary_has_mean_std_per_setting_and_a_verdict_per_metric(finished):
    out, _, _ = finished
    text = (out / "summary.md").read_text()
    assert "| d_lr=0.05 | 2 |" in text and "| d_lr=0.1 | 2 |" in text
    assert text.count("±") >= 6 and "epochs to JS ≤ 0.1" in text and "reverse KL" in text
    for metric in ("modes captured on ring8", "HQ % on ring8", "final JS on ring8"):
        line = next(x for x in text.splitlines() if metric in x)
        assert ("wins" in line and "seed spread" in line) or "tie" in line


def test_plots_decode_and_stay_small(finished):
    out, _, _ = finished
    for name in ("curves.png", "scatter.png", "modes.png"):
        with Image.open(out / name) as image:
            image.verify()
            assert image.format == "PNG" and image.size[0] > 100
        assert (out / name).stat().st_size < 200_000


def test_report_html_is_self_contained(finished):
    out, _, _ = finished
    page = (out / "report.html").read_text()
    assert page.startswith("<!doctype html>") and page.count("data:image/png;base64,") == 3
    for outside in ("src=\"http", "href=", "<script", "<link", "src='http"):
        assert outside not in page
    assert "final JS on ring8" in page and "d_lr=0.05" in page


def test_sweep_json_records_the_spec(finished):
    out, s, _ = finished
    assert json.loads((out / "sweep.json").read_text())["grid"] == {"d_lr": ["0.05", "0.1"]}


def test_a_crashing_run_is_recorded_as_an_error_and_the_rest_still_run(tmp_path, monkeypatch):
    import ganlab.gan2d.trainer as trainer_module

    real_train = trainer_module.Trainer.train

    def train(self, epochs, every=0, callback=None):
        if self.params.pack == 2:
            raise RuntimeError("boom")
        return real_train(self, epochs, every, callback)

    monkeypatch.setattr(trainer_module.Trainer, "train", train)
    outcome = run_sweep(spec({"pack": ["1", "2"]}), tmp_path)
    status = {r["setting"]["pack"]: r["status"] for r in outcome.results}
    assert status == {1: "ok", 2: "error"} and len(outcome.results) == 4
    assert all("RuntimeError: boom" in r["error"] for r in outcome.results if r["status"] == "error")
    assert "boom" in (tmp_path / "runs.csv").read_text()


def test_ray_backend_without_ray_says_how_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(SweepError, match=r"pip install 'ganlab\[ray\]'"):
        run_sweep(spec({"pack": ["1"]}, seeds=1), tmp_path, backend="ray")
    assert not list((tmp_path / "runs").glob("*.json"))
