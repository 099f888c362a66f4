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
