"""How close the fake distribution is to the real one.

Grid divergences compare two 2-D histograms normalised over the *same* grid (GAN Lab's own
charts count only a third of its real samples and drop fake points that leave the unit
square: shared/reference/ganlab.md §1.5). Points outside the view box are clipped into the
edge cells, so every sample counts; non-finite points (from a diverged generator) go to an
extra overflow cell that real data never fills. JS is exact (natural log, so disjoint histograms give
ln 2). KL(real‖fake) is infinite whenever the fakes miss a cell the data uses, so both
histograms get ε = 1e-4 added per cell and are renormalised before the KL.

Mode metrics follow VEEGAN and PacGAN: each generated sample goes to its nearest mode
centre; it is high quality if it lies within 3σ of that centre (per axis σ, so the distance
is measured in sds); a mode is captured if at least one high-quality sample lands on it;
reverse KL is Σ p_k log(K p_k) over the high-quality samples' mode frequencies.
"""

from __future__ import annotations

import numpy as np

HIST_BINS = 30  # GAN Lab's grid
KL_EPS = 1e-4
HQ_SDS = 3.0


def histogram(points: np.ndarray, view_box: tuple[float, float, float, float], bins: int = HIST_BINS) -> np.ndarray:
    """Normalised [bins, bins] histogram (row = y), out-of-box points clipped into edge cells."""
    x0, x1, y0, y1 = view_box
    finite = points[np.isfinite(points).all(axis=1)]
    # clip in float first: a far-away point must not overflow the integer cast
    ix = np.clip((finite[:, 0] - x0) / (x1 - x0) * bins, 0, bins - 1).astype(np.int64)
    iy = np.clip((finite[:, 1] - y0) / (y1 - y0) * bins, 0, bins - 1).astype(np.int64)
    counts = np.bincount(iy * bins + ix, minlength=bins * bins).astype(np.float64)
    return (counts / max(len(points), 1)).reshape(bins, bins)


def with_overflow(h: np.ndarray) -> np.ndarray:
    """The histogram plus one overflow cell holding the mass of non-finite points (a diverged
    generator's), so both distributions sum to 1 and such points count as maximally wrong."""
    flat = h.ravel()
    return np.append(flat, max(0.0, 1.0 - float(flat.sum())))


def kl_divergence(p: np.ndarray, q: np.ndarray, eps: float = KL_EPS) -> float:
    """KL(p‖q) in nats after ε-smoothing both histograms."""
    p, q = with_overflow(p), with_overflow(q)
    ps = (p + eps) / (p.sum() + eps * p.size)
    qs = (q + eps) / (q.sum() + eps * q.size)
    return float(np.sum(ps * np.log(ps / qs)))


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in nats, in [0, ln 2]; 0·log 0 counts as 0."""
    p, q = with_overflow(p), with_overflow(q)
    m = 0.5 * (p + q)

    def part(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    return max(0.5 * (part(p) + part(q)), 0.0)


def mode_metrics(samples: np.ndarray, centers: np.ndarray, sds: np.ndarray) -> dict[str, float | int | None]:
    """modes_captured, num_modes, hq_fraction and reverse_kl (None when no sample is high quality)."""
    k = len(centers)
    finite = samples[np.isfinite(samples).all(axis=1)]
    d2 = ((finite[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)  # [N, K]
    nearest = d2.argmin(axis=1)
    # distance in units of the mode's own sd (per axis), so anisotropic modes are fair
    scaled = np.sqrt((((finite - centers[nearest]) / sds[nearest]) ** 2).sum(axis=1))
    hq = scaled <= HQ_SDS
    counts = np.bincount(nearest[hq], minlength=k)
    n_hq = int(counts.sum())
    reverse_kl = None
    if n_hq:
        p = counts[counts > 0] / n_hq
        reverse_kl = float(np.sum(p * np.log(k * p)))
    return {
        "modes_captured": int((counts > 0).sum()),
        "num_modes": k,
        "hq_fraction": n_hq / max(len(samples), 1),
        "reverse_kl": reverse_kl,
    }
