"""Trainer: one 2D GAN run. An epoch is d_steps D updates then g_steps G updates (GAN Lab's
definition), each on a fresh batch. No I/O here: the server, CLI and sweeps drive it.

Every random stream (initial weights, data, noise, evaluation samples, gradient-penalty
interpolation) is spawned from `params.seed`, so the same params give the same run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganlab.gan2d import checkpoint
from ganlab.gan2d.datasets import Dataset, make_dataset
from ganlab.gan2d.fields import compute_fields
from ganlab.gan2d.losses import LOSSES
from ganlab.gan2d.metrics import histogram, js_divergence, kl_divergence, mode_metrics
from ganlab.gan2d.models import MLP, build_discriminator, build_generator
from ganlab.gan2d.optim import Optimizer
from ganlab.gan2d.params import STRUCTURAL_KEYS, TrainParams
from ganlab.gan2d.sampling import Pool, sample_noise

N_EVAL_REAL = 10_000  # real samples behind the real histogram
N_EVAL_FAKE = 2_500  # fixed-noise fakes behind every metric (VEEGAN/PacGAN draw 2,500)


@dataclass
class EvalSet:
    """Fixed samples drawn once per run, so views and metrics don't flicker with fresh noise."""

    real: np.ndarray  # [N_EVAL_REAL, 2]
    noise: np.ndarray  # [N_EVAL_FAKE, noise_dim]
    real_hist: np.ndarray  # [bins, bins]


class Trainer:
    """Trains G and D on one dataset. See ganlab.gan2d.params.TrainParams for every knob."""

    def __init__(self, params: TrainParams | None = None, points: np.ndarray | None = None,
                 backend: str = "auto") -> None:
        if backend not in ("auto", "numpy", "torch"):
            raise ValueError(f"backend: expected auto, numpy or torch, got {backend!r}")
        self.params = params or TrainParams()
        self.points = None if points is None else np.asarray(points, dtype=np.float64)
        self.backend = backend
        self.run_id = 0
        self._build()

    # --- construction --------------------------------------------------------------------
    def _build(self) -> None:
        p = self.params
        self.dataset: Dataset = make_dataset(p.dataset, self.points)
        init_ss, data_ss, noise_ss, eval_ss, gp_ss = np.random.SeedSequence(p.seed).spawn(5)
        init_rng = np.random.default_rng(init_ss)
        self.G: MLP = build_generator(p.noise_dim, p.g_layers, p.g_width, p.activation, p.g_output,
                                      self.dataset.view_box)
        self.D: MLP = build_discriminator(p.pack, p.d_layers, p.d_width, p.activation)
        self.G.init_gan_lab(init_rng)
        self.D.init_gan_lab(init_rng)
        self.g_opt = Optimizer(p.g_optimizer, self.G.flat.size)
        self.d_opt = Optimizer(p.d_optimizer, self.D.flat.size)
        data, noise_dim, noise_type = self.dataset, p.noise_dim, p.noise_type
        self.data_pool = Pool(np.random.default_rng(data_ss), lambda r, n: data.sample(r, n, p.data_noise))
        self.noise_pool = Pool(np.random.default_rng(noise_ss), lambda r, n: sample_noise(r, n, noise_dim, noise_type))
        self.gp_rng = np.random.default_rng(gp_ss)
        eval_rng = np.random.default_rng(eval_ss)
        real = data.sample(eval_rng, N_EVAL_REAL, p.data_noise).astype(np.float32)
        self.eval = EvalSet(real, sample_noise(eval_rng, N_EVAL_FAKE, noise_dim, noise_type),
                            histogram(real, data.view_box))
        self.epoch = self.step = self.d_updates = self.g_updates = 0
        self.losses: dict[str, float | None] = {"d_loss": None, "g_loss": None}
        self.diverged: str | None = None
        self.last_phase: str | None = None
        self.history: list[dict[str, Any]] = []
        self.run_id += 1

    def reset(self) -> None:
        """Start over with the same params and seed: the same initial weights and data."""
        self._build()

    def apply(self, patch: dict[str, Any]) -> bool:
        """Apply a partial TrainParams. Hot keys take effect at the next step with weights kept;
        structural keys rebuild the models. Returns True if it rebuilt. On any error (a
        pydantic ValidationError or ValueError naming the field) nothing changes."""
        new = self.params.patched(patch)
        changed = {k for k in TrainParams.model_fields if getattr(new, k) != getattr(self.params, k)}
        if changed & STRUCTURAL_KEYS:
            make_dataset(new.dataset, self.points)  # fail before touching state
            self.params = new
            self._build()
            return True
        old, self.params = self.params, new
        if new.g_optimizer != old.g_optimizer:
            self.g_opt = Optimizer(new.g_optimizer, self.G.flat.size)
        if new.d_optimizer != old.d_optimizer:
            self.d_opt = Optimizer(new.d_optimizer, self.D.flat.size)
        return False

    def set_points(self, points: np.ndarray, dataset: str = "drawn") -> None:
        """Use user points (drawn on the unit square, or from a CSV) as the data; rebuilds."""
        if dataset not in ("drawn", "csv"):
            raise ValueError(f"dataset: points go with 'drawn' or 'csv', not {dataset!r}")
        pts = np.asarray(points, dtype=np.float64)
        make_dataset(dataset, pts)  # validates
        self.points = pts
        self.params = self.params.patched({"dataset": dataset})
        self._build()

    # --- training ------------------------------------------------------------------------
    def _use_torch(self) -> bool:
        p = self.params
        penalty = (p.loss == "wasserstein_gp" and p.gp_weight > 0) or p.r1_weight > 0
        return self.backend == "torch" or (self.backend == "auto" and penalty)

    def _batch(self, pool: Pool) -> np.ndarray:
        return pool.take(self.params.batch_size * self.params.pack)

    def step_d(self) -> bool:
        """One discriminator update. Returns False (and does nothing) once diverged."""
        with np.errstate(all="ignore"):  # overflow is caught and reported by _after_step
            return self._step_d()

    def step_g(self) -> bool:
        """One generator update. Returns False (and does nothing) once diverged."""
        with np.errstate(all="ignore"):
            return self._step_g()

    def _step_d(self) -> bool:
        if self.diverged:
            return False
        p, m = self.params, self.params.pack
        real = self._batch(self.data_pool).reshape(-1, 2 * m)  # [B, 2m]: m samples per packed row
        fake = self.G(self._batch(self.noise_pool)).reshape(-1, 2 * m)
        if self._use_torch():
            from ganlab.gan2d import torch_path  # imported on first use: torch costs ~1 s to load

            value = torch_path.d_grads(self.D, real, fake, p, self.gp_rng)
        else:
            h, cache = self.D.forward(np.concatenate([real, fake]))
            value, dhr, dhf = LOSSES[p.loss].d(h[: len(real), 0], h[len(real):, 0], p.real_weight)
            self.D.backward(cache, np.concatenate([dhr, dhf])[:, None], input_grad=False)
        self.d_opt.step(self.D.flat, self.D.grad, p.d_lr, p.d_momentum, p.d_beta1, p.d_beta2)
        self.d_updates += 1
        return self._after_step("d", value, self.D)

    def _step_g(self) -> bool:
        if self.diverged:
            return False
        p, m = self.params, self.params.pack
        z = self._batch(self.noise_pool)
        if self.backend == "torch":
            from ganlab.gan2d import torch_path

            value = torch_path.g_grads(self.G, self.D, z, p)
        else:
            fake, g_cache = self.G.forward(z)  # [B*m, 2]
            h, d_cache = self.D.forward(fake.reshape(-1, 2 * m))
            value, dhf = LOSSES[p.loss].g(h[:, 0])
            dx = self.D.backward(d_cache, dhf[:, None], param_grads=False)  # [B, 2m]
            self.G.backward(g_cache, dx.reshape(-1, 2), input_grad=False)
        self.g_opt.step(self.G.flat, self.G.grad, p.g_lr, p.g_momentum, p.g_beta1, p.g_beta2)
        self.g_updates += 1
        return self._after_step("g", value, self.G)

    def _after_step(self, phase: str, value: float, net: MLP) -> bool:
        self.step += 1
        self.last_phase = phase
        self.losses[f"{phase}_loss"] = value
        if not (math.isfinite(value) and np.isfinite(net.flat.sum())):
            name = "discriminator" if phase == "d" else "generator"
            self.diverged = (f"Training diverged during epoch {self.epoch + 1}, step {self.step}: the {name} "
                             f"loss became {value:g} or its weights overflowed. Lower the learning rates "
                             f"(d_lr={self.params.d_lr:g}, g_lr={self.params.g_lr:g}) and reset.")
            self.losses[f"{phase}_loss"] = None
            return False
        return True

    def train_epoch(self) -> bool:
        """d_steps D updates then g_steps G updates. Returns False once diverged."""
        with np.errstate(all="ignore"):
            for _ in range(self.params.d_steps):
                if not self._step_d():
                    return False
            for _ in range(self.params.g_steps):
                if not self._step_g():
                    return False
        self.epoch += 1
        return True

    def train(self, epochs: int, every: int = 0, callback: Callable[[Trainer, dict], Any] | None = None
              ) -> list[dict[str, Any]]:
        """Run `epochs` epochs; every `every` epochs (and at the end) record metrics and call
        `callback(trainer, row)`. Stops early on divergence. Returns the history."""
        for i in range(1, epochs + 1):
            ok = self.train_epoch()
            if not ok or i == epochs or (every and self.epoch % every == 0):
                row = self.record()
                if callback:
                    callback(self, row)
            if not ok:
                break
        return self.history

    # --- what is shown -------------------------------------------------------------------
    @property
    def view_box(self) -> tuple[float, float, float, float]:
        return self.dataset.view_box

    def eval_fakes(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.G(self.eval.noise)

    def metrics(self) -> dict[str, float | int | None]:
        """Grid KL/JS, plus mode metrics on mixture datasets (see metrics.py)."""
        fakes = self.eval_fakes()
        fake_hist = histogram(fakes, self.view_box)
        out: dict[str, float | int | None] = {"kl": kl_divergence(self.eval.real_hist, fake_hist),
                                              "js": js_divergence(self.eval.real_hist, fake_hist)}
        if self.dataset.modes is not None:
            out.update(mode_metrics(fakes, self.dataset.modes.centers, self.dataset.modes.sds))
        return out

    def record(self) -> dict[str, Any]:
        """Append the current epoch's losses and metrics to the history and return the row."""
        row = {"epoch": self.epoch, "step": self.step, **self.losses, **self.metrics()}
        self.history.append(row)
        return row

    def fields(self, grid_size: int = 64, manifold_size: int = 20, axes: tuple[int, int] = (0, 1)
               ) -> dict[str, np.ndarray]:
        """The arrays every view draws (see fields.py), from the fixed evaluation samples."""
        return compute_fields(self.G, self.D, self.params, self.eval.real, self.eval.noise, self.view_box,
                              grid_size, manifold_size, axes)

    # --- persistence ---------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Everything needed to continue bit-for-bit: (arrays, JSON-able meta)."""
        arrays = {"G.flat": self.G.flat, "D.flat": self.D.flat}
        for name, opt in (("g_opt", self.g_opt), ("d_opt", self.d_opt)):
            arrays.update({f"{name}.{k}": v for k, v in opt.state().items()})
        if self.points is not None:
            arrays["points"] = self.points.astype(np.float64)
        meta = {
            "params": self.params.model_dump(), "backend": self.backend,
            "counters": {"epoch": self.epoch, "step": self.step, "d_updates": self.d_updates,
                         "g_updates": self.g_updates, "g_opt_t": self.g_opt.t, "d_opt_t": self.d_opt.t},
            "pools": {"data": self.data_pool.state(), "noise": self.noise_pool.state()},
            "gp_rng": self.gp_rng.bit_generator.state,
            "losses": self.losses, "diverged": self.diverged, "last_phase": self.last_phase,
            "history": self.history, "layers": {"G": self.G.sizes, "D": self.D.sizes},
        }
        return arrays, meta

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.G.flat[...] = arrays["G.flat"]
        self.D.flat[...] = arrays["D.flat"]
        c = meta["counters"]
        self.g_opt.load(c["g_opt_t"], {k: arrays[f"g_opt.{k}"] for k in ("buf", "sq")})
        self.d_opt.load(c["d_opt_t"], {k: arrays[f"d_opt.{k}"] for k in ("buf", "sq")})
        self.data_pool.restore(meta["pools"]["data"])
        self.noise_pool.restore(meta["pools"]["noise"])
        self.gp_rng.bit_generator.state = meta["gp_rng"]
        self.epoch, self.step, self.d_updates, self.g_updates = c["epoch"], c["step"], c["d_updates"], c["g_updates"]
        self.losses, self.diverged, self.last_phase = meta["losses"], meta["diverged"], meta["last_phase"]
        self.history = meta["history"]

    def save(self, directory: str) -> None:
        """Write the full state to a folder (checkpoint.py); `Trainer.load` continues from it."""
        checkpoint.write(directory, *self.state())

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Trainer:
        """The Trainer that `state()` described, continuing bit-for-bit (a server's snapshots use it)."""
        t = cls(TrainParams.model_validate(meta["params"]), points=arrays.get("points"), backend=meta["backend"])
        t._restore(arrays, meta)
        return t

    @classmethod
    def load(cls, directory: str) -> Trainer:
        return cls.from_state(*checkpoint.read(directory))
