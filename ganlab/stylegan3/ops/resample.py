"""1-D up-sample / FIR / down-sample passes as banded matrix products (the fast path's engine).

A 1-D `upfirdn` along one axis is linear and shift-invariant, so for a fixed input length it is
a fixed banded matrix M [L_out, L_in]. We build M once by pushing unit impulses through the
literal 1-D algorithm, then apply it in tiles of output samples: each tile multiplies only the
input span its band touches. That gives
* polyphase up-sampling for free: the inserted zeros never enter a product;
* the down filter evaluated only at the kept samples: M has only L_out rows;
* dense matrix-multiply throughput (CPU BLAS or CUDA GEMM) instead of depthwise convolutions.
A 2-D radial filter is split into a few separable terms by SVD (its singular values fall off
very fast, so 4 terms reproduce it to ~1e-10 relative).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

# Output samples per tile: small enough that each tile's input span stays short (few wasted
# multiplies), large enough that the per-call overhead stays negligible.
TILE_OUT = 64
SVD_REL_TOL = 1e-8


def upfirdn1d_matrix(taps: tuple[float, ...], up: int, down: int, pad0: int, pad1: int, gain: float,
                     length: int) -> np.ndarray:
    """The [L_out, L_in] matrix of zero-insert, pad/crop, true convolution with taps, keep every down-th."""
    f = np.asarray(taps, dtype=np.float64) * gain
    eye = np.eye(length)
    x = np.zeros((length, length * up))
    x[:, ::up] = eye  # zero insertion: sample i lands at i*up
    x = np.pad(x, [(0, 0), (max(pad0, 0), max(pad1, 0))])
    x = x[:, max(-pad0, 0) : x.shape[1] - max(-pad1, 0)]
    y = np.stack([np.convolve(row, f, mode="valid") for row in x])  # true convolution, as upfirdn2d
    return np.ascontiguousarray(y[:, ::down].T)  # [L_out, L_in]


class BandedPass:
    """Apply a banded 1-D matrix along the W axis (x @ M.T) or the H axis (M @ x), tile by tile."""

    def __init__(self, matrix: np.ndarray, dtype: torch.dtype, device: torch.device):
        self.out_len, self.in_len = matrix.shape
        self.tiles = []
        for j0 in range(0, self.out_len, TILE_OUT):
            block = matrix[j0 : j0 + TILE_OUT]
            cols = np.flatnonzero(np.abs(block).sum(axis=0))
            i0, i1 = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, 1)
            tile = torch.as_tensor(block[:, i0:i1], dtype=torch.float32).to(device=device, dtype=dtype)
            self.tiles.append((i0, i1, tile))  # tile [rows, span]

    def along_w(self, x: torch.Tensor) -> torch.Tensor:
        """x [..., L_in] -> [..., L_out]."""
        return torch.cat([x[..., i0:i1] @ t.t() for i0, i1, t in self.tiles], dim=-1)

    def along_h(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, L_in, W] -> [B, L_out, W]."""
        return torch.cat([torch.matmul(t, x[:, i0:i1]) for i0, i1, t in self.tiles], dim=1)


@functools.lru_cache(maxsize=256)
def _cached_pass(taps, up, down, pad0, pad1, gain, length, dtype, device) -> BandedPass:
    return BandedPass(upfirdn1d_matrix(taps, up, down, pad0, pad1, gain, length), dtype, device)


def banded_pass(f: torch.Tensor | None, up: int, down: int, pad0: int, pad1: int, gain: float, length: int,
                dtype: torch.dtype, device: torch.device) -> BandedPass:
    """Cached BandedPass for a 1-D filter (None = identity) and a fixed input length."""
    taps = (1.0,) if f is None else tuple(float(v) for v in f.detach().cpu().double().tolist())
    return _cached_pass(taps, up, down, pad0, pad1, float(gain), length, dtype, torch.device(device))


@functools.lru_cache(maxsize=64)
def _separable_terms(taps2d: tuple[tuple[float, ...], ...]) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    f = np.asarray(taps2d, dtype=np.float64)
    u, s, vt = np.linalg.svd(f)
    keep = int(np.sum(s > s[0] * SVD_REL_TOL))
    # f = sum_k s_k u_k v_k^T: column filter u_k*s_k runs along H, row filter v_k along W.
    return [(tuple(u[:, k] * s[k]), tuple(vt[k])) for k in range(keep)]


def separable_terms(f2d: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Split a 2-D filter into (column filter, row filter) pairs whose outer products sum to it."""
    taps = tuple(tuple(row) for row in f2d.detach().cpu().double().tolist())
    return [(torch.tensor(c, dtype=torch.float64), torch.tensor(r, dtype=torch.float64))
            for c, r in _separable_terms(taps)]
