"""Reference up-sample / FIR filter / down-sample op (`upfirdn2d`), as the official fallback does it.

Zero insertion, pad or crop, a true convolution with the filter (separable when 1-D), then
dropping samples. This is the slow, literal path; filtered_lrelu.py has the fast one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def parse_padding(padding: int | list[int] | tuple[int, ...]) -> tuple[int, int, int, int]:
    """Normalise padding to (x0, x1, y0, y1)."""
    if isinstance(padding, int):
        padding = [padding, padding]
    if len(padding) == 2:
        padding = [padding[0], padding[0], padding[1], padding[1]]
    x0, x1, y0, y1 = (int(p) for p in padding)
    return x0, x1, y0, y1


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    up: int = 1,
    down: int = 1,
    padding: int | list[int] = 0,
    gain: float = 1,
) -> torch.Tensor:
    """Upsample by zero insertion, pad, convolve with `f` (times gain), keep every down-th sample."""
    assert x.ndim == 4
    if f is None:
        f = torch.ones([1, 1], dtype=torch.float32, device=x.device)
    assert f.ndim in (1, 2)
    n, c, h, w = x.shape
    px0, px1, py0, py1 = parse_padding(padding)

    # Zero insertion: each sample is followed by up-1 zeros.
    x = x.reshape(n, c, h, 1, w, 1)
    x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
    x = x.reshape(n, c, h * up, w * up)  # [N, C, H*up, W*up]

    # Pad, or crop where the padding is negative.
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0) : x.shape[2] - max(-py1, 0), max(-px0, 0) : x.shape[3] - max(-px1, 0)]

    # conv2d correlates, so flip the taps to get a true convolution; the gain is split over the axes.
    f = (f * gain ** (f.ndim / 2)).to(x.dtype).flip(list(range(f.ndim)))
    f = f[None, None].repeat([c, 1] + [1] * f.ndim)  # one depthwise copy per channel
    if f.ndim == 4:
        x = F.conv2d(x, f, groups=c)
    else:
        x = F.conv2d(x, f.unsqueeze(2), groups=c)
        x = F.conv2d(x, f.unsqueeze(3), groups=c)
    return x[:, :, ::down, ::down]
