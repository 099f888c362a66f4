"""`ganlab stylegan` (alias `stylegan3`) on StyleGAN2 networks, through real subprocesses on real files."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sg2_fixtures import load_sg2_fixture
from sg2_pickles import sg2_snapshot
from sg3_pickles import dumps

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args, group="stylegan", check=True):
    env = {**os.environ, "PYTHONPATH": str(REPO), "GANLAB_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "ganlab", group, *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def fx():
    return load_sg2_fixture("official_ada_skip32_cond")


@pytest.fixture(scope="module")
def pkl(tmp_path_factory, fx):
    path = tmp_path_factory.mktemp("sg2") / "ada32.pkl"
    path.write_bytes(dumps(sg2_snapshot(fx.generator(), fx.init_kwargs, ada=True)))
    return path


def test_convert_generate_and_info_on_an_ada_pickle(pkl, fx, tmp_path):
    st = tmp_path / "ada32.safetensors"
    run_cli("convert", pkl, st, group="stylegan3")  # the old name still works
    run_cli("generate", "--network", st, "--seeds", "0,1", "--class", "1", "--noise-mode", "none", "--outdir", tmp_path)
    img = np.asarray(Image.open(tmp_path / "seed0001.png"))
    assert img.shape == (32, 32, 3)
    # Seed 1 with class 1 and no noise is sample 1 of the fixture's no-noise case.
    ref = fx.tensors["case1.img"][1].permute(1, 2, 0).numpy() * 127.5 + 128
    assert np.abs(img.astype(float) - ref.clip(0, 255)).max() <= 1.0
    info = run_cli("info", pkl).stdout
    assert "StyleGAN2 (skip)" in info and "b32.torgb" in info and "num_ws          8" in info


def test_translate_is_refused_for_stylegan2(pkl, tmp_path):
    proc = run_cli(
        "generate",
        "--network",
        pkl,
        "--seeds",
        "0",
        "--class",
        "0",
        "--translate",
        "0.1,0",
        "--outdir",
        tmp_path,
        check=False,
    )
    assert proc.returncode != 0 and "StyleGAN2 has no input transform" in proc.stderr
    assert not list(tmp_path.glob("*.png"))


def test_download_list_shows_the_stylegan2_set(tmp_path):
    out = run_cli("download", "--list", "--models-dir", tmp_path).stdout
    rows = [line for line in out.splitlines() if line.startswith("stylegan2-")]
    assert len(rows) == 15 and all(" StyleGAN2 " in row for row in rows)
    assert any(row.startswith("stylegan2-cifar10-32x32") and "CIFAR-10" in row for row in rows)
