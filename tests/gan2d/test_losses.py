"""Losses: known values on hand-made D outputs, and analytic gradients against finite differences."""

import math

import numpy as np
import pytest
import torch

from ganlab.gan2d import torch_path
from ganlab.gan2d.losses import LOSSES

LN2 = math.log(2)


def test_known_values():
    zero = np.zeros(4)
    assert LOSSES["non_saturating"].d(zero, zero, 1.0)[0] == pytest.approx(2 * LN2)
    assert LOSSES["non_saturating"].d(zero, zero, 0.95)[0] == pytest.approx(1.95 * LN2)  # GAN Lab's 0.95
    assert LOSSES["non_saturating"].g(zero)[0] == pytest.approx(LN2)
    assert LOSSES["minimax"].g(zero)[0] == pytest.approx(-LN2)
    assert LOSSES["least_squares"].d(zero, zero, 1.0)[0] == pytest.approx(0.5)
    assert LOSSES["least_squares"].g(zero)[0] == pytest.approx(0.25)
    hr, hf = np.array([1.0, 3.0]), np.array([0.0, 2.0])
    assert LOSSES["wasserstein_gp"].d(hr, hf, 1.0)[0] == pytest.approx(-1.0)
    assert LOSSES["wasserstein_gp"].g(hf)[0] == pytest.approx(-1.0)
    assert LOSSES["hinge"].d(np.array([2.0, 0.5]), np.array([-2.0, 0.0]), 1.0)[0] == pytest.approx(0.75)


def test_log_loss_is_stable_for_confident_d():
    big = np.array([80.0, -80.0])
    value, dhr, dhf = LOSSES["non_saturating"].d(big, -big, 1.0)
    assert math.isfinite(value) and np.isfinite(dhr).all() and np.isfinite(dhf).all()


@pytest.mark.parametrize("slug", sorted(LOSSES))
def test_gradients_match_finite_differences_and_torch(slug):
    rng = np.random.default_rng(0)
    hr, hf = rng.normal(size=6) * 0.7 + 0.3, rng.normal(size=6) * 0.7 - 0.3  # away from hinge kinks
    loss = LOSSES[slug]
    _, dhr, dhf = loss.d(hr, hf, 0.9)
    eps = 1e-6
    for i in range(len(hr)):
        e = np.zeros_like(hr)
        e[i] = eps
        num_r = (loss.d(hr + e, hf, 0.9)[0] - loss.d(hr - e, hf, 0.9)[0]) / (2 * eps)
        num_f = (loss.d(hr, hf + e, 0.9)[0] - loss.d(hr, hf - e, 0.9)[0]) / (2 * eps)
        assert dhr[i] == pytest.approx(num_r, abs=1e-6) and dhf[i] == pytest.approx(num_f, abs=1e-6)
    _, dg = loss.g(hf)
    tf = torch.tensor(hf, requires_grad=True)
    torch_path.g_loss(slug, tf).backward()
    np.testing.assert_allclose(dg, tf.grad.numpy(), atol=1e-9)
    tr, tf = torch.tensor(hr), torch.tensor(hf)
    assert loss.d(hr, hf, 0.9)[0] == pytest.approx(float(torch_path.d_loss(slug, tr, tf, 0.9)))
