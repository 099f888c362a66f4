"""Low-pass filter design for StyleGAN3 (paper, section 3.2 and appendix C).

Two designs are needed:

* a separable 1-D Kaiser-windowed sinc, used for every up-sampling filter and for the
  down-sampling filters of T models and of critically sampled R layers;
* a radially symmetric 2-D jinc filter windowed by an outer product of Kaiser windows, used
  for the down-sampling filters of the non-critical layers of R models.

The window parameters follow Kaiser's empirical formulas for attenuation and beta, the same
ones scipy's FIR design uses, so the taps equal the official buffers to float32 precision.
Everything is computed in float64 and returned as a float32 tensor (or None for identity).
"""

from __future__ import annotations

import numpy as np
import scipy.special
import torch


def kaiser_attenuation(numtaps: int, width: float) -> float:
    """Stop-band attenuation (dB) reachable with `numtaps` taps and a transition `width`.

    `width` is relative to the Nyquist frequency (1 = Nyquist).
    """
    return 2.285 * (numtaps - 1) * np.pi * width + 7.95


def kaiser_beta(attenuation_db: float) -> float:
    """Kaiser window shape parameter for a desired attenuation (Kaiser's formula)."""
    a = attenuation_db
    if a > 50:
        return 0.1102 * (a - 8.7)
    if a > 21:
        return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21)
    return 0.0


def kaiser_window(numtaps: int, beta: float) -> np.ndarray:
    """Symmetric Kaiser window of length `numtaps`."""
    n = np.arange(numtaps)
    ratio = 2.0 * n / (numtaps - 1) - 1.0 if numtaps > 1 else np.zeros(1)
    return np.i0(beta * np.sqrt(np.clip(1.0 - ratio**2, 0.0, None))) / np.i0(beta)


def kaiser_lowpass(numtaps: int, cutoff: float, width: float, fs: float) -> np.ndarray:
    """Windowed-sinc low-pass with unit DC gain.

    cutoff and width are in the same units as the sampling rate `fs`; `width` is the full
    transition band width, which fixes the Kaiser window's beta.
    """
    nyquist = fs / 2
    beta = kaiser_beta(kaiser_attenuation(numtaps, width / nyquist))
    m = np.arange(numtaps) - (numtaps - 1) / 2
    fc = cutoff / nyquist  # cutoff relative to Nyquist
    taps = fc * np.sinc(fc * m) * kaiser_window(numtaps, beta)
    # Unit gain at DC, so a constant signal passes unchanged.
    return taps / taps.sum()


def jinc_lowpass(numtaps: int, cutoff: float, width: float, fs: float) -> np.ndarray:
    """Radially symmetric 2-D low-pass (jinc), windowed by separable Kaiser windows."""
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))  # [numtaps, numtaps] distance from the centre
    with np.errstate(invalid="ignore", divide="ignore"):
        f = scipy.special.j1(2 * np.pi * cutoff * r) / (np.pi * r)
    # The limit of J1(2*pi*fc*r)/(pi*r) at r=0 is fc (only reachable for odd numtaps).
    f = np.where(r == 0, cutoff, f)
    beta = kaiser_beta(kaiser_attenuation(numtaps, width / (fs / 2)))
    window = kaiser_window(numtaps, beta)
    f = f * np.outer(window, window)
    return f / f.sum()


def design_lowpass_filter(
    numtaps: int, cutoff: float, width: float, fs: float, radial: bool = False
) -> torch.Tensor | None:
    """Filter buffer as the official SynthesisLayer stores it: None means identity."""
    assert numtaps >= 1
    if numtaps == 1:
        return None
    f = jinc_lowpass(numtaps, cutoff, width, fs) if radial else kaiser_lowpass(numtaps, cutoff, width, fs)
    return torch.as_tensor(f, dtype=torch.float32)
