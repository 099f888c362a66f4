"""The papers' knobs: zero-centred noise, weight initialisation schemes, PacGAN's fixed training pool."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from ganlab.gan2d import Trainer, TrainParams
from ganlab.gan2d.models import INIT_SCHEMES, MLP
from ganlab.gan2d.sampling import FixedPool, sample_noise

N = 200_000


def _truncated_sd() -> float:
    """sd of N(0.5, 0.25²) truncated at ±2 sd."""
    a = 2.0
    factor = 1 - 2 * a * norm.pdf(a) / (2 * norm.cdf(a) - 1)
    return 0.25 * math.sqrt(factor)


@pytest.mark.parametrize(("kind", "mean", "sd", "low", "high"), [
    ("normal", 0.0, 1.0, -np.inf, np.inf),
    ("uniform_centered", 0.0, 1 / math.sqrt(3), -1.0, 1.0),
    ("uniform", 0.5, 1 / math.sqrt(12), 0.0, 1.0),
    ("gaussian", 0.5, _truncated_sd(), 0.0, 1.0),
])
def test_noise_kinds_have_their_mean_and_variance_in_every_dimension(kind, mean, sd, low, high):
    z = sample_noise(np.random.default_rng(0), N, 3, kind)
    assert z.shape == (N, 3) and z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), mean, atol=5 * sd / math.sqrt(N))
    np.testing.assert_allclose(z.std(axis=0), sd, rtol=0.01)
    assert z.min() >= low and z.max() <= high
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.01  # independent dimensions


def test_normal_noise_is_standard_normal_in_its_tails():
    z = sample_noise(np.random.default_rng(1), N, 1, "normal")[:, 0]
    assert np.mean(np.abs(z) > 2) == pytest.approx(2 * norm.sf(2), abs=0.003)  # not truncated like GAN Lab's


def _layers(scheme: str, gain: float = 1.0, sizes=(64, 256, 128, 2)) -> MLP:
    net = MLP(list(sizes), "relu")
    net.init(np.random.default_rng(3), scheme, gain)
    return net


@pytest.mark.parametrize("gain", [1.0, 1.4])
def test_orthogonal_init_is_gain_times_a_semi_orthogonal_matrix(gain):
    net = _layers("orthogonal", gain)
    for w in net.weights:
        small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T  # the Gram matrix of the short side
        np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-5)
    assert all((b == 0).all() for b in net.biases)


def test_xavier_he_and_dcgan_inits_have_their_defined_variance():
    w = _layers("xavier", 2.0).weights[1]  # [256, 128]
    assert w.var() == pytest.approx(4.0 * 2 / (256 + 128), rel=0.03)
    assert np.abs(w).max() <= 2.0 * math.sqrt(6 / (256 + 128)) + 1e-6  # uniform: bounded
    assert _layers("he").weights[1].var() == pytest.approx(2 / 256, rel=0.03)
    assert _layers("dcgan").weights[1].std() == pytest.approx(0.02, rel=0.02)


def test_pytorch_default_init_matches_nn_linear():
    import torch

    net = _layers("pytorch")
    w, b = net.weights[1], net.biases[1]  # fan_in 256
    bound = 1 / math.sqrt(256)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound and np.abs(b).max() > 0.5 * bound
    reference = torch.nn.Linear(256, 128).weight.detach().numpy()
    assert w.var() == pytest.approx(reference.var(), rel=0.05)  # both U(±1/√fan_in): variance 1/(3·fan_in)


def test_gan_lab_init_stays_the_default_and_unchanged():
    a, b = MLP([2, 8, 8, 2], "relu"), MLP([2, 8, 8, 2], "relu")
    a.init_gan_lab(np.random.default_rng(5))
    b.init(np.random.default_rng(5))
    np.testing.assert_array_equal(a.flat, b.flat)
    assert TrainParams().init == "gan_lab"


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
def test_every_init_scheme_trains(scheme):
    t = Trainer(TrainParams(init=scheme, init_gain=1.4, dataset="ring8", noise_type="normal"))
    t.train(5)
    assert not t.diverged and np.isfinite(t.G.flat).all()


def test_fixed_pool_samples_its_rows_with_replacement():
    drawn = []

    def draw(rng, n):
        drawn.append(n)
        return rng.standard_normal((n, 2))

    pool = FixedPool(np.random.default_rng(0), draw, 100)
    before = pool.data.copy()
    batches = np.concatenate([pool.take(50) for _ in range(20)])  # 1,000 rows from 100
    assert drawn == [100]  # drawn once, never redrawn
    np.testing.assert_array_equal(pool.data, before)
    rows = {tuple(r) for r in before}
    assert all(tuple(r) in rows for r in batches)
    first = pool.take(100)
    assert len({tuple(r) for r in first}) < 100  # with replacement: 100 draws from 100 repeat some (p≈1)
    assert len({tuple(r) for r in batches}) > 95  # and over many batches every row turns up


def test_trainer_uses_one_seeded_pool_per_run():
    p = TrainParams(dataset="ring8", data_pool=1000, batch_size=64, seed=4)
    a, b, c = Trainer(p), Trainer(p), Trainer(p.patched({"seed": 5}))
    assert isinstance(a.data_pool, FixedPool) and a.data_pool.data.shape == (1000, 2)
    np.testing.assert_array_equal(a.data_pool.data, b.data_pool.data)  # same seed, same training set
    assert not np.array_equal(a.data_pool.data, c.data_pool.data)
    rows = {tuple(r) for r in a.data_pool.data}
    batch = a._batch(a.data_pool)
    assert batch.shape == (64, 2) and all(tuple(r) in rows for r in batch)
    np.testing.assert_array_equal(batch, b._batch(b.data_pool))  # seeded minibatch indices too
    a.train(50)
    assert {tuple(r) for r in a.data_pool.data} == rows  # fixed for the whole run


def test_pack_draws_each_packed_slot_from_the_pool():
    t = Trainer(TrainParams(dataset="grid25", data_pool=500, batch_size=32, pack=3))
    batch = t._batch(t.data_pool)
    assert batch.shape == (96, 2)  # B·m samples, reshaped to [B, 2m] for D


def test_fixed_pool_run_restores_bit_for_bit(tmp_path):
    a = Trainer(TrainParams(dataset="ring8", data_pool=2000, d_optimizer="adam", g_optimizer="adam"))
    a.train(40)
    a.save(tmp_path / "ckpt")
    b = Trainer.load(tmp_path / "ckpt")
    a.train(40)
    b.train(40)
    np.testing.assert_array_equal(a.G.flat, b.G.flat)
    np.testing.assert_array_equal(a.D.flat, b.D.flat)
