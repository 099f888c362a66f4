"""Convolution with optional up-sampling, and StyleGAN2's modulated convolution built on it.

StyleGAN2 up-samples inside the convolution: a stride-2 transposed convolution (the zero
insertion and the 3x3 kernel in one step, a quarter of the multiplies of up-sampling first),
then the low-pass `resample_filter` with gain up**2. Padding follows the official convention:
`padding` is given with respect to the up-sampled image, and the filter's own extent is added
to it so the output is exactly `up` times the input.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ganlab.stylegan3.ops.upfirdn2d import parse_padding, upfirdn2d


def _filter_size(f: torch.Tensor | None) -> int:
    return 1 if f is None else int(f.shape[-1])


def conv2d_resample(x, w, f=None, up=1, padding=0, groups=1, flip_weight=True):
    """x [N, I*groups, H, W] * w [O, I, k, k] -> [N, O, H*up, W*up] (for padding = k // 2).

    flip_weight=True is correlation (torch's conv2d), False a true convolution.
    """
    out_channels, in_per_group, kh, kw = w.shape
    px0, px1, py0, py1 = parse_padding(padding)
    if up == 1:
        if not flip_weight and (kh > 1 or kw > 1):
            w = w.flip([2, 3])
        if px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
            return F.conv2d(x, w, padding=[py0, px0], groups=groups)
        x = upfirdn2d(x, None, padding=[px0, px1, py0, py1])
        return F.conv2d(x, w, groups=groups)
    fw = _filter_size(f)
    # The filter widens the up-sampled signal; centre it (official padding convention).
    px0, px1 = px0 + (fw + up - 1) // 2, px1 + (fw - up) // 2
    py0, py1 = py0 + (fw + up - 1) // 2, py1 + (fw - up) // 2
    if kh == 1 and kw == 1:
        x = F.conv2d(x, w, groups=groups)
        return upfirdn2d(x, f, up=up, padding=[px0, px1, py0, py1], gain=up**2)
    # conv_transpose2d scatters with the kernel (a true convolution); flip for correlation.
    if flip_weight:
        w = w.flip([2, 3])
    # conv_transpose2d wants [I, O/groups, k, k] per group.
    w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
    w = w.reshape(groups * in_per_group, out_channels // groups, kh, kw)
    px0, px1, py0, py1 = px0 - (kw - 1), px1 - (kw - up), py0 - (kh - 1), py1 - (kh - up)
    pxt, pyt = max(min(-px0, -px1), 0), max(min(-py0, -py1), 0)
    x = F.conv_transpose2d(x, w, stride=up, padding=[pyt, pxt], groups=groups)
    return upfirdn2d(x, f, padding=[px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt], gain=up**2)


def modulated_conv2d(
    x,  # [N, I, H, W]
    weight,  # [O, I, k, k]
    styles,  # [N, I]
    noise=None,  # added to the output (after demodulation), broadcast to [N, O, H', W']
    up=1,  # 1 or 2
    padding=0,  # with respect to the up-sampled image
    resample_filter=None,  # the low-pass filter buffer, used when up > 1
    demodulate=True,  # weight demodulation (StyleGAN2, section 2.2)
    flip_weight=True,  # False = true convolution (the official up-sampling layers)
    fused_modconv=True,  # True: per-sample weights in one grouped conv; False: scale activations
):
    """StyleGAN2's modulated convolution; both paths give the same numbers up to rounding."""
    n = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    assert styles.shape == (n, in_channels) and x.shape[1] == in_channels, (x.shape, styles.shape)
    if x.dtype == torch.float16 and demodulate:
        # Max-norm pre-scaling keeps fp16 finite; demodulation cancels it exactly.
        weight = weight * (1 / np.sqrt(in_channels * kh * kw) / weight.norm(float("inf"), dim=[1, 2, 3], keepdim=True))
        styles = styles / styles.norm(float("inf"), dim=1, keepdim=True)
    dcoefs = None
    if demodulate:
        # sum_{i,k} (w[o,i,k] s[n,i])^2 as one small matmul: [N, I] @ [I, O].
        dcoefs = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # [N, O]
    kwargs = dict(f=resample_filter, up=up, padding=padding, flip_weight=flip_weight)
    if not fused_modconv:
        x = x * styles.to(x.dtype).reshape(n, -1, 1, 1)
        x = conv2d_resample(x, weight.to(x.dtype), **kwargs)
        if dcoefs is not None:
            x = x * dcoefs.to(x.dtype).reshape(n, -1, 1, 1)
        return x if noise is None else x.add_(noise.to(x.dtype))
    w = weight.unsqueeze(0) * styles.reshape(n, 1, -1, 1, 1)  # [N, O, I, k, k]
    if dcoefs is not None:
        w = w * dcoefs.reshape(n, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])  # the batch becomes conv groups
    x = conv2d_resample(x, w.reshape(-1, in_channels, kh, kw).to(x.dtype), groups=n, **kwargs)
    x = x.reshape(n, -1, *x.shape[2:])
    return x if noise is None else x.add_(noise.to(x.dtype))
