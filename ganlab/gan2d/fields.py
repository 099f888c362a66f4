"""What the GAN Lab views draw, as float32 arrays ready to send (shared/reference/ganlab.md §1.5).

- d_grid: D's output at the centres of a grid over the view box (row = y from the bottom).
- real / fake: fixed sample sets, so dots move smoothly instead of flickering with fresh noise.
- real_d / fake_d: D's output at those samples, for colouring the prediction dots.
- gradients: ∇ₓD at each fake sample, in data units: GAN Lab draws the arrow tip at x + 0.15·∇D.
- noise: the fixed noise (first two dims), for the graph's noise thumbnail, in window units:
  the noise kind's window (sampling.NOISE_WINDOWS: [0, 1] for GAN Lab's kinds, ±2 for N(0, I),
  ±1 for U(−1, 1)) mapped onto [0, 1], so the thumbnail shows the part of z space the
  manifold covers whatever the kind.
- manifold: a grid over that window pushed through G. With more than two noise dims it is a
  2-D slice: the two chosen axes sweep the window and the rest stay at the kind's mean.
- manifold_opacity: GAN Lab's density shading per manifold cell (see `_opacity`).

"D's output" is a probability for the log and least-squares losses. A critic's raw score has
no fixed scale, so it is mapped to [0, 1] by a tanh centred between the mean scores of real
and fake samples and scaled by the score's spread over the grid.
"""

from __future__ import annotations

import numpy as np

from ganlab.gan2d.losses import LOSSES, sigmoid
from ganlab.gan2d.models import MLP
from ganlab.gan2d.params import TrainParams
from ganlab.gan2d.sampling import FLAT_NOISE, NOISE_CENTERS, NOISE_WINDOWS, noise_density

N_SHOW_REAL = 450  # GAN Lab shows 450 real and 150 fake dots; fakes are cheap, so show 300
N_SHOW_FAKE = 300


def grid_centers(view_box: tuple[float, float, float, float], size: int) -> np.ndarray:
    """[size*size, 2] cell centres, x varying fastest, y from the bottom."""
    x0, x1, y0, y1 = view_box
    xs = x0 + (np.arange(size) + 0.5) / size * (x1 - x0)
    ys = y0 + (np.arange(size) + 0.5) / size * (y1 - y0)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def d_scores(D: MLP, params: TrainParams, points: np.ndarray, want_grad: bool = False
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw D output per point (each point tiled `pack` times) and, if asked, d(output)/dx [N, 2]."""
    m = params.pack
    h, cache = D.forward(np.tile(points, (1, m)))  # [N, 2m] -> [N, 1]
    h = h[:, 0]
    if not want_grad:
        return h, None
    probability = not LOSSES[params.loss].critic
    dout = sigmoid(h) * (1 - sigmoid(h)) if probability else np.ones_like(h)
    grad = D.backward(cache, dout[:, None].astype(np.float32), param_grads=False)  # [N, 2m]
    return h, grad.reshape(len(points), m, 2).sum(axis=1)


def display_map(loss: str, grid_h: np.ndarray, real_h: np.ndarray, fake_h: np.ndarray):
    """Maps raw D output to [0, 1] for colouring (see the module docstring)."""
    if not LOSSES[loss].critic:
        return sigmoid

    center = 0.5 * (float(real_h.mean()) + float(fake_h.mean()))
    scale = float(grid_h.std()) + 1e-6
    return lambda h: 0.5 + 0.5 * np.tanh((h - center) / scale)


def manifold(G: MLP, params: TrainParams, size: int, axes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """G applied to a (size+1)² grid over the noise window (size+1 points for 1-D noise), and cell opacities."""
    dim, kind = params.noise_dim, params.noise_type
    low, high = NOISE_WINDOWS[kind]
    ticks = np.linspace(low, high, size + 1, dtype=np.float32)
    if dim == 1:
        return G(ticks[:, None]), np.zeros(0, np.float32)
    a, b = axes
    if not (0 <= a < dim and 0 <= b < dim and a != b):
        raise ValueError(f"axes: need two different latent axes in 0–{dim - 1}, got {axes}")
    u, v = np.meshgrid(ticks, ticks)
    z = np.full((u.size, dim), NOISE_CENTERS[kind], dtype=np.float32)
    z[:, a], z[:, b] = u.ravel(), v.ravel()
    pts = G(z)  # [(size+1)^2, 2], row-major in v then u
    return pts, _opacity(pts.reshape(size + 1, size + 1, 2), kind, ticks)


def _opacity(grid: np.ndarray, noise_type: str, ticks: np.ndarray) -> np.ndarray:
    """GAN Lab's rule: cells that G stretches (large area) are fainter, squeezed ones darker.

    Flat (uniform) kinds: max(0.9 − 0.4·S²·area_norm, 0.1), GAN Lab's uniform rule. Gaussian
    kinds: min(0.1 + 0.2·mass / area_norm, 0.9), where mass = p(cell centre) × the cell's area in
    z space is the noise probability the cell carries and area_norm its share of the mapped
    area. On GAN Lab's [0, 1] window a cell's z area is 1/S², so this is exactly GAN Lab's
    p / (S²·area_norm); on N(0, I)'s ±2 window it uses the standard normal's own density.
    """
    p00, p10, p11, p01 = grid[:-1, :-1], grid[:-1, 1:], grid[1:, 1:], grid[1:, :-1]
    quad = np.stack([p00, p10, p11, p01], axis=2)  # [S, S, 4, 2] corners in order
    x, y = quad[..., 0], quad[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=2) - np.roll(x, -1, axis=2) * y).sum(axis=2))  # shoelace
    cells = area.size
    area_norm = area / max(float(area.sum()), 1e-12)
    if noise_type in FLAT_NOISE:
        op = np.maximum(0.9 - 0.4 * cells * area_norm, 0.1)
    else:
        mid = (ticks[:-1] + ticks[1:]) / 2
        cu, cv = np.meshgrid(mid, mid)
        mass = noise_density(np.stack([cu, cv], axis=-1), noise_type) * float(ticks[1] - ticks[0]) ** 2
        op = np.minimum(0.1 + 0.2 * mass / np.maximum(area_norm, 1e-12), 0.9)
    return op.astype(np.float32).ravel()


def noise_view(noise: np.ndarray, kind: str) -> np.ndarray:
    """The first two noise dims in window units ([0, 1] across the kind's window), for the thumbnail."""
    low, high = NOISE_WINDOWS[kind]
    return (noise[:, :2] - low) / (high - low)


def compute_fields(G: MLP, D: MLP, params: TrainParams, real: np.ndarray, noise: np.ndarray,
                   view_box: tuple[float, float, float, float], grid_size: int = 64, manifold_size: int = 20,
                   axes: tuple[int, int] = (0, 1)) -> dict[str, np.ndarray]:
    """Every view's arrays for networks G and D, from fixed real samples and fixed noise."""
    if not 2 <= grid_size <= 256:
        raise ValueError(f"grid_size: expected 2–256, got {grid_size}")
    with np.errstate(all="ignore"):  # a diverged run may overflow; the result is sanitised below
        real, noise = real[:N_SHOW_REAL], noise[:N_SHOW_FAKE]
        fake = G(noise)
        grid_h, _ = d_scores(D, params, grid_centers(view_box, grid_size))
        real_h, _ = d_scores(D, params, real)
        fake_h, grads = d_scores(D, params, fake, want_grad=True)
        show = display_map(params.loss, grid_h, real_h, fake_h)
        mani, opacity = manifold(G, params, manifold_size, axes)
        out = {
            "real": real, "real_d": show(real_h), "fake": fake, "fake_d": show(fake_h),
            "d_grid": show(grid_h).reshape(grid_size, grid_size), "gradients": grads,
            "noise": noise_view(noise, params.noise_type), "manifold": mani, "manifold_opacity": opacity,
        }
    # A diverged run can leave non-finite values; never hand garbage to a renderer.
    return {k: np.nan_to_num(np.asarray(v, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
            for k, v in out.items()}
