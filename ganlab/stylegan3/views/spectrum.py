"""The FFT view: the power spectrum of a picture or a feature map, in dB, as a colour image.

This is how the StyleGAN3 paper shows aliasing (Fig. 1 and 5): each channel has its mean
removed and is multiplied by a separable Kaiser window (shape beta; 0 is a box, larger values
trade resolution for lower leakage), then the squared FFT magnitudes of the channels are summed,
the zero frequency is moved to the centre, and the power is expressed in dB relative to its mean.
A range of +-R dB maps onto the viridis colour map, as in the official layer widget.
"""

from __future__ import annotations

import numpy as np
import torch

_LUT_SIZE = 256
_lut: np.ndarray | None = None


def viridis_lut() -> np.ndarray:
    """uint8 [256, 3] viridis colours (from matplotlib, read once)."""
    global _lut
    if _lut is None:
        from matplotlib import colormaps

        _lut = (colormaps["viridis"](np.linspace(0, 1, _LUT_SIZE))[:, :3] * 255 + 0.5).astype(np.uint8)
    return _lut


def power_spectrum_db(x: torch.Tensor, beta: float) -> torch.Tensor:
    """x [C, H, W] -> power in dB relative to the mean power [H, W], zero frequency at the centre."""
    assert x.ndim == 3, x.shape
    x = x.float()  # float32 as the official viewer: the dB range shown is far above its noise floor
    x = x - x.mean(dim=(1, 2), keepdim=True)
    h, w = x.shape[1:]
    window_y = torch.kaiser_window(h, periodic=False, beta=beta, device=x.device)
    window_x = torch.kaiser_window(w, periodic=False, beta=beta, device=x.device)
    x = x * window_y[None, :, None] * window_x[None, None, :]
    power = torch.fft.fft2(x).abs().square().sum(dim=0).double()  # [H, W]
    power = torch.fft.fftshift(power)
    mean = power.mean().clamp(min=1e-30)
    return 10 * torch.log10((power / mean).clamp(min=1e-30))


def spectrum_image(x: torch.Tensor, range_db: float = 50.0, beta: float = 8.0) -> np.ndarray:
    """x [C, H, W] -> uint8 [H, W, 3]: -range_db .. +range_db dB mapped onto viridis."""
    if not range_db > 0:
        raise ValueError(f"range_db must be positive, got {range_db}")
    db = power_spectrum_db(x, beta)
    level = ((db / range_db + 1) / 2).clamp(0, 1)
    index = (level * (_LUT_SIZE - 1) + 0.5).long().cpu().numpy()
    return viridis_lut()[index]
