"""`ganlab train` through a real subprocess, writing real files."""

import csv
import json
import subprocess
import sys

from PIL import Image


def ganlab(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True, timeout=timeout)


def test_json_output_on_a_mixture_dataset(tmp_path):
    r = ganlab("train", "--dataset", "ring8", "--epochs", "300", "--seed", "2", "--json", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("epochs", "d_loss", "g_loss", "kl", "js", "epochs_per_s", "modes_captured", "hq_fraction",
                "reverse_kl"):
        assert key in out
    assert out["epochs"] == 300 and out["params"]["dataset"] == "ring8" and out["params"]["seed"] == 2
    for name in ("state.safetensors", "state.json", "history.csv", "plot.png", "samples.csv"):
        assert (tmp_path / name).is_file(), name
    with open(tmp_path / "history.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:6] == ["epoch", "step", "d_loss", "g_loss", "kl", "js"] and "modes_captured" in rows[0]
    assert rows[-1]["epoch"] == "300"
    assert Image.open(tmp_path / "plot.png").size[0] >= 300


def test_same_seed_same_json(tmp_path):
    a = json.loads(ganlab("train", "--epochs", "100", "--seed", "5", "--json").stdout)
    b = json.loads(ganlab("train", "--epochs", "100", "--seed", "5", "--json").stdout)
    assert a["js"] == b["js"] and a["d_loss"] == b["d_loss"]


def test_bad_set_value_exits_nonzero_with_field_and_range():
    r = ganlab("train", "--epochs", "1", "--set", "noise_dim=300")
    assert r.returncode == 2
    assert "noise_dim" in r.stderr and "300" in r.stderr and "1–256" in r.stderr
    r = ganlab("train", "--epochs", "1", "--set", "no_such_knob=1")
    assert r.returncode == 2 and "no_such_knob" in r.stderr
    r = ganlab("train", "--epochs", "1", "--set", "oops")
    assert r.returncode == 2 and "KEY=VALUE" in r.stderr


def test_csv_points_and_preset(tmp_path):
    pts = tmp_path / "pts.csv"
    pts.write_text("x,y\n" + "\n".join(f"{i / 10},{(i % 3) / 5}" for i in range(30)))
    r = ganlab("train", "--points", str(pts), "--preset", "gan_lab", "--epochs", "50", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["params"]["dataset"] == "csv"
