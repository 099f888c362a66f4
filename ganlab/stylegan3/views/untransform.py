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

import functools
import math

import torch
import torch.nn.functional as F

UP = 4  # upsampling before the bilinear lookup
LANCZOS_A = 3  # window radius in pixels
RADIUS = 5  # filter half-width in input pixels (covers the rotated window, a*sqrt(2) < 5)
DESIGN_TAPS = 16  # half-size of the grid the filter is designed on, in input pixels (> RADIUS: tails wrap in
# from beyond 27 pixels only, where the ideal filter is below 1e-3)


def round_translate(translate: tuple[float, float], resolution: int) -> tuple[float, float]:
    """Translation snapped to whole output pixels (the official 'Round'), in image widths."""
    return tuple(round(t * resolution) / resolution for t in translate)


def _rotation(angle_deg: float) -> torch.Tensor:
    """[[c, s], [-s, c]]: the linear part of the forward user transform (render.make_transform)."""
    a = math.radians(angle_deg)
    return torch.tensor([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]], dtype=torch.float64)


def _lanczos(x: torch.Tensor, a: int) -> torch.Tensor:
    return torch.where(x.abs() < a, torch.sinc(x) * torch.sinc(x / a), torch.zeros_like(x))


@functools.lru_cache(maxsize=64)
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


def upsample(x: torch.Tensor, kernel: torch.Tensor, up: int) -> torch.Tensor:
    """x [B, 1, H, W] -> [B, 1, H*up, W*up]: zero insertion then `kernel` (odd size, centred), fine
    pixel j at input position j/up. Done polyphase: all up*up phases as the output channels of one
    small convolution, so no multiply touches an inserted zero (16x less work than filtering the
    zero-stuffed image), then interleaved by pixel_shuffle."""
    size = kernel.shape[0]
    pad = (size - 1) // 2
    taps = -(-size // up)  # the longest phase's taps per axis
    # Fine sample up*m + r is sum_t kernel[s + up*t] * x[m + b - t] with (b, s) = divmod(r + pad, up):
    # a correlation with the flipped taps, read b samples in. Leading zeros make every phase as
    # long as the longest and move each to read at the smallest b, so one crop serves all.
    b_min, b_max = pad // up, (up - 1 + pad) // up
    phases = []
    for ry in range(up):
        for rx in range(up):
            (by, sy), (bx, sx) = divmod(ry + pad, up), divmod(rx + pad, up)
            sub = kernel[sy::up, sx::up].flip(0, 1)
            left, top = taps - sub.shape[1] + bx - b_min, taps - sub.shape[0] + by - b_min
            phases.append(F.pad(sub, [left, b_max - bx, top, b_max - by]))
    weight = torch.stack(phases)[:, None].to(x)  # [up*up, 1, taps + b_max - b_min, same]
    h, w = x.shape[2:]
    corr = F.conv2d(F.pad(x, [taps - 1] * 4), weight)  # the input padded by taps-1 on each side
    return F.pixel_shuffle(corr[:, :, b_min : b_min + h, b_min : b_min + w], up)  # channel ry*up+rx


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
    kernel = resample_filter(float(angle_deg), up).to(x.device)
    fine = upsample(x.float().reshape(n * c, 1, h, w), kernel, up).reshape(n, c, h * up, w * up)
    grid = _sample_grid(h, w, translate, angle_deg, up, fine.shape[2:]).to(x.device).expand(n, -1, -1, -1)
    return F.grid_sample(fine, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
