"""Which seed each grid cell passes through, and W between them, as gen_video.py computes it.

Layout: the seed list is repeated to rows*cols*num_keyframes seeds (optionally shuffled with
`RandomState(shuffle_seed)`), and cell (r, c) takes the `num_keyframes` consecutive seeds that
start at (r*cols + c)*num_keyframes. Interpolation: each cell's keyframe ws are tiled 2*wraps+1
times at x = -K*wraps .. K*(wraps+1)-1 and fitted with scipy's interp1d of the chosen kind, so
the spline at 0..K is shaped by the copies on both sides and frame K would equal frame 0 (the
video loops). Frame i sits at t = i / w_frames. All of it in float64, as the official z is.
"""

from __future__ import annotations

import numpy as np
import scipy.interpolate
import torch

from ganlab.stylegan3.render import class_vector, seed_to_z
from ganlab.stylegan3.video.params import VideoParams


def layout_seeds(params: VideoParams) -> np.ndarray:
    """int64 [rows, cols, num_keyframes] seeds."""
    count = params.rows * params.cols * params.keyframes
    seeds = np.array([params.seeds[i % len(params.seeds)] for i in range(count)], dtype=np.int64)
    if params.shuffle_seed is not None:
        np.random.RandomState(seed=params.shuffle_seed).shuffle(seeds)
    return seeds.reshape(params.rows, params.cols, params.keyframes)


@torch.no_grad()
def keyframe_ws(G, params: VideoParams) -> np.ndarray:
    """float64 [rows, cols, num_keyframes, num_ws, w_dim]: the mapping of every layout seed."""
    seeds = layout_seeds(params)
    z = np.concatenate([seed_to_z(int(s), G.z_dim) for s in seeds.reshape(-1)])
    device = G.mapping.w_avg.device
    ws = G.mapping(
        torch.from_numpy(z).to(device, torch.float32),
        class_vector(G, params.class_idx, len(z)),
        truncation_psi=params.truncation_psi,
        truncation_cutoff=params.truncation_cutoff,
    )
    return ws.double().cpu().numpy().reshape(*seeds.shape, *ws.shape[1:])


class WalkInterpolator:
    """ws at any time t in [0, num_keyframes) for every cell: `at(t)` -> [rows, cols, num_ws, w_dim]."""

    def __init__(self, ws: np.ndarray, kind: str = "cubic", wraps: int = 2):
        rows, cols, keyframes = ws.shape[:3]
        if kind in ("quadratic", "cubic") and keyframes * (2 * wraps + 1) <= {"quadratic": 2, "cubic": 3}[kind]:
            kind = "linear"  # too few points for the spline: one seed, no wraps
        x = np.arange(-keyframes * wraps, keyframes * (wraps + 1))
        y = np.tile(np.moveaxis(ws, 2, 0), [wraps * 2 + 1] + [1] * (ws.ndim - 1))  # [x, rows, cols, ...]
        self.keyframes = keyframes
        if len(x) == 1:  # a single seed and no wraps: a still
            self._still = y[0]
            self._fn = None
        else:
            self._fn = scipy.interpolate.interp1d(x, y, kind=kind, axis=0)

    def at(self, t: float) -> np.ndarray:
        return self._still if self._fn is None else self._fn(t)


def frame_times(params: VideoParams) -> np.ndarray:
    """t of every frame: 0, 1/w_frames, ..., num_keyframes - 1/w_frames."""
    return np.arange(params.frames) / params.w_frames
