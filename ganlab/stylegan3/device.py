"""Device and precision choice for StyleGAN3 inference.

CUDA when available, otherwise CPU; `GANLAB_DEVICE` (or an explicit argument, e.g. the CLI's
--device) overrides. Layers pick fp16 themselves on CUDA for the `num_fp16_res` highest
resolutions, as the official code does; `force_fp32` (passed to G / G.synthesis) disables it.
On CPU everything runs in fp32.
"""

from __future__ import annotations

import os

import torch


def pick_device(name: str | None = None) -> torch.device:
    """`name` ("cpu", "cuda", "cuda:1", "auto"/None) -> torch.device; None reads GANLAB_DEVICE."""
    name = (name or os.environ.get("GANLAB_DEVICE") or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} requested but CUDA is not available")
    return device


def uses_fp16(device: torch.device, force_fp32: bool = False) -> bool:
    """Whether the fp16 layers of a model actually run in fp16 on this device."""
    return device.type == "cuda" and not force_fp32
