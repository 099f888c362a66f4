"""Seeded sample pools: batches are consecutive slices of a pre-drawn pool, refilled when used up.

Drawing 150 points per step one call at a time costs more than the tiny networks do, so
each pool draws many rows at once. Every row is still used once, so each step sees a fresh
batch. A pool remembers the RNG state it was drawn from, so a checkpoint can redraw it exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

MIN_POOL_ROWS = 16_384

# GAN Lab's Gaussian noise: N(0.5, 0.25²) truncated at ±2 sd, so it stays in [0, 1].
NOISE_MEAN, NOISE_SD = 0.5, 0.25


def sample_noise(rng: np.random.Generator, n: int, dim: int, kind: str) -> np.ndarray:
    """GAN Lab's noise: U(0,1) per dimension, or its truncated normal. float32 [n, dim]."""
    if kind == "uniform":
        return rng.random((n, dim), dtype=np.float32)
    z = rng.standard_normal((n, dim), dtype=np.float32)
    bad = np.abs(z) > 2
    while bad.any():  # redraw the ~4.6% outside ±2 sd
        z[bad] = rng.standard_normal(int(bad.sum()), dtype=np.float32)
        bad = np.abs(z) > 2
    return NOISE_MEAN + NOISE_SD * z


def noise_density(u: np.ndarray) -> np.ndarray:
    """Density of the (untruncated) 2-D N(0.5, 0.25²) at points u [..., 2], as GAN Lab's manifold uses."""
    d2 = (((u - NOISE_MEAN) / NOISE_SD) ** 2).sum(axis=-1)
    return np.exp(-0.5 * d2) / (2 * np.pi * NOISE_SD**2)


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
