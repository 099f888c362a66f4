"""Modulated convolution with weight demodulation (StyleGAN2, section 2.2; StyleGAN3 appendix).

Reference path: the official order of operations, scaling the weights per sample and running
one grouped convolution over the batch.
Fast path: scale the activations instead (x * style), run one ordinary convolution shared by
the whole batch, and scale the output by the demodulation coefficients. Both compute
conv(x, w * s * d * g); the fast path needs no per-sample weight copies.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _styles_and_weight(w: torch.Tensor, s: torch.Tensor, demodulate: bool):
    """RMS pre-normalisation; it cancels through demodulation and only keeps fp16 in range."""
    if demodulate:
        w = w * w.square().mean([1, 2, 3], keepdim=True).rsqrt()
        s = s * s.square().mean().rsqrt()
    return w, s


def modulated_conv2d_ref(x, w, s, demodulate=True, padding=0, input_gain=None):
    """x [N, I, H, W], w [O, I, k, k], s [N, I], input_gain [] / [I] / [N, I] -> [N, O, H', W']."""
    n, in_channels = x.shape[:2]
    out_channels, _, kh, kw = w.shape
    assert w.shape[1] == in_channels and s.shape == (n, in_channels), (x.shape, w.shape, s.shape)
    w, s = _styles_and_weight(w, s, demodulate)
    w = w.unsqueeze(0) * s[:, None, :, None, None]  # [N, O, I, k, k]
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    if input_gain is not None:
        w = w * input_gain.expand(n, in_channels)[:, None, :, None, None]
    x = x.reshape(1, n * in_channels, *x.shape[2:])  # [1, N*I, H, W]: the batch becomes groups
    x = F.conv2d(x, w.reshape(n * out_channels, in_channels, kh, kw).to(x.dtype), padding=padding, groups=n)
    return x.reshape(n, out_channels, *x.shape[2:])


def modulated_conv2d_fast(x, w, s, demodulate=True, padding=0, input_gain=None):
    """Same result as modulated_conv2d_ref, with modulation applied to activations."""
    n, in_channels = x.shape[:2]
    assert w.shape[1] == in_channels and s.shape == (n, in_channels), (x.shape, w.shape, s.shape)
    w, s = _styles_and_weight(w, s, demodulate)
    scale_in = s if input_gain is None else s * input_gain.expand(n, in_channels)  # [N, I]
    if n == 1:
        # One sample: folding the input scale into the (small) weight beats scaling the image.
        wx = w * scale_in[0][None, :, None, None]
        y = F.conv2d(x, wx.to(x.dtype), padding=padding)
    else:
        y = F.conv2d(x * scale_in[:, :, None, None].to(x.dtype), w.to(x.dtype), padding=padding)
    if demodulate:
        # Demodulation uses the modulated weight without the input gain, as in the reference.
        # sum_{i,k} (w[o,i,k] s[n,i])^2 = sum_i s[n,i]^2 * sum_k w[o,i,k]^2, as one small matmul.
        d = (s.square() @ w.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # [N, O]
        y = y * d[:, :, None, None].to(y.dtype)
    return y


def modulated_conv2d(x, w, s, demodulate=True, padding=0, input_gain=None, impl="fast"):
    """Dispatch to the fast or reference path; `impl` is "fast" or "ref"."""
    op = modulated_conv2d_fast if impl == "fast" else modulated_conv2d_ref
    return op(x, w, s, demodulate=demodulate, padding=padding, input_gain=input_gain)
