"""1-D up-sample / FIR / down-sample passes as banded matrix products (the fast path's engine).

A 1-D `upfirdn` along one axis is linear and shift-invariant: every block of `tile` outputs is
the same small matrix [tile, span] applied to an input window that advances by a fixed step.
The input is cut into those windows with `unfold` and multiplied in one matrix product, so each
output only touches the input span its band reaches. That gives
* polyphase up-sampling for free: the inserted zeros never enter a product;
* the down filter evaluated only at the kept samples (rows exist only for kept outputs);
* dense matrix-multiply throughput (CPU BLAS or CUDA GEMM) instead of depthwise convolutions.
A 2-D radial filter is split into a few separable terms by SVD (its singular values fall off
very fast, so 4 terms reproduce it to ~1e-10 relative).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

# Input samples one tile of outputs should roughly cover: short spans waste few multiplies on
# taps outside the band, long ones give bigger, more efficient matrix products.
TILE_SPAN = 32
SVD_REL_TOL = 1e-8


class BandedPass:
    """A 1-D upfirdn along W (last axis) or H (axis 1) as one batched matrix product.

    The op is shift-invariant, so every block of `tile` consecutive outputs is the same small
    matrix A [tile, span] applied to an input window that advances by a fixed step. We cut the
    (zero-padded) input into those overlapping windows with `unfold` and run a single matmul:
    no zero multiplications from up-sampling, only kept samples computed when down-sampling.
    """

    def __init__(self, taps, up, down, pad0, length, out_len, tile, dtype, device):
        f = np.asarray(taps, dtype=np.float64)
        t = f.size
        lo0 = -(pad0 // up)  # first input of tile 0: ceil(-pad0 / up)
        r0 = -pad0 - up * lo0  # phase offset, in (-up, 0]
        self.span = (down * (tile - 1) + t - 1 + r0) // up + 1
        self.step = down * tile // up
        jj, ii = np.meshgrid(np.arange(tile), np.arange(self.span), indexing="ij")
        idx = down * jj + t - 1 + r0 - up * ii  # which tap links output jj to window input ii
        a = np.where((idx >= 0) & (idx < t), f[np.clip(idx, 0, t - 1)], 0.0)
        self.matrix = torch.as_tensor(a, dtype=torch.float32).to(device=device, dtype=dtype)  # [tile, span]
        self.matrix_t = self.matrix.t().contiguous()  # [span, tile]
        self.out_len, self.tile = out_len, tile
        # A pure down-sampling pass reads only real samples: skip the (costly, full-size) padding
        # and cover a last partial tile with one extra tile that ends exactly at out_len.
        self.pad_free = up == 1 and pad0 == 0 and out_len >= tile
        self.blocks = out_len // tile if self.pad_free else -(-out_len // tile)
        self.rem = out_len - self.blocks * tile if self.pad_free else 0
        self.tail_start = down * (out_len - tile)
        self.pad_lo = max(0, -lo0)
        self.start = lo0 + self.pad_lo
        self.pad_hi = max(0, self.start + (self.blocks - 1) * self.step + self.span - (length + self.pad_lo))

    def along_w(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, H, L_in] -> [B, H, L_out]."""
        lead = x.shape[:-1]
        if not self.pad_free:
            x = torch.nn.functional.pad(x, [self.pad_lo, self.pad_hi])[..., self.start :]
        win = x.unfold(-1, self.span, self.step)[..., : self.blocks, :]  # [B, H, blocks, span]
        # An explicit 2-D product: torch.matmul on the 4-D strided view takes a very slow path.
        y = (win.reshape(-1, self.span) @ self.matrix_t).reshape(*lead, self.blocks * self.tile)
        if self.rem:
            tail = x[..., self.tail_start : self.tail_start + self.span] @ self.matrix_t  # [B, H, tile]
            return torch.cat([y, tail[..., self.tile - self.rem :]], dim=-1)
        return y[..., : self.out_len]

    def along_h(self, x: torch.Tensor, prepadded: bool = False) -> torch.Tensor:
        """x [B, L_in, W] -> [B, L_out, W]; `prepadded`: x already has pad_lo/pad_hi zero rows."""
        if prepadded:
            x = x[:, self.start :]
        elif not self.pad_free:
            x = torch.nn.functional.pad(x, [0, 0, self.pad_lo, self.pad_hi])[:, self.start :]
        win = x.unfold(1, self.span, self.step)[:, : self.blocks].transpose(2, 3)  # [B, blocks, span, W]
        y = torch.matmul(self.matrix, win.contiguous()).flatten(1, 2)  # [B, blocks * tile, W]
        if self.rem:
            tail = torch.matmul(self.matrix, x[:, self.tail_start : self.tail_start + self.span])
            return torch.cat([y, tail[:, self.tile - self.rem :]], dim=1)
        return y[:, : self.out_len]


@functools.lru_cache(maxsize=256)
def _cached_pass(taps, up, down, pad0, pad1, gain, length, dtype, device) -> BandedPass:
    out_len = (length * up + pad0 + pad1 - len(taps)) // down + 1
    tile = up * max(1, TILE_SPAN // (down * up))  # a multiple of up, so every tile sees the same phases
    if up == 1:
        # Prefer a tile that divides the output exactly: no partial last tile to patch up.
        near = sorted(range(max(1, tile // 2), 2 * tile + 1), key=lambda d: abs(d - tile))
        tile = next((d for d in near if out_len % d == 0), tile)
    return BandedPass(np.asarray(taps) * gain, up, down, pad0, length, out_len, tile, dtype, device)


def banded_pass(
    f: torch.Tensor | None,
    up: int,
    down: int,
    pad0: int,
    pad1: int,
    gain: float,
    length: int,
    dtype: torch.dtype,
    device: torch.device,
) -> BandedPass:
    """Cached BandedPass for a 1-D filter (None = identity) and a fixed input length."""
    taps = (1.0,) if f is None else tuple(float(v) for v in f.detach().cpu().double().tolist())
    return _cached_pass(taps, up, down, pad0, pad1, float(gain), length, dtype, torch.device(device))


@functools.lru_cache(maxsize=64)
def _separable_terms(
    taps2d: tuple[tuple[float, ...], ...],
) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    f = np.asarray(taps2d, dtype=np.float64)
    u, s, vt = np.linalg.svd(f)
    keep = int(np.sum(s > s[0] * SVD_REL_TOL))
    # f = sum_k s_k u_k v_k^T: column filter u_k*s_k runs along H, row filter v_k along W.
    return [(tuple(u[:, k] * s[k]), tuple(vt[k])) for k in range(keep)]


def separable_terms(f2d: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Split a 2-D filter into (column filter, row filter) pairs whose outer products sum to it."""
    taps = tuple(tuple(row) for row in f2d.detach().cpu().double().tolist())
    return [
        (torch.tensor(c, dtype=torch.float64), torch.tensor(r, dtype=torch.float64))
        for c, r in _separable_terms(taps)
    ]
