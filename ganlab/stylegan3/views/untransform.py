"""The untransform view: undo the input transform on the output, as the equivariance widget does.

A StyleGAN3 generator moves and turns its content when `synthesis.input.transform` changes.
Resampling the result back by the user transform puts the content where the untransformed
image has it, so an equivariant network shows a still picture while the transform animates,
and any texture that does not move with the content ("texture sticking") stands out.

The resampling must not add aliasing of its own. It is done as the official viewer does it in
spirit: a band-limited 4x upsampling whose pass band is the part of the spectrum that both the
input grid and the rotated output grid can carry (the intersection of the two Nyquist squares),
a Lanczos window (a = 3) in both frames, then bilinear sampling on the fine grid.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

UP = 4  # upsampling before the bilinear lookup
LANCZOS_A = 3  # window radius in pixels
RADIUS = 5  # filter half-width in input pixels (covers the rotated window, a*sqrt(2) < 5)
DESIGN_TAPS = 64  # half-size of the frequency grid the filter is designed on, in input pixels


def round_translate(translate: tuple[float, float], resolution: int) -> tuple[float, float]:
    """Translation snapped to whole output pixels (the official 'Round'), in image widths."""
    return tuple(round(t * resolution) / resolution for t in translate)


def _rotation(angle_deg: float) -> torch.Tensor:
    """[[c, s], [-s, c]]: the linear part of the forward user transform (render.make_transform)."""
    a = math.radians(angle_deg)
    return torch.tensor([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]], dtype=torch.float64)


def _lanczos(x: torch.Tensor, a: int) -> torch.Tensor:
    return torch.where(x.abs() < a, torch.sinc(x) * torch.sinc(x / a), torch.zeros_like(x))


def resample_filter(angle_deg: float, up: int = UP) -> torch.Tensor:
    """2D upsampling filter [K, K], K = 2*RADIUS*up - 1, taps at 1/up input pixels.

    Designed in the frequency domain: the ideal pass band is {f : |f|_inf <= 1/2 and
    |A^T f|_inf <= 1/2} (cycles per input pixel), whose inverse DFT is windowed by a Lanczos
    window in the input frame times one in the rotated frame. Each polyphase component sums to
    one, so a flat image stays flat."""
    rot = _rotation(angle_deg)
    size = 2 * DESIGN_TAPS * up
    freq = torch.fft.fftfreq(size, d=1 / up, dtype=torch.float64)  # cycles per input pixel
    fy, fx = torch.meshgrid(freq, freq, indexing="ij")
    f = torch.stack([fx, fy], dim=-1)  # [size, size, 2]
    g = f @ rot  # A^T f, row-vector form
    band = (f.abs().amax(-1) <= 0.5) & (g.abs().amax(-1) <= 0.5)
    kernel = torch.fft.fftshift(torch.fft.ifft2(band.double()).real)  # [size, size], centre at size/2
    c, k = size // 2, RADIUS * up - 1
    kernel = kernel[c - k : c + k + 1, c - k : c + k + 1]
    pos = torch.arange(-k, k + 1, dtype=torch.float64) / up
    py, px = torch.meshgrid(pos, pos, indexing="ij")
    ro = torch.stack([px, py], dim=-1) @ rot  # the taps' coordinates in the output frame
    window = _lanczos(px, LANCZOS_A) * _lanczos(py, LANCZOS_A)
    window = window * _lanczos(ro[..., 0], LANCZOS_A) * _lanczos(ro[..., 1], LANCZOS_A)
    kernel = kernel * window
    # Tap t feeds output phase (t - pad) mod up; each phase's taps sum to one (unit DC gain).
    phase = torch.arange(kernel.shape[0]) % up
    sums = torch.zeros(up, up, dtype=torch.float64)
    sums.index_put_((phase[:, None], phase[None, :]), kernel, accumulate=True)
    kernel = kernel / sums[phase[:, None], phase[None, :]]
    return kernel.float()


def _sample_grid(height: int, width: int, translate, angle_deg: float, up: int, fine: tuple[int, int]):
    """Where each output pixel reads the upsampled image, in grid_sample coordinates [1, H, W, 2]."""
    rot = _rotation(angle_deg).float()
    ys = (torch.arange(height, dtype=torch.float32) + 0.5) / height * 2 - 1
    xs = (torch.arange(width, dtype=torch.float32) + 0.5) / width * 2 - 1
    sy, sx = torch.meshgrid(ys, xs, indexing="ij")
    src = torch.stack([sx, sy], dim=-1) @ rot.T + 2 * torch.tensor(translate, dtype=torch.float32)
    size = torch.tensor([width, height], dtype=torch.float32)
    fine_size = torch.tensor([fine[1], fine[0]], dtype=torch.float32)
    edge = (src + 1) * size / 2  # in input pixels, from the left/top edge
    index = (edge - 0.5) * up  # on the fine grid: input pixel i sits at index up*i
    return ((2 * index + 1) / fine_size - 1).unsqueeze(0)


def untransform(x: torch.Tensor, translate=(0.0, 0.0), angle_deg: float = 0.0, up: int = UP) -> torch.Tensor:
    """x [N, C, H, W] rendered with the user transform (translate in image widths, rotate in
    degrees) -> the same content moved back; outside the picture is zero."""
    assert x.ndim == 4, x.shape
    n, c, h, w = x.shape
    kernel = resample_filter(angle_deg, up).to(x.device)
    pad = (kernel.shape[0] - 1) // 2
    weight = kernel.expand(c, 1, *kernel.shape).contiguous()
    fine = F.conv_transpose2d(x.float(), weight, stride=up, padding=pad, groups=c)
    grid = _sample_grid(h, w, translate, angle_deg, up, fine.shape[2:]).to(x.device).expand(n, -1, -1, -1)
    return F.grid_sample(fine, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
