"""Latent directions (GANSpace-style PCA of W): the math, the sha256-keyed cache and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganlab.cli import main
from ganlab.stylegan3 import Generator
from ganlab.stylegan3 import directions as D
from ganlab.stylegan3.loader import save_safetensors

MICRO = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3,
             mapping_kwargs=dict(num_layers=2), channel_base=512, channel_max=16)
SPEC = D.DirectionsSpec(n_samples=2000, num_directions=8, seed=1)


@pytest.fixture(scope="module")
def G() -> Generator:
    torch.manual_seed(3)
    return Generator(**MICRO).eval()


@pytest.fixture(scope="module")
def found(G) -> D.Directions:
    return D.compute_directions(G, SPEC, "k")


def test_directions_are_orthonormal_with_descending_variance(found: D.Directions) -> None:
    C = torch.from_numpy(found.components).double()
    assert C.shape == (8, 16)
    assert torch.allclose(C @ C.T, torch.eye(8, dtype=torch.float64), atol=1e-5)
    assert np.all(np.diff(found.explained_variance) <= 0) and found.explained_variance[-1] > 0
    assert np.allclose(found.stds**2, found.explained_variance, rtol=1e-5)
    assert 0 < found.explained_ratio.sum() <= 1 + 1e-6


def test_first_direction_is_the_axis_of_largest_variance(G, found: D.Directions) -> None:
    w = D.sample_w(G, SPEC)
    centred = w - w.mean(0)
    along = (centred @ torch.from_numpy(found.components).double().T).var(0)  # [k]
    assert np.allclose(along.numpy(), found.explained_variance, rtol=1e-3)
    random = torch.nn.functional.normalize(torch.randn(50, 16, dtype=torch.float64), dim=1)
    assert (centred @ random.T).var(0).max() <= along[0] * 1.0001  # no axis beats direction 0


@pytest.mark.parametrize("name", ["coarse", "middle", "fine", "custom"])
def test_edit_along_direction_0_moves_only_the_chosen_ws(G, found: D.Directions, name: str) -> None:
    ws = G.mapping(torch.randn(2, 16), None)
    start, stop = D.layer_range(name, G.num_ws, first=2, last=5)
    edited = D.apply_edit(ws, found, [2.5], start, stop)
    changed = (edited - ws).abs().amax(dim=(0, 2)) > 0  # [num_ws]
    assert changed.tolist() == [start <= i < stop for i in range(G.num_ws)]
    step = edited[0, start] - ws[0, start]
    expected = 2.5 * found.stds[0] * torch.from_numpy(found.components[0])
    assert torch.allclose(step, expected, atol=1e-5)


def test_layer_ranges_split_num_ws_like_ganspace() -> None:
    assert [D.layer_range(n, 18) for n in ("coarse", "middle", "fine")] == [(0, 4), (4, 8), (8, 18)]
    assert [D.layer_range(n, 16) for n in ("all", "coarse", "middle", "fine")] == [(0, 16), (0, 4), (4, 7), (7, 16)]
    with pytest.raises(ValueError, match="first <= last"):
        D.layer_range("custom", 16, first=6, last=3)


def test_cache_is_keyed_by_file_sha256(G, tmp_path, monkeypatch) -> None:
    path = tmp_path / "net.safetensors"
    save_safetensors(G, path)
    key = D.file_sha256(path)
    cache = D.DirectionsCache(tmp_path / "cache")
    first, cached = cache.get_or_compute(G, key, SPEC)
    assert not cached and cache.path(key, SPEC).name.startswith(key)
    monkeypatch.setattr(D, "compute_directions", lambda *a, **k: pytest.fail("recomputed a cached model"))
    again, cached = cache.get_or_compute(G, key, SPEC)
    assert cached and np.array_equal(again.components, first.components)
    other = D.DirectionsSpec(n_samples=500, num_directions=8, seed=1)
    assert cache.get(key, other) is None and cache.get("0" * 64, SPEC) is None
    cache.path(key, SPEC).write_bytes(b"not an npz")  # a damaged file is not trusted
    assert cache.get(key, SPEC) is None


def test_cli_writes_a_valid_npz(G, tmp_path, capsys) -> None:
    path = tmp_path / "net.safetensors"
    save_safetensors(G, path)
    out = tmp_path / "dirs.npz"
    argv = ["stylegan3", "directions", "--network", str(path), "--out", str(out), "--n-samples", "1000",
            "--num-directions", "5", "--cache-dir", str(tmp_path / "cache"), "--threads", "1"]
    assert main(argv) == 0
    assert "5 directions from 1,000 latents" in capsys.readouterr().out
    loaded = D.load_npz(out)
    with np.load(out, allow_pickle=False) as data:
        assert set(data.files) >= {"components", "explained_variance", "explained_ratio", "stds", "mean", "key"}
    assert loaded.components.shape == (5, 16) and loaded.key == D.file_sha256(path)
    assert np.allclose(loaded.components @ loaded.components.T, np.eye(5), atol=1e-5)
    assert main(argv) == 0 and "from the cache" in capsys.readouterr().out
    assert main([*argv[:-4], "--n-samples", "5"]) == 1
    assert "--n-samples" in capsys.readouterr().err
