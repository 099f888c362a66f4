"""`ganlab stylegan3 generate | convert | info` through real subprocesses on real files."""

import os

import numpy as np
import pytest
from PIL import Image
from sg3_fixtures import load_fixture
from sg3_pickles import Reduce, dumps, snapshot

from tests.stylegan3.cli import run_cli


@pytest.fixture(scope="module")
def pkl(tmp_path_factory):
    path = tmp_path_factory.mktemp("sg3") / "t32.pkl"
    path.write_bytes(dumps(snapshot(load_fixture("official_t32").generator()), protocol=4))
    return path


def test_convert_then_generate_matches_official_pixels(pkl, tmp_path):
    st = tmp_path / "t32.safetensors"
    out = run_cli("convert", pkl, st)
    assert st.is_file() and "wrote" in out.stdout
    run_cli(
        "generate",
        "--network",
        st,
        "--seeds",
        "0,42",
        "--translate",
        "0.1,-0.2",
        "--rotate",
        "30",
        "--grid",
        "1x2",
        "--outdir",
        tmp_path / "out",
    )
    fx = load_fixture("official_t32")
    expected = (fx.tensors["case3.img"].permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).byte().numpy()
    for i, seed in enumerate([0, 42]):
        got = np.asarray(Image.open(tmp_path / "out" / f"seed{seed:04d}.png"))
        assert np.abs(got.astype(int) - expected[i].astype(int)).max() <= 1
    assert Image.open(tmp_path / "out" / "grid.png").size == (64, 32)


def test_generate_from_pickle_with_truncation_and_cutoff(pkl, tmp_path):
    proc = run_cli(
        "generate",
        "--network",
        pkl,
        "--seeds",
        "42",
        "--trunc",
        "0.6",
        "--trunc-cutoff",
        "5",
        "--outdir",
        tmp_path,
    )
    fx = load_fixture("official_t32")
    expected = (fx.tensors["case2.img"][1].permute(1, 2, 0) * 127.5 + 128).clamp(0, 255).byte().numpy()
    got = np.asarray(Image.open(tmp_path / "seed0042.png"))
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert "s/img" in proc.stderr


def test_info_prints_config_and_layers(pkl):
    out = run_cli("info", pkl).stdout
    assert "StyleGAN3-T" in out and "32x32x3" in out and "num_ws          16" in out
    assert "L14_32_3" in out and "parameters" in out


def test_refused_file_gives_exit_code_2(tmp_path):
    bad = tmp_path / "bad.pkl"
    marker = tmp_path / "pwned"
    bad.write_bytes(dumps({"G_ema": Reduce(os.system, f"touch {marker}")}))
    proc = run_cli("info", bad, check=False)
    assert proc.returncode == 2 and ".system' in network pickle" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("action", "name"),
    [
        ("info", "shared_list_bomb.pkl"),
        ("info", "safetensors_huge_header.safetensors"),
        ("convert", "kwargs_mapping_layers.pkl"),
        ("convert", "deep_list.pkl"),
    ],
)
def test_hostile_files_give_one_line_and_exit_code_2(tmp_path, action, name):
    from loader_corpus import builders

    path = tmp_path / name
    path.write_bytes(builders(tmp_path / "pwned")[name]())
    proc = run_cli(action, path, *([tmp_path / "out.safetensors"] if action == "convert" else []), check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {name}: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out.safetensors").exists()
