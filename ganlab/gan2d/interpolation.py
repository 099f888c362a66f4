"""Latent interpolation through G: how smooth is the path, and does it stay on the data?

The 2-D analogue of StyleGAN's perceptual path length. Draw pairs of endpoints z0, z1 from the
noise distribution, walk `steps` even steps from one to the other, push every point through G
and measure
- `step2`: the mean squared distance between neighbouring outputs (data units²; smaller is
  smoother for the same number of steps), and
- `hq`: on mixture datasets, the share of all interpolated outputs that land within 3σ of their
  nearest mode (the high-quality rule of the mode metrics).

Paths: `lerp` walks the straight line (right for the uniform kinds, whose support is a box).
`slerp` walks the great circle about the distribution's mean, with the radius interpolated
linearly (White 2016): for a Gaussian the straight line's midpoints fall towards the mean, where
a high-dimensional Gaussian has almost no mass, while slerp keeps a typical radius. It applies
to the Gaussian kinds only (`normal`, and GAN Lab's `gaussian` about its mean 0.5).
"""

from __future__ import annotations

import numpy as np

from ganlab.gan2d.datasets import Modes
from ganlab.gan2d.metrics import mode_metrics
from ganlab.gan2d.models import MLP
from ganlab.gan2d.sampling import NOISE_CENTERS, sample_noise

GAUSSIAN_KINDS = frozenset({"normal", "gaussian"})
N_PATHS, N_STEPS = 256, 16


def lerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """[P, D] endpoints, [T] fractions -> [P, T, D] points on the straight lines."""
    return z0[:, None, :] + t[None, :, None] * (z1 - z0)[:, None, :]


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray, center: float = 0.0) -> np.ndarray:
    """[P, D] endpoints, [T] fractions -> [P, T, D]: the great circle about `center`, radius lerped."""
    a, b = z0 - center, z1 - center
    ra, rb = np.linalg.norm(a, axis=1, keepdims=True), np.linalg.norm(b, axis=1, keepdims=True)  # [P, 1]
    ua, ub = a / np.maximum(ra, 1e-12), b / np.maximum(rb, 1e-12)
    omega = np.arccos(np.clip((ua * ub).sum(axis=1, keepdims=True), -1.0, 1.0))  # [P, 1]
    sin = np.maximum(np.sin(omega), 1e-8)
    wa = np.sin((1 - t)[None, :] * omega) / sin  # [P, T]
    wb = np.sin(t[None, :] * omega) / sin
    near = omega < 1e-4  # (almost) parallel endpoints: the straight line is the limit
    wa, wb = np.where(near, 1 - t[None, :], wa), np.where(near, t[None, :], wb)
    direction = wa[..., None] * ua[:, None, :] + wb[..., None] * ub[:, None, :]  # [P, T, D]
    direction /= np.maximum(np.linalg.norm(direction, axis=2, keepdims=True), 1e-12)
    radius = ra + t[None, :] * (rb - ra)  # [P, T]
    return center + radius[..., None] * direction


def path_metrics(G: MLP, z: np.ndarray, modes: Modes | None) -> dict[str, float | None]:
    """z [P, T, D] paths -> step2 and hq of their images under G."""
    paths, steps, dim = z.shape
    with np.errstate(all="ignore"):
        x = G(z.reshape(-1, dim).astype(np.float32)).reshape(paths, steps, 2)
    step2 = float(np.mean(((x[:, 1:] - x[:, :-1]) ** 2).sum(axis=2)))
    hq = None
    if modes is not None:
        hq = float(mode_metrics(x.reshape(-1, 2), modes.centers, modes.sds)["hq_fraction"])
    return {"step2": step2 if np.isfinite(step2) else None, "hq": hq}


def interpolation_metrics(G: MLP, noise_type: str, noise_dim: int, modes: Modes | None, seed: int = 0,
                          paths: int = N_PATHS, steps: int = N_STEPS) -> dict[str, float | None]:
    """`interp_lerp_step2`, `interp_lerp_hq` and, for the Gaussian kinds, the `slerp` pair."""
    rng = np.random.default_rng(seed)
    z0, z1 = (sample_noise(rng, paths, noise_dim, noise_type).astype(np.float64) for _ in range(2))
    t = np.linspace(0.0, 1.0, steps + 1)
    out: dict[str, float | None] = {}
    kinds = ["lerp", "slerp"] if noise_type in GAUSSIAN_KINDS and noise_dim > 1 else ["lerp"]
    for kind in kinds:
        z = lerp(z0, z1, t) if kind == "lerp" else slerp(z0, z1, t, NOISE_CENTERS[noise_type])
        for key, value in path_metrics(G, z, modes).items():
            out[f"interp_{kind}_{key}"] = value
    return out
