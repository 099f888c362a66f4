"""`ganlab stylegan` (alias `stylegan3`) on StyleGAN2 networks, through real subprocesses on real files."""


import numpy as np
import pytest
from PIL import Image
from sg2_fixtures import load_sg2_fixture
from sg2_pickles import sg2_snapshot
from sg3_pickles import dumps

from tests.stylegan3.cli import run_cli


def run_stylegan(*args, check=True):
    """The main name of the command group; the alias is checked once below."""
    return run_cli(*args, group="stylegan", check=check)


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
    run_cli("convert", pkl, st)  # the old name still works
    run_stylegan(
        "generate", "--network", st, "--seeds", "0,1", "--class", "1", "--noise-mode", "none", "--outdir", tmp_path
    )
    img = np.asarray(Image.open(tmp_path / "seed0001.png"))
    assert img.shape == (32, 32, 3)
    # Seed 1 with class 1 and no noise is sample 1 of the fixture's no-noise case.
    ref = fx.tensors["case1.img"][1].permute(1, 2, 0).numpy() * 127.5 + 128
    assert np.abs(img.astype(float) - ref.clip(0, 255)).max() <= 1.0
    info = run_stylegan("info", pkl).stdout
    assert "StyleGAN2 (skip)" in info and "b32.torgb" in info and "num_ws          8" in info


def test_translate_is_refused_for_stylegan2(pkl, tmp_path):
    proc = run_stylegan(
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
    out = run_stylegan("download", "--list", "--models-dir", tmp_path).stdout
    rows = [line for line in out.splitlines() if line.startswith("stylegan2-")]
    assert len(rows) == 15 and all(" StyleGAN2 " in row for row in rows)
    assert any(row.startswith("stylegan2-cifar10-32x32") and "CIFAR-10" in row for row in rows)
