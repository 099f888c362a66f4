"""Filtered leaky ReLU (paper, section 3.2 and figure 4): the non-linearity of every layer.

bias -> upsample by `up` with FIR `fu` (gain up^2) -> leaky ReLU * gain -> clamp -> FIR `fd`
-> keep every `down`-th sample. The intermediate runs at the layer's temporary sampling rate,
which keeps the aliasing caused by the point-wise non-linearity out of the output band.

`filtered_lrelu_ref` is the literal algorithm (zero insertion, full-rate convolutions).
`filtered_lrelu_fast` computes the same function with separable 1-D passes along W then H,
each a banded matrix product (resample.py): polyphase up-sampling (inserted zeros are never
multiplied), the down filter evaluated only at kept samples, and a radial 2-D down filter split
into a few separable terms. Channels are processed in chunks so the up^2-sized intermediate
stays small (cache and peak memory). The filters are shared by all channels, so channels are
folded into the batch dimension.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlab.stylegan3.ops.bias_act import bias_act
from ganlab.stylegan3.ops.resample import banded_pass, separable_terms
from ganlab.stylegan3.ops.upfirdn2d import parse_padding, upfirdn2d

# Upper bound on the up-sampled intermediate of one channel chunk, in elements (~16 MB fp32).
CHUNK_ELEMENTS = 4 * 1024 * 1024


def filtered_lrelu_ref(
    x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None
):
    """Reference path: the official fallback's order of operations, op for op."""
    assert x.ndim == 4
    x = bias_act(x, b)
    x = upfirdn2d(x, fu, up=up, padding=parse_padding(padding), gain=up**2)
    x = bias_act(x, act="lrelu", alpha=slope, gain=gain, clamp=clamp)
    return upfirdn2d(x, fd, down=down)


def _down(y: torch.Tensor, fd: torch.Tensor | None, down: int) -> torch.Tensor:
    """Down filter + decimation on y [B, H, W], evaluated only at the kept samples."""
    b, h, w = y.shape
    if fd is None:
        return y[:, ::down, ::down]
    if fd.ndim == 1:
        y = banded_pass(fd, 1, down, 0, 0, 1, w, y.dtype, y.device).along_w(y)
        return banded_pass(fd, 1, down, 0, 0, 1, h, y.dtype, y.device).along_h(y)
    out = None
    for col, row in separable_terms(fd):  # radial 2-D filter as a short sum of separable terms
        t = banded_pass(row, 1, down, 0, 0, 1, w, y.dtype, y.device).along_w(y)
        t = banded_pass(col, 1, down, 0, 0, 1, h, y.dtype, y.device).along_h(t)
        out = t if out is None else out.add_(t)
    return out


def _fast_chunk(x, fu, fd, up, down, padding, gain, slope, clamp):
    """Fast path for one channel chunk x [N, C, H, W] (bias already added)."""
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    y = x.reshape(n * c, h, w)  # filters are shared by all channels: fold them into the batch
    if fu is None and up == 1 and not any(padding):
        y = y * gain  # identity up-sampling; a new tensor, so the in-place ops below leave x alone
    else:
        # leaky ReLU is positively homogeneous, so the gain can ride on the H pass's matrix.
        pass_h = banded_pass(fu, up, 1, py0, py1, up * gain, h, y.dtype, y.device)
        # Zero rows for the H pass are added here, on the small input, not on the up-sampled one.
        y = F.pad(y, [0, 0, pass_h.pad_lo, pass_h.pad_hi])
        y = banded_pass(fu, up, 1, px0, px1, up, w, y.dtype, y.device).along_w(y)
        y = pass_h.along_h(y, prepadded=True)
    y = F.leaky_relu(y, slope, inplace=True)
    if clamp is not None and clamp >= 0:
        y = y.clamp_(-clamp, clamp)
    y = _down(y, fd, down)
    return y.reshape(n, c, y.shape[1], y.shape[2])


def filtered_lrelu_fast(
    x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None
):
    """Fast path, same result as filtered_lrelu_ref up to float rounding."""
    assert x.ndim == 4
    assert fu is None or fu.ndim == 1, "the fast path needs a separable (1-D) up filter"
    padding = parse_padding(padding)
    if b is not None:
        x = x + b.reshape(1, -1, 1, 1).to(x.dtype)
    n, c, h, w = x.shape
    up_elems = n * (h * up + padding[2] + padding[3]) * (w * up + padding[0] + padding[1])
    chunk = max(1, min(c, CHUNK_ELEMENTS // max(up_elems, 1)))
    if chunk == c:
        return _fast_chunk(x, fu, fd, up, down, padding, gain, slope, clamp)
    out = None
    for i, xc in enumerate(x.split(chunk, dim=1)):
        part = _fast_chunk(xc, fu, fd, up, down, padding, gain, slope, clamp)
        if out is None:  # write chunks into one output instead of keeping them all for a cat
            out = part.new_empty([n, c, *part.shape[2:]])
        out[:, i * chunk : i * chunk + part.shape[1]] = part
    return out


def filtered_lrelu(
    x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None, impl="fast"
):
    """Dispatch to the fast or reference path; `impl` is "fast" or "ref"."""
    op = filtered_lrelu_fast if impl == "fast" else filtered_lrelu_ref
    return op(x, fu=fu, fd=fd, b=b, up=up, down=down, padding=padding, gain=gain, slope=slope, clamp=clamp)
