"""Latent interpolation metrics: the paths and what is measured along them."""

import numpy as np
import pytest

from ganlab.gan2d import Trainer, TrainParams
from ganlab.gan2d.datasets import RING8
from ganlab.gan2d.interpolation import interpolation_metrics, lerp, path_metrics, slerp


def test_lerp_and_slerp_start_and_end_at_the_endpoints():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal((5, 64)), rng.standard_normal((5, 64))
    t = np.linspace(0, 1, 9)
    for path in (lerp(z0, z1, t), slerp(z0, z1, t)):
        assert path.shape == (5, 9, 64)
        np.testing.assert_allclose(path[:, 0], z0, atol=1e-9)
        np.testing.assert_allclose(path[:, -1], z1, atol=1e-9)


def test_slerp_keeps_a_typical_radius_where_lerp_falls_towards_the_mean():
    rng = np.random.default_rng(1)
    z0, z1 = rng.standard_normal((200, 256)), rng.standard_normal((200, 256))
    mid = np.array([0.5])
    r_lerp = np.linalg.norm(lerp(z0, z1, mid)[:, 0], axis=1).mean()
    r_slerp = np.linalg.norm(slerp(z0, z1, mid)[:, 0], axis=1).mean()
    assert r_slerp == pytest.approx(16.0, rel=0.02)  # √256: where N(0, I) keeps its mass
    assert r_lerp == pytest.approx(16.0 / np.sqrt(2), rel=0.03)  # the midpoint of two independent draws


def test_slerp_about_gan_labs_mean():
    z0, z1 = np.full((1, 2), 0.5) + [[0.25, 0]], np.full((1, 2), 0.5) + [[0, 0.25]]
    mid = slerp(z0, z1, np.array([0.5]), center=0.5)[0, 0]
    assert np.linalg.norm(mid - 0.5) == pytest.approx(0.25)


def test_step2_of_an_identity_map_is_the_squared_step_of_the_path():
    t = Trainer(TrainParams(noise_type="normal", g_layers=0, g_output="linear", dataset="ring8"))
    t.G.weights[0][...] = np.eye(2)
    t.G.biases[0][...] = 0
    z = lerp(np.zeros((3, 2)), np.tile([[3.0, 4.0]], (3, 1)), np.linspace(0, 1, 6))  # 5 steps of length 1
    assert path_metrics(t.G, z, None) == {"step2": pytest.approx(1.0), "hq": None}
    on_modes = lerp(np.tile(RING8.centers[:1], (2, 1)), np.tile(RING8.centers[:1], (2, 1)), np.linspace(0, 1, 4))
    assert path_metrics(t.G, on_modes, RING8)["hq"] == 1.0  # standing on a mode centre


@pytest.mark.parametrize(("kind", "keys"), [
    ("uniform", {"interp_lerp_step2", "interp_lerp_hq"}),
    ("uniform_centered", {"interp_lerp_step2", "interp_lerp_hq"}),
    ("normal", {"interp_lerp_step2", "interp_lerp_hq", "interp_slerp_step2", "interp_slerp_hq"}),
    ("gaussian", {"interp_lerp_step2", "interp_lerp_hq", "interp_slerp_step2", "interp_slerp_hq"}),
])
def test_metrics_per_noise_kind_are_seeded(kind, keys):
    t = Trainer(TrainParams(noise_type=kind, noise_dim=8, dataset="ring8"))
    a = interpolation_metrics(t.G, kind, 8, RING8, seed=3)
    assert set(a) == keys and all(v is not None and v >= 0 for v in a.values())
    assert a == interpolation_metrics(t.G, kind, 8, RING8, seed=3)
