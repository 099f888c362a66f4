"""Filtered leaky ReLU (paper, section 3.2 and figure 4): the non-linearity of every layer.

bias -> upsample by `up` with FIR `fu` (gain up^2) -> leaky ReLU * gain -> clamp -> FIR `fd`
-> keep every `down`-th sample. The intermediate runs at the layer's temporary sampling rate,
which keeps the aliasing caused by the point-wise non-linearity out of the output band.

`filtered_lrelu_ref` is the literal algorithm (zero insertion, full-rate convolutions).
`filtered_lrelu_fast` computes the same function with
* polyphase up-sampling: `up` short sub-filters on the low-rate input, no zero multiplications;
* the down filter evaluated only at the samples that are kept (a strided convolution);
* separable 1-D passes along W and H when the filters are 1-D (a radial 2-D down filter runs
  as one strided 2-D convolution);
* channel chunks, so the up^2-sized intermediate stays small (cache and peak memory).
The filter is shared by all channels, so channels are folded into the batch and each 1-D pass
is a single-input-channel convolution whose output channels are the polyphase phases.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlab.stylegan3.ops.bias_act import bias_act
from ganlab.stylegan3.ops.upfirdn2d import parse_padding, upfirdn2d

# Upper bound on the up-sampled intermediate of one channel chunk, in elements (~16 MB fp32).
CHUNK_ELEMENTS = 4 * 1024 * 1024


def filtered_lrelu_ref(x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None):
    """Reference path: the official fallback's order of operations, op for op."""
    assert x.ndim == 4
    x = bias_act(x, b)
    x = upfirdn2d(x, fu, up=up, padding=parse_padding(padding), gain=up**2)
    x = bias_act(x, act="lrelu", alpha=slope, gain=gain, clamp=clamp)
    return upfirdn2d(x, fd, down=down)


def _polyphase_up(x: torch.Tensor, f: torch.Tensor | None, up: int, pad0: int, pad1: int, dim: int):
    """1-D zero-insert + pad + convolve along `dim` (2 = H, 3 = W) of x [N, 1, H, W], gain `up`."""
    length = x.shape[dim]
    taps = 1 if f is None else f.shape[0]
    out_len = length * up + pad0 + pad1 - taps + 1
    if up == 1 and f is None:
        return _pad_slice(x, dim, -pad0, out_len)
    f = torch.ones(1, dtype=x.dtype, device=x.device) if f is None else f.to(x.dtype)
    phase_taps = -(-taps // up)  # ceil: taps per polyphase branch
    f = F.pad(f, [0, phase_taps * up - taps]) * up  # zero taps at the end change nothing
    # Branch r holds taps r, r+up, ... reversed, because conv2d correlates.
    bank = f.reshape(phase_taps, up).t().flip(1)  # [up, phase_taps]
    if dim == 3:
        y = F.conv2d(x, bank.reshape(up, 1, 1, phase_taps), padding=(0, phase_taps - 1))
        y = y.permute(0, 2, 3, 1).reshape(x.shape[0], 1, x.shape[2], -1)  # interleave phases along W
    else:
        y = F.conv2d(x, bank.reshape(up, 1, phase_taps, 1), padding=(phase_taps - 1, 0))
        y = y.permute(0, 2, 1, 3).reshape(x.shape[0], 1, -1, x.shape[3])  # interleave phases along H
    # y is the full convolution; output sample j sits at y[j + taps - 1 - pad0].
    return _pad_slice(y, dim, taps - 1 - pad0, out_len)


def _pad_slice(y: torch.Tensor, dim: int, start: int, length: int) -> torch.Tensor:
    """y.narrow(dim, start, length), reading zeros outside y."""
    lo, hi = max(-start, 0), max(start + length - y.shape[dim], 0)
    if lo or hi:
        y = F.pad(y, [lo, hi, 0, 0] if dim == 3 else [0, 0, lo, hi])
        start += lo
    return y.narrow(dim, start, length)


def _strided_down(x: torch.Tensor, f: torch.Tensor | None, down: int) -> torch.Tensor:
    """Convolve x [N, 1, H, W] with `f` and keep every down-th sample, computing only those."""
    if f is None:
        return x[:, :, ::down, ::down]
    f = f.to(x.dtype).flip(list(range(f.ndim)))
    if f.ndim == 2:
        return F.conv2d(x, f[None, None], stride=down)
    x = F.conv2d(x, f.reshape(1, 1, 1, -1), stride=(1, down))
    return F.conv2d(x, f.reshape(1, 1, -1, 1), stride=(down, 1))


def _fast_chunk(x, fu, fd, up, down, padding, gain, slope, clamp):
    """Fast path for one channel chunk x [N, C, H, W] (bias already added)."""
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    y = x.reshape(n * c, 1, h, w)  # filters are shared by all channels: fold them into the batch
    y = _polyphase_up(y, fu, up, px0, px1, dim=3)
    y = _polyphase_up(y, fu, up, py0, py1, dim=2)
    if y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
        y = y.clone()  # identity filters return a view of the caller's tensor: never write into it
    y = F.leaky_relu(y, slope, inplace=True)
    if gain != 1:
        y = y.mul_(gain)
    if clamp is not None and clamp >= 0:
        y = y.clamp_(-clamp, clamp)
    y = _strided_down(y, fd, down)
    return y.reshape(n, c, y.shape[2], y.shape[3])


def filtered_lrelu_fast(x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None):
    """Fast path, same result as filtered_lrelu_ref up to float rounding."""
    assert x.ndim == 4
    assert fu is None or fu.ndim == 1, "the fast path needs a separable (1-D) up filter"
    padding = parse_padding(padding)
    if b is not None:
        x = x + b.reshape(1, -1, 1, 1).to(x.dtype)
    n, c, h, w = x.shape
    up_elems = n * (h * up + padding[2] + padding[3]) * (w * up + padding[0] + padding[1])
    chunk = max(1, min(c, CHUNK_ELEMENTS // max(up_elems, 1)))
    parts = [_fast_chunk(xc, fu, fd, up, down, padding, gain, slope, clamp) for xc in x.split(chunk, dim=1)]
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)


def filtered_lrelu(x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=2**0.5, slope=0.2, clamp=None,
                   impl="fast"):
    """Dispatch to the fast or reference path; `impl` is "fast" or "ref"."""
    op = filtered_lrelu_fast if impl == "fast" else filtered_lrelu_ref
    return op(x, fu=fu, fd=fd, b=b, up=up, down=down, padding=padding, gain=gain, slope=slope, clamp=clamp)
