"""Visual fields: shapes, dtypes, GAN Lab's definitions, latent slices and critic mapping."""

import numpy as np
import pytest

from ganlab.gan2d import Trainer, TrainParams
from ganlab.gan2d.fields import grid_centers
from ganlab.gan2d.losses import sigmoid


def test_fields_are_float32_with_expected_shapes():
    t = Trainer()
    f = t.fields(grid_size=64)
    assert all(v.dtype == np.float32 for v in f.values())
    assert f["d_grid"].shape == (64, 64) and f["manifold"].shape == (21 * 21, 2)
    assert f["manifold_opacity"].shape == (400,) and f["real"].shape == (450, 2)
    assert f["fake"].shape == f["gradients"].shape == (300, 2)
    assert (f["manifold_opacity"] >= 0.1).all() and (f["manifold_opacity"] <= 0.9).all()


def test_heatmap_is_d_probability_on_grid_rows_from_bottom():
    t = Trainer()
    t.train(50)
    f = t.fields(grid_size=8)
    centers = grid_centers(t.view_box, 8)
    assert centers[0].tolist() == pytest.approx([1 / 16, 1 / 16]) and centers[8][1] == pytest.approx(3 / 16)
    expected = sigmoid(t.D(centers)[:, 0]).reshape(8, 8)
    np.testing.assert_allclose(f["d_grid"], expected, atol=1e-6)


def test_gradient_arrows_are_the_gradient_of_d_probability():
    t = Trainer()
    t.train(30)
    f = t.fields()
    x, eps = f["fake"][:5].astype(np.float64), 1e-3
    for axis in range(2):
        e = np.zeros_like(x)
        e[:, axis] = eps
        num = (sigmoid(t.D((x + e).astype(np.float32))[:, 0].astype(np.float64))
               - sigmoid(t.D((x - e).astype(np.float32))[:, 0].astype(np.float64))) / (2 * eps)
        np.testing.assert_allclose(f["gradients"][:5, axis], num, atol=2e-3)


def test_fixed_fake_samples_do_not_change_without_training():
    t = Trainer()
    np.testing.assert_array_equal(t.fields()["fake"], t.fields()["fake"])


def test_manifold_slice_for_high_noise_dims_and_line_for_1d():
    t = Trainer(TrainParams(noise_dim=10))
    assert t.fields(axes=(3, 7))["manifold"].shape == (441, 2)
    with pytest.raises(ValueError, match="axes"):
        t.fields(axes=(3, 3))
    one = Trainer(TrainParams(noise_dim=1)).fields()
    assert one["manifold"].shape == (21, 2) and one["manifold_opacity"].shape == (0,)
    assert one["noise"].shape == (300, 1)


def test_critic_output_is_mapped_into_unit_range():
    t = Trainer(TrainParams(loss="hinge"))
    t.train(20)
    f = t.fields()
    for key in ("d_grid", "fake_d", "real_d"):
        assert f[key].min() >= 0 and f[key].max() <= 1


def _identity_generator(noise_type: str) -> Trainer:
    """G(z) = z: no hidden layers, linear output, identity weights, so the manifold is the noise grid."""
    t = Trainer(TrainParams(noise_type=noise_type, g_layers=0, g_output="linear", dataset="ring8"))
    t.G.weights[0][...] = np.eye(2)
    t.G.biases[0][...] = 0
    return t


@pytest.mark.parametrize(("kind", "low", "high"), [("uniform", 0, 1), ("gaussian", 0, 1), ("normal", -2, 2),
                                                   ("uniform_centered", -1, 1)])
def test_manifold_sweeps_each_noise_kinds_own_window(kind, low, high):
    f = _identity_generator(kind).fields()
    mani = f["manifold"]
    np.testing.assert_allclose([mani.min(), mani.max()], [low, high], atol=1e-6)
    assert f["noise"].min() >= 0 and f["noise"].max() <= 1 or kind == "normal"  # the thumbnail's [0, 1] units
    view = f["noise"]
    inside = ((view >= 0) & (view <= 1)).all(axis=1).mean()
    assert inside > (0.9 if kind == "normal" else 0.999)  # N(0, I): 91 % of points lie within ±2 sd on both axes


def test_density_shading_is_the_same_for_gan_labs_gaussian_and_the_standard_normal():
    """N(0, I) on ±2 is GAN Lab's N(0.5, 0.25²) on [0, 1] after an affine change of variables, so an
    identity G must shade both alike: darkest (GAN Lab's 0.1 + 0.2·2.55 ≈ 0.61) in the middle."""
    gan_lab = _identity_generator("gaussian").fields()["manifold_opacity"]
    normal = _identity_generator("normal").fields()["manifold_opacity"]
    np.testing.assert_allclose(gan_lab, normal, rtol=1e-4)
    grid = normal.reshape(20, 20)
    assert grid[9:11, 9:11].min() == pytest.approx(0.1 + 0.2 * 2.5 * 0.99, abs=0.03)
    assert grid[0, 0] < 0.2  # the corners carry little of the normal's mass


def test_uniform_kinds_shade_by_area_alone():
    for kind in ("uniform", "uniform_centered"):
        opacity = _identity_generator(kind).fields()["manifold_opacity"]
        np.testing.assert_allclose(opacity, 0.5, atol=1e-5)  # equal cells: 0.9 − 0.4·400·(1/400)


def test_high_dim_slice_holds_the_other_axes_at_the_kinds_mean():
    t = Trainer(TrainParams(noise_type="normal", noise_dim=4, g_layers=0, g_output="linear", dataset="ring8"))
    t.G.weights[0][...] = 0
    t.G.weights[0][2, 0] = 1.0  # x = z_2, an axis outside the slice
    assert np.abs(t.fields(axes=(0, 1))["manifold"][:, 0]).max() < 1e-6  # z_2 held at 0, not 0.5
