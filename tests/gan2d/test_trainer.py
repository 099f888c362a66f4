"""Trainer: reproducibility, hot vs structural knobs, learning, divergence, save/restore, parity."""

import itertools
import math

import numpy as np
import pytest
from pydantic import ValidationError

from ganlab.gan2d import Trainer, TrainParams, from_preset


def weights(t):
    return np.concatenate([t.G.flat, t.D.flat]).copy()


def test_same_seed_same_run_and_different_seed_differs():
    a, b, c = Trainer(TrainParams(seed=3)), Trainer(TrainParams(seed=3)), Trainer(TrainParams(seed=4))
    for t in (a, b, c):
        t.train(50)
    np.testing.assert_array_equal(weights(a), weights(b))
    assert a.metrics() == b.metrics()
    assert not np.array_equal(weights(a), weights(c))


def test_epoch_is_d_steps_then_g_steps():
    t = Trainer(TrainParams(d_steps=3, g_steps=2))
    t.train_epoch()
    assert (t.epoch, t.step, t.d_updates, t.g_updates, t.last_phase) == (1, 5, 3, 2, "g")
    t.step_d()
    assert (t.epoch, t.step, t.last_phase) == (1, 6, "d")


def test_hot_knobs_keep_weights_structural_knobs_rebuild():
    t = Trainer()
    t.train(20)
    before, run_id = weights(t), t.run_id
    assert t.apply({"d_lr": 0.01, "g_optimizer": "adam", "loss": "hinge", "d_steps": 5}) is False
    np.testing.assert_array_equal(weights(t), before)
    assert t.run_id == run_id and t.epoch == 20 and t.g_opt.kind == "adam"
    assert t.apply({"g_width": 12}) is True
    assert t.run_id == run_id + 1 and t.epoch == 0 and t.G.sizes == [2, 12, 12, 2]


def test_invalid_patch_leaves_state_untouched():
    t = Trainer()
    t.train(5)
    before, params = weights(t), t.params
    with pytest.raises(ValidationError, match="noise_dim"):
        t.apply({"noise_dim": 999})
    with pytest.raises(ValueError, match="needs points"):
        t.apply({"dataset": "drawn"})
    assert t.params == params and t.epoch == 5
    np.testing.assert_array_equal(weights(t), before)


def test_gan_lab_preset_matches_gan_lab_defaults():
    p = from_preset("gan_lab")
    assert (p.dataset, p.batch_size, p.noise_dim, p.noise_type) == ("gaussians", 150, 2, "gaussian")
    assert (p.d_lr, p.g_lr, p.d_optimizer, p.g_optimizer, p.d_steps, p.g_steps) == (0.1, 0.03, "sgd", "sgd", 2, 1)
    t = Trainer(p)
    # GAN Lab's "1 hidden layer" of 8 neurons is two hidden ReLU layers; G ends in tanh, D in a sigmoid
    assert t.G.sizes == [2, 8, 8, 2] and t.D.sizes == [2, 8, 8, 1]


def test_gan_lab_preset_learns_two_gaussians():
    t = Trainer(from_preset("gan_lab"))
    start = t.metrics()["js"]
    t.train(3000)
    end = t.metrics()
    # fakes start inside the view (G's tanh covers the box) but nowhere near the two modes
    assert start > 0.4 and end["js"] < 0.25 and end["js"] < start / 3, (start, end)
    assert end["modes_captured"] == 2


def test_huge_learning_rate_reports_divergence_cleanly():
    p = TrainParams(loss="wasserstein_gp", gp_weight=0, g_output="linear", d_lr=10, g_lr=10,
                    d_momentum=0.99, g_momentum=0.99)
    t = Trainer(p)
    t.train(500)
    assert t.diverged and "diverged" in t.diverged and "learning rate" in t.diverged
    stopped = t.epoch
    assert t.train_epoch() is False and t.epoch == stopped
    fields = t.fields()
    assert all(np.isfinite(v).all() for v in fields.values())
    assert t.history[-1]["epoch"] == stopped


def test_save_then_restore_continues_identically(tmp_path):
    p = TrainParams(d_optimizer="adam", g_optimizer="rmsprop", g_momentum=0.5, batch_size=64)
    a = Trainer(p)
    a.train(300, every=100)  # past a pool refill
    a.save(tmp_path / "ckpt")
    b = Trainer.load(tmp_path / "ckpt")
    assert b.epoch == a.epoch and b.history == a.history
    a.train(300)
    b.train(300)
    np.testing.assert_array_equal(weights(a), weights(b))
    assert a.losses == b.losses


def test_save_restore_with_drawn_points_and_penalty(tmp_path):
    pts = np.random.default_rng(0).random((40, 2))
    a = Trainer(TrainParams(loss="wasserstein_gp", r1_weight=1.0), points=None)
    a.set_points(pts)
    a.train(30)
    a.save(tmp_path)
    b = Trainer.load(tmp_path)
    a.train(10)
    b.train(10)
    assert b.params.dataset == "drawn"
    np.testing.assert_array_equal(weights(a), weights(b))


@pytest.mark.parametrize("loss,activation,pack", list(itertools.product(
    ["minimax", "non_saturating", "least_squares", "wasserstein_gp", "hinge"],
    ["relu", "leaky_relu", "tanh", "elu"], [1, 3])))
def test_fast_numpy_gradients_match_torch_autograd(loss, activation, pack):
    p = TrainParams(loss=loss, activation=activation, pack=pack, gp_weight=0, g_output="linear", batch_size=32)
    fast, ref = Trainer(p, backend="numpy"), Trainer(p, backend="torch")
    for t in (fast, ref):
        t.train(3)
    # Compare gradients from identical weights: trajectories may drift apart by float roundoff
    # where a ReLU sits exactly at its kink, which says nothing about the gradient code.
    ref.G.flat[...], ref.D.flat[...] = fast.G.flat, fast.D.flat
    for t in (fast, ref):
        t.step_d()
    scale = np.abs(ref.D.grad).max()
    np.testing.assert_allclose(fast.D.grad, ref.D.grad, atol=1e-4 * scale)
    for t in (fast, ref):
        t.step_g()
    scale = np.abs(ref.G.grad).max()
    np.testing.assert_allclose(fast.G.grad, ref.G.grad, atol=1e-4 * scale)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_optimizers_match_torch(optimizer):
    import torch

    rng = np.random.default_rng(0)
    from ganlab.gan2d.optim import Optimizer

    param = rng.normal(size=10).astype(np.float32)
    ours = Optimizer(optimizer, 10)
    tp = torch.nn.Parameter(torch.tensor(param.copy()))
    kw = {"sgd": dict(momentum=0.5), "adam": dict(betas=(0.5, 0.99)), "rmsprop": dict(momentum=0.3)}[optimizer]
    topt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}[optimizer](
        [tp], lr=0.01, **kw)
    for _ in range(5):
        grad = rng.normal(size=10).astype(np.float32)
        ours.step(param, grad, 0.01, kw.get("momentum", 0.0), 0.5, 0.99)
        tp.grad = torch.tensor(grad)
        topt.step()
    np.testing.assert_allclose(param, tp.detach().numpy(), atol=1e-6)


def test_gradient_penalty_and_r1_train_without_diverging():
    for patch in ({"loss": "wasserstein_gp", "d_optimizer": "adam", "g_optimizer": "adam", "d_lr": 1e-3,
                   "g_lr": 1e-3, "g_output": "linear", "d_steps": 5},
                  {"r1_weight": 1.0}):
        t = Trainer(TrainParams(**patch))
        t.train(100)
        assert t.diverged is None and math.isfinite(t.losses["d_loss"])


def test_higher_noise_dim_and_gaussian_noise_stay_in_unit_cube():
    t = Trainer(TrainParams(noise_dim=256))
    assert t.eval.noise.shape[1] == 256
    assert t.eval.noise.min() >= 0 and t.eval.noise.max() <= 1
    t.train(5)
    assert t.diverged is None


def test_param_schema_declares_every_knob_once_with_kind_bounds_and_labels():
    from ganlab.gan2d.params import STRUCTURAL_KEYS, param_schema

    schema = param_schema()
    props = schema["properties"]
    assert set(props) == set(TrainParams.model_fields)
    for prop in props.values():
        assert prop["x-kind"] in ("hot", "structural") and prop["x-group"] in schema["groups"]
        assert prop["description"] and prop["title"] and "default" in prop
    assert {k for k, p in props.items() if p["x-kind"] == "structural"} == STRUCTURAL_KEYS
    assert props["noise_dim"]["minimum"] == 1 and props["noise_dim"]["maximum"] == 256
    assert props["batch_size"]["maximum"] == 4096 and props["pack"]["maximum"] == 4
    assert set(props["loss"]["enum"]) == {"minimax", "non_saturating", "least_squares", "wasserstein_gp", "hinge"}
    ids = {d["id"] for d in schema["datasets"]}
    assert ids == {"line", "gaussians", "ring", "disjoint", "drawn", "ring8", "grid25", "swiss_roll", "moons",
                   "spiral", "csv"}
    assert "gan_lab" in schema["presets"]


@pytest.mark.parametrize("dataset", ["line", "gaussians", "ring", "disjoint"])
def test_untrained_fakes_start_inside_the_view(dataset):
    """Epoch 0 must show the fakes: G's tanh is mapped onto the view box, not onto (-1, 1)²."""
    for seed in range(10):
        t = Trainer(TrainParams(dataset=dataset, seed=seed))
        fake = t.fields(grid_size=8)["fake"]
        x0, x1, y0, y1 = t.view_box
        inside = (fake[:, 0] >= x0) & (fake[:, 0] <= x1) & (fake[:, 1] >= y0) & (fake[:, 1] <= y1)
        assert inside.mean() >= 0.9, (dataset, seed, inside.mean())
        # and they are not all squeezed into one dot: they cover a visible part of the box
        assert fake.std(axis=0).min() > 0.01, (dataset, seed)
