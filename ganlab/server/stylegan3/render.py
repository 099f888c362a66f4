"""Render one StyleGAN2/3 image (or a layer's output) from RenderParams. Blocking, no web imports.

The pipeline follows NVIDIA's visualizer renderer: write the inverse of the user transform
into `synthesis.input.transform`; map every seed involved (the four latent-pad corners, the
mixing and the interpolation seed) with psi/cutoff; blend the corner Ws bilinearly; move
toward the interpolation seed's W; overwrite the mixing indices; then run synthesis to the
image or stop at the selected layer. The pieces (seeds -> z, transform, mixing, layer
capture, uint8 conversion) come from ganlab.stylegan3.render; this module adds the pad blend
over RenderParams, interpolation, timing and the encoders. Callers serialise renders (one
render thread), because the transform buffer is shared state of the model.
"""

from __future__ import annotations

import contextlib
import io
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ganlab.server.stylegan3.params import SEED_MAX, RenderParams
from ganlab.server.stylegan3.views import edit_ws, picture, user_transform
from ganlab.stylegan3.device import preview_dtype
from ganlab.stylegan3.prefix_cache import PrefixCache, cached_forward
from ganlab.stylegan3.render import (
    capture_layer,
    class_vector,
    encode_image,
    has_input_transform,
    mix_styles,
    seed_to_z,
    set_input_transform,
    synthesize,
)


@dataclass
class RenderResult:
    """A uint8 [H, W, 3] image, how long it took, and what was shown."""

    image: np.ndarray
    render_ms: float
    layer: dict | None = None  # {name, size, channels, channel, rgb, mean, std, max_abs} for a layer view
    threads: int | None = None  # CPU threads it rendered with
    precision: str = "fp32"  # "bf16" for a drag preview on a CPU with bf16, "fp16+fp32" on CUDA
    reused_stages: int = 0  # synthesis stages taken from the prefix cache instead of recomputed


def map_seeds(G, seeds: list[int], params: RenderParams, device) -> dict[int, torch.Tensor]:
    """seed -> truncated ws [1, num_ws, w_dim] for each distinct seed.

    One mapping call per seed (it is cheap: two 512x512 layers), not one batch: a batched
    matmul may round differently with the batch size, and then a seed's ws would depend on
    which other seeds came along, and the prefix cache would miss what did not change."""
    out = {}
    for seed in sorted(set(seeds)):
        z = torch.from_numpy(seed_to_z(seed, G.z_dim)).to(device, torch.float32)
        out[seed] = G.mapping(
            z,
            class_vector(G, params.class_idx),
            truncation_psi=params.truncation_psi,
            truncation_cutoff=params.truncation_cutoff,
        )
    return out


def _pad_corners(seed: int, offset: tuple[float, float]) -> list[tuple[int, float]]:
    """(seed, weight) of the four pad neighbours: x steps by 1, y by 100, as the official widget."""
    fx, fy = offset
    corners = [
        (seed, (1 - fx) * (1 - fy)),
        (seed + 1, fx * (1 - fy)),
        (seed + 100, (1 - fx) * fy),
        (seed + 101, fx * fy),
    ]
    return [(s & SEED_MAX, w) for s, w in corners if w > 0]


def compute_ws(G, params: RenderParams, device) -> torch.Tensor:
    """The ws that synthesis gets: pad blend, interpolation and style mixing applied. [1, num_ws, w_dim]"""
    corners = _pad_corners(params.seed, params.seed_offset)
    extra = [s for s in (params.mix_seed, params.interp_seed) if s is not None]
    mapped = map_seeds(G, [s for s, _ in corners] + extra, params, device)
    ws = sum(w * mapped[s] for s, w in corners)  # weights sum to 1, so blending around w_avg is the same
    if params.interp_seed is not None and params.interp_t > 0:
        ws = torch.lerp(ws, mapped[params.interp_seed], params.interp_t)
    if params.mix_seed is not None and params.mix_ws:
        ws = mix_styles(ws, mapped[params.mix_seed], params.mix_ws)
    return ws


@contextlib.contextmanager
def layer_progress(G, on_layer: Callable[[int, int, str], None] | None):
    """Call `on_layer(index, count, name)` as synthesis starts each stage ("input", then each layer),
    through forward pre-hooks that are removed afterwards. count = the stages of a full image."""
    if on_layer is None:
        yield
        return
    synthesis = G.synthesis
    names = (["input"] if has_input_transform(G) else []) + list(synthesis.layer_names)
    hooks = []
    for index, name in enumerate(names):
        module = synthesis.get_submodule(name)  # StyleGAN2 names are dotted: b8.conv0
        hooks.append(module.register_forward_pre_hook(lambda *_, i=index, n=name: on_layer(i, len(names), n)))
    try:
        yield
    finally:
        for hook in hooks:
            hook.remove()


def stylegan2_forward(G, ws: torch.Tensor, params: RenderParams) -> torch.Tensor:
    """The image, or the layer the view shows, of a StyleGAN2 network with the chosen noise."""
    if params.layer is None:
        return synthesize(G, ws, force_fp32=params.force_fp32, noise_mode=params.noise_mode)
    return capture_layer(G, ws, params.layer, force_fp32=params.force_fp32, noise_mode=params.noise_mode)


def precision_of(params: RenderParams, device) -> tuple[torch.dtype | None, str]:
    """(compute dtype, label) of a render: bf16 only for a preview that is not forced to fp32."""
    if device.type == "cuda":
        return None, "fp32" if params.force_fp32 else "fp16+fp32"
    dtype = preview_dtype(device, params.force_fp32) if params.preview else None
    return dtype, "bf16" if dtype == torch.bfloat16 else "fp32"


@torch.no_grad()
def render(
    G, params: RenderParams, device, on_layer=None, directions=None, cache: PrefixCache | None = None
) -> RenderResult:
    """Render `params` with generator `G` on `device` (params already checked for this model);
    `on_layer(index, count, name)` hears which synthesis stage is running; `directions` are the
    model's latent directions (needed only when params.edit_amounts moves along them); `cache`
    (optional) supplies and keeps stage outputs of earlier renders that share a prefix of ws."""
    start = time.perf_counter()
    translate, rotate = user_transform(params, G.synthesis.img_resolution)
    set_input_transform(G, translate, rotate)
    ws = edit_ws(compute_ws(G, params, device), params, directions)
    dtype, precision = precision_of(params, device)
    with layer_progress(G, on_layer):  # a layer view's forward stops at that layer
        if has_input_transform(G):
            out, reused = cached_forward(G, ws, params.layer, cache, force_fp32=params.force_fp32, compute_dtype=dtype)
        else:  # StyleGAN2: its own noise, no staged cache or bf16 preview (fp32, as NVIDIA's on the CPU)
            out, reused, precision = stylegan2_forward(G, ws, params), 0, "fp32" if device.type != "cuda" else precision
    image, layer = picture(out.float(), params, translate, rotate)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elapsed = (time.perf_counter() - start) * 1e3
    return RenderResult(image, elapsed, layer, precision=precision, reused_stages=reused)


def encode_png(image: np.ndarray, settings: dict) -> bytes:
    """PNG with the render settings as text metadata (`ganlab.settings`, JSON), so a file explains itself."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "ganlab StyleGAN3")
    info.add_text("ganlab.settings", json.dumps(settings, sort_keys=True))
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """JPEG for live frames: ~50x cheaper to encode than PNG at 1024 (shared/TOOLCHAIN.md)."""
    return encode_image(image, "jpeg", quality)


def device_info(device, threads: int) -> dict:
    """What the device badge shows: CUDA or CPU, its name, render threads and precision."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return {
            "type": "cuda",
            "name": name,
            "label": f"CUDA · {name}",
            "precision": "fp16+fp32",
            "threads": None,
        }
    name = platform.processor() or platform.machine()
    label = f"CPU · {threads} thread{'s' * (threads > 1)}"
    bf16 = preview_dtype(device) is not None
    return {
        "type": "cpu",
        "name": name,
        "label": label,
        "precision": "fp32",
        "preview_precision": "bf16" if bf16 else "fp32",
        "threads": threads,
    }
