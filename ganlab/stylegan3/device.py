"""Device and precision choice for StyleGAN3 inference.

CUDA when available, otherwise CPU; `GANLAB_DEVICE` (or an explicit argument, e.g. the CLI's
--device) overrides. Layers pick fp16 themselves on CUDA for the `num_fp16_res` highest
resolutions, as the official code does; `force_fp32` (passed to G / G.synthesis) disables it.
On CPU everything runs in fp32, except previews: on CPUs with bfloat16 instructions
(AVX512-BF16 or AMX, which oneDNN uses for bf16 convolutions and matmuls) a frame rendered
while a control is dragged may run its layers in bf16 (`preview_dtype`), about twice as fast.
"""

from __future__ import annotations

import functools
import os

import torch

BF16_FLAGS = ("avx512_bf16", "amx_bf16")


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


@functools.cache
def cpu_has_bf16() -> bool:
    """True when this CPU has bfloat16 arithmetic (AVX512-BF16 or AMX) and oneDNN can use it.
    Without it bf16 would be emulated and slower than fp32. GANLAB_SG3_BF16=0/1 overrides."""
    forced = os.environ.get("GANLAB_SG3_BF16", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        with open("/proc/cpuinfo") as f:
            flags = {flag for line in f if line.startswith("flags") for flag in line.split(":", 1)[1].split()}
    except OSError:
        return False
    return any(flag in flags for flag in BF16_FLAGS) and torch.backends.mkldnn.is_available()


def preview_dtype(device: torch.device, force_fp32: bool = False) -> torch.dtype | None:
    """The compute dtype of a drag preview: bf16 on a CPU that has it, else None (the normal choice)."""
    if force_fp32 or device.type != "cpu" or not cpu_has_bf16():
        return None
    return torch.bfloat16
