"""Seeded sample pools and the latent noise distributions.

Drawing 150 points per step one call at a time costs more than the tiny networks do, so
each `Pool` draws many rows at once. Every row is still used once, so each step sees a fresh
batch. A pool remembers the RNG state it was drawn from, so a checkpoint can redraw it exactly.

`FixedPool` is PacGAN's scheme instead: a training set drawn once per run (PacGAN: 100,000
points) and minibatches drawn from it uniformly *with replacement*.

Noise kinds (TrainParams.noise_type), each with the window the manifold view sweeps:
- `uniform`: GAN Lab's U(0, 1) per dimension; window [0, 1].
- `gaussian`: GAN Lab's N(0.5, 0.25²) truncated at ±2 sd, so it stays in [0, 1]; window [0, 1].
- `normal`: the standard normal N(0, I) of the papers (VEEGAN, PacGAN, GDPP); window ±2 sd,
  the same share of the distribution GAN Lab's Gaussian window shows.
- `uniform_centered`: U(−1, 1) per dimension (zero mean, variance 1/3); window [−1, 1].
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

MIN_POOL_ROWS = 16_384

# GAN Lab's Gaussian noise: N(0.5, 0.25²) truncated at ±2 sd, so it stays in [0, 1].
NOISE_MEAN, NOISE_SD = 0.5, 0.25
TRUNCATE_SDS = 2.0

# (low, high) of the latent window the manifold sweeps and the noise thumbnail shows, per kind.
NOISE_WINDOWS: dict[str, tuple[float, float]] = {
    "uniform": (0.0, 1.0), "gaussian": (0.0, 1.0), "normal": (-2.0, 2.0), "uniform_centered": (-1.0, 1.0),
}
# Where the latent axes outside a 2-D manifold slice are held: each kind's mean.
NOISE_CENTERS = {"uniform": 0.5, "gaussian": 0.5, "normal": 0.0, "uniform_centered": 0.0}
# Uniform kinds have a flat density; GAN Lab shades their manifold by cell area alone.
FLAT_NOISE = frozenset({"uniform", "uniform_centered"})


def _truncated_normal(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    z = rng.standard_normal((n, dim), dtype=np.float32)
    bad = np.abs(z) > TRUNCATE_SDS
    while bad.any():  # redraw the ~4.6% outside ±2 sd
        z[bad] = rng.standard_normal(int(bad.sum()), dtype=np.float32)
        bad = np.abs(z) > TRUNCATE_SDS
    return NOISE_MEAN + NOISE_SD * z


def sample_noise(rng: np.random.Generator, n: int, dim: int, kind: str) -> np.ndarray:
    """n latent vectors of one noise kind (see the module docstring). float32 [n, dim]."""
    if kind == "uniform":
        return rng.random((n, dim), dtype=np.float32)
    if kind == "gaussian":
        return _truncated_normal(rng, n, dim)
    if kind == "normal":
        return rng.standard_normal((n, dim), dtype=np.float32)
    if kind == "uniform_centered":
        return 2.0 * rng.random((n, dim), dtype=np.float32) - 1.0
    raise ValueError(f"noise_type: unknown noise kind {kind!r}; choose one of {', '.join(NOISE_WINDOWS)}")


def noise_density(u: np.ndarray, kind: str = "gaussian") -> np.ndarray:
    """2-D density of two latent axes of `kind` at points u [..., 2].

    For GAN Lab's Gaussian this is the untruncated N(0.5, 0.25²), as GAN Lab's manifold uses it;
    for `normal` the standard normal; the uniform kinds are flat over their support.
    """
    if kind == "gaussian":
        d2 = (((u - NOISE_MEAN) / NOISE_SD) ** 2).sum(axis=-1)
        return np.exp(-0.5 * d2) / (2 * np.pi * NOISE_SD**2)
    if kind == "normal":
        return np.exp(-0.5 * (u**2).sum(axis=-1)) / (2 * np.pi)
    low, high = NOISE_WINDOWS[kind]
    inside = ((u >= low) & (u <= high)).all(axis=-1)
    return np.where(inside, 1.0 / (high - low) ** 2, 0.0)


class Pool:
    """Rows drawn ahead of time by `draw(rng, n) -> [n, cols]`, handed out in order."""

    def __init__(self, rng: np.random.Generator, draw: Callable[[np.random.Generator, int], np.ndarray],
                 rows: int = MIN_POOL_ROWS) -> None:
        self.rng = rng
        self.draw = draw
        self.rows = rows
        self._refill()

    def _refill(self) -> None:
        self.state_at_draw = copy.deepcopy(self.rng.bit_generator.state)
        self.data = np.ascontiguousarray(self.draw(self.rng, self.rows), dtype=np.float32)
        self.cursor = 0

    def take(self, n: int) -> np.ndarray:
        if self.cursor + n > self.rows:
            self.rows = max(self.rows, 8 * n)  # the batch size is hot and may grow
            self._refill()
        out = self.data[self.cursor:self.cursor + n]
        self.cursor += n
        return out

    def state(self) -> dict[str, Any]:
        return {"rng": self.state_at_draw, "rows": self.rows, "cursor": self.cursor}

    def restore(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.rows = int(state["rows"])
        self._refill()
        self.cursor = int(state["cursor"])


class FixedPool:
    """PacGAN's training set: `rows` points drawn once from `draw`, then every minibatch is
    `n` indices drawn uniformly with replacement. The points come from `rng`'s stream at
    construction; the indices from it afterwards, so a seed fixes both."""

    def __init__(self, rng: np.random.Generator, draw: Callable[[np.random.Generator, int], np.ndarray],
                 rows: int) -> None:
        if rows < 1:
            raise ValueError(f"data_pool: a fixed pool needs at least 1 row, got {rows}")
        self.rng = rng
        self.rows = rows
        self.data = np.ascontiguousarray(draw(rng, rows), dtype=np.float32)  # [rows, cols], never redrawn

    def take(self, n: int) -> np.ndarray:
        return self.data[self.rng.integers(0, self.rows, size=n)]

    def state(self) -> dict[str, Any]:
        return {"fixed": True, "rows": self.rows, "rng": copy.deepcopy(self.rng.bit_generator.state)}

    def restore(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
