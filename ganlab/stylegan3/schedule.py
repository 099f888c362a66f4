"""The StyleGAN3 per-layer design schedule (paper, section 3.2 and figure 4b).

Cutoff frequencies and minimum stopbands grow geometrically from the first layer to the
last critically sampled one; sampling rates are the smallest powers of two above twice the
stopband; channel counts are inversely proportional to the cutoff. This module computes
that table from the constructor arguments alone, so `info`, the layers and the docs all
read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerSpec:
    """Everything one SynthesisLayer needs to know about its place in the network."""

    idx: int
    name: str  # official module name L{idx}_{size}_{channels}
    is_torgb: bool
    is_critically_sampled: bool
    use_fp16: bool  # fp16 on CUDA for the num_fp16_res highest resolutions
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int
    in_sampling_rate: int
    out_sampling_rate: int
    in_cutoff: float
    out_cutoff: float
    in_half_width: float
    out_half_width: float


@dataclass(frozen=True)
class InputSpec:
    """Design of the Fourier-feature input (section 3.1)."""

    channels: int
    size: int
    sampling_rate: float
    bandwidth: float


def synthesis_schedule(
    img_resolution: int,
    img_channels: int,
    channel_base: int = 32768,
    channel_max: int = 512,
    num_layers: int = 14,
    num_critical: int = 2,
    first_cutoff: float = 2,
    first_stopband: float = 2**2.1,
    last_stopband_rel: float = 2**0.3,
    margin_size: int = 10,
    num_fp16_res: int = 4,
) -> tuple[InputSpec, list[LayerSpec]]:
    """Return the input design and the num_layers + 1 layer designs (the last is ToRGB)."""
    last_cutoff = img_resolution / 2  # f_{c,N}
    last_stopband = last_cutoff * last_stopband_rel  # f_{t,N}
    exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
    cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents  # f_c[i]
    stopbands = first_stopband * (last_stopband / first_stopband) ** exponents  # f_t[i]
    # Smallest power-of-two rate that keeps the stopband below Nyquist, capped at the image rate.
    rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))  # s[i]
    half_widths = np.maximum(stopbands, rates / 2) - cutoffs  # f_h[i]
    sizes = rates + margin_size * 2
    sizes[-2:] = img_resolution  # the last two layers drop the margin
    channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
    channels[-1] = img_channels

    input_spec = InputSpec(int(channels[0]), int(sizes[0]), float(rates[0]), float(cutoffs[0]))
    layers = []
    for idx in range(num_layers + 1):
        prev = max(idx - 1, 0)
        layers.append(
            LayerSpec(
                idx=idx,
                name=f"L{idx}_{int(sizes[idx])}_{int(channels[idx])}",
                is_torgb=idx == num_layers,
                is_critically_sampled=idx >= num_layers - num_critical,
                use_fp16=bool(rates[idx] * 2**num_fp16_res > img_resolution),
                in_channels=int(channels[prev]),
                out_channels=int(channels[idx]),
                in_size=int(sizes[prev]),
                out_size=int(sizes[idx]),
                in_sampling_rate=int(rates[prev]),
                out_sampling_rate=int(rates[idx]),
                in_cutoff=float(cutoffs[prev]),
                out_cutoff=float(cutoffs[idx]),
                in_half_width=float(half_widths[prev]),
                out_half_width=float(half_widths[idx]),
            )
        )
    return input_spec, layers
