"""Target distributions: seeded samplers plus what the views and metrics need to know.

GAN Lab's four datasets live in the unit square exactly as GAN Lab defines them
(shared/reference/ganlab.md §1.2). The mode-collapse benchmarks follow VEEGAN/PacGAN:
a ring of 8 Gaussians (radius 1, σ 0.01) and a 5×5 grid of Gaussians (spacing 2, σ 0.05).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganlab.gan2d.csvdata import check_extent, parse_csv_points

__all__ = ["DATASETS", "Dataset", "Modes", "make_dataset", "dataset_catalog", "parse_csv_points", "square_box"]

Sampler = Callable[[np.random.Generator, int, float], np.ndarray]


@dataclass(frozen=True)
class Modes:
    """Mixture components, for the mode metrics: centres [K,2] and per-axis sds [K,2]."""

    centers: np.ndarray
    sds: np.ndarray


@dataclass(frozen=True)
class Dataset:
    slug: str
    label: str
    sample: Sampler  # (rng, n, noise_scale) -> float32 [n, 2]
    view_box: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax: what the views and histograms cover
    modes: Modes | None = None


UNIT_BOX = (0.0, 1.0, 0.0, 1.0)


def _mixture(rng: np.random.Generator, n: int, centers: np.ndarray, sds: np.ndarray) -> np.ndarray:
    k = rng.integers(0, len(centers), size=n)
    return centers[k] + sds[k] * rng.standard_normal((n, 2))


def sample_line(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    u = rng.random(n)
    x = 0.8 - 0.75 * u + 0.01 * noise * rng.standard_normal(n)
    y = 0.6 + 0.3 * u + 0.01 * noise * rng.standard_normal(n)
    return np.stack([x, y], axis=1)


GAUSSIANS = Modes(np.array([[0.3, 0.7], [0.7, 0.4]]), np.array([[0.1, 0.1], [0.05, 0.2]]))


def sample_gaussians(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    return _mixture(rng, n, GAUSSIANS.centers, GAUSSIANS.sds * noise)


def sample_ring(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    theta = 2 * np.pi * rng.random(n)
    x = 0.5 + 0.3 * np.cos(theta) + 0.025 * noise * rng.standard_normal(n)
    y = 0.45 + 0.25 * np.sin(theta) + 0.025 * noise * rng.standard_normal(n)
    return np.stack([x, y], axis=1)


DISJOINT = Modes(np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]]), np.full((3, 2), 0.025))


def sample_disjoint(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    return _mixture(rng, n, DISJOINT.centers, DISJOINT.sds * noise)


_ANGLES = 2 * np.pi * np.arange(8) / 8
RING8 = Modes(np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], axis=1), np.full((8, 2), 0.01))
_GRID = np.arange(-4.0, 5.0, 2.0)
GRID25 = Modes(np.array([[x, y] for x in _GRID for y in _GRID]), np.full((25, 2), 0.05))


def sample_ring8(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    return _mixture(rng, n, RING8.centers, RING8.sds * noise)


def sample_grid25(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    return _mixture(rng, n, GRID25.centers, GRID25.sds * noise)


def sample_swiss_roll(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    t = 1.5 * np.pi * (1 + 2 * rng.random(n))
    pts = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 7.5  # [n, 2], radius up to ~1.9
    return pts + 0.03 * noise * rng.standard_normal((n, 2))


def sample_moons(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    theta = np.pi * rng.random(n)
    lower = rng.random(n) < 0.5
    x = np.where(lower, 1 - np.cos(theta), np.cos(theta)) - 0.5
    y = np.where(lower, 0.5 - np.sin(theta), np.sin(theta)) - 0.25
    return np.stack([x, y], axis=1) + 0.05 * noise * rng.standard_normal((n, 2))


def sample_spiral(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    t = np.sqrt(rng.random(n))  # sqrt spreads points evenly along the growing arm
    theta = 3 * np.pi * t + np.pi * rng.integers(0, 2, size=n)
    pts = np.stack([t * np.cos(theta), t * np.sin(theta)], axis=1)
    return pts + 0.02 * noise * rng.standard_normal((n, 2))


def _as_points(points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"points: expected a non-empty list of [x, y] pairs, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("points: every coordinate must be a finite number")
    return pts


def points_sampler(points: np.ndarray, jitter: float) -> Sampler:
    """GAN Lab's drawn-data sampler: a stored point chosen uniformly, plus isotropic N(0, jitter²)."""
    pts = _as_points(points)

    def sample(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
        return pts[rng.integers(0, len(pts), size=n)] + jitter * noise * rng.standard_normal((n, 2))

    return sample


def square_box(points: np.ndarray, pad: float = 0.1) -> tuple[float, float, float, float]:
    """A square view box around the points, padded by `pad` of its side."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    center, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3) * (1 + pad)
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


def _registry() -> dict[str, Dataset]:
    items = [
        Dataset("line", "Simple line", sample_line, UNIT_BOX),
        Dataset("gaussians", "Mixture of Gaussians", sample_gaussians, UNIT_BOX, GAUSSIANS),
        Dataset("ring", "Ring", sample_ring, UNIT_BOX),
        Dataset("disjoint", "3 disjoint regions", sample_disjoint, UNIT_BOX, DISJOINT),
        Dataset("ring8", "Ring of 8 Gaussians", sample_ring8, (-1.5, 1.5, -1.5, 1.5), RING8),
        Dataset("grid25", "Grid of 25 Gaussians", sample_grid25, (-5.0, 5.0, -5.0, 5.0), GRID25),
        Dataset("swiss_roll", "Swiss roll", sample_swiss_roll, (-2.2, 2.2, -2.2, 2.2)),
        Dataset("moons", "Two moons", sample_moons, (-1.6, 1.6, -1.6, 1.6)),
        Dataset("spiral", "Spiral", sample_spiral, (-1.2, 1.2, -1.2, 1.2)),
    ]
    return {d.slug: d for d in items}


DATASETS: dict[str, Dataset] = _registry()
# Datasets made of user points; they need `points` to build.
POINT_DATASETS = {"drawn": "Draw one by yourself", "csv": "Uploaded CSV"}
DRAWN_JITTER = 0.02


def make_dataset(slug: str, points: np.ndarray | None = None) -> Dataset:
    """The dataset for a TrainParams.dataset slug; drawn/csv ones are built from `points`."""
    if slug in DATASETS:
        return DATASETS[slug]
    if slug not in POINT_DATASETS:
        raise ValueError(f"dataset: unknown dataset {slug!r}")
    if points is None:
        raise ValueError(f"dataset: {slug!r} needs points; draw some or upload a CSV of x,y rows")
    pts = _as_points(points)
    # Drawn points live on the unit-square canvas, as in GAN Lab; CSV data brings its own extent.
    check_extent(pts, box=UNIT_BOX if slug == "drawn" else None)
    box = UNIT_BOX if slug == "drawn" else square_box(pts)
    return Dataset(slug, POINT_DATASETS[slug], points_sampler(pts, DRAWN_JITTER if slug == "drawn" else 0.0), box)


def dataset_catalog() -> list[dict]:
    """What the UI lists: slug, label, whether mode metrics apply, and the view box."""
    rows = [{"id": d.slug, "label": d.label, "mixture": d.modes is not None, "view_box": list(d.view_box)}
            for d in DATASETS.values()]
    rows += [{"id": slug, "label": label, "mixture": False, "view_box": list(UNIT_BOX) if slug == "drawn" else None}
             for slug, label in POINT_DATASETS.items()]
    return rows
