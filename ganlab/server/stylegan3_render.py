"""Render one StyleGAN3 image (or a layer's output) from RenderParams. Blocking, no web imports.

The pipeline follows NVIDIA's visualizer renderer: write the inverse of the user transform
into `synthesis.input.transform`; map every seed involved (the four latent-pad corners, the
mixing and the interpolation seed) with psi/cutoff; blend the corner Ws bilinearly; move
toward the interpolation seed's W; overwrite the mixing indices; then run synthesis to the
image or stop at the selected layer. Callers serialise renders (one render thread), because
the transform buffer is shared state of the model.
"""

from __future__ import annotations

import io
import json
import math
import platform
import time
from dataclasses import dataclass

import numpy as np
import torch

from ganlab.server.stylegan3_params import SEED_MAX, RenderParams


@dataclass
class RenderResult:
    """A uint8 [H, W, 3] image, how long it took, and what was shown."""

    image: np.ndarray
    render_ms: float
    layer: dict | None = None  # {name, size, channels, channel, rgb} for a layer view


def seed_z(seed: int, z_dim: int) -> np.ndarray:
    """z exactly as NVIDIA's gen_images does, so seed 42 is the official seed 42."""
    return np.random.RandomState(seed & SEED_MAX).randn(1, z_dim)


def make_transform(translate: tuple[float, float], rotate_deg: float) -> np.ndarray:
    """The image transform (rotate, then translate, in image widths) as gen_images builds it."""
    angle = math.radians(rotate_deg)
    s, c = math.sin(angle), math.cos(angle)
    return np.array([[c, s, translate[0]], [-s, c, translate[1]], [0.0, 0.0, 1.0]])


def set_transform(G, translate, rotate_deg) -> None:
    """Copy the *inverse* of the user transform into the input layer, as the official code does."""
    matrix = np.linalg.inv(make_transform(translate, rotate_deg))
    G.synthesis.input.transform.copy_(torch.from_numpy(matrix).to(G.synthesis.input.transform))


def _class_vector(G, class_idx: int | None, device) -> torch.Tensor | None:
    if G.c_dim == 0:
        return None
    c = torch.zeros([1, G.c_dim], device=device)
    c[0, class_idx] = 1
    return c


def map_seeds(G, seeds: list[int], params: RenderParams, device) -> dict[int, torch.Tensor]:
    """seed -> truncated ws [1, num_ws, w_dim] for each distinct seed, in one mapping batch."""
    unique = sorted(set(seeds))
    z = torch.from_numpy(np.concatenate([seed_z(s, G.z_dim) for s in unique])).to(device, torch.float32)
    c = _class_vector(G, params.class_idx, device)
    c = None if c is None else c.repeat(len(unique), 1)
    ws = G.mapping(z, c, truncation_psi=params.truncation_psi, truncation_cutoff=params.truncation_cutoff)
    return {seed: ws[i : i + 1] for i, seed in enumerate(unique)}


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
        ws = ws.clone()
        ws[:, params.mix_ws] = mapped[params.mix_seed][:, params.mix_ws]
    return ws


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[N, 3, H, W] in about [-1, 1] -> [N, H, W, 3] uint8 with the official x*127.5+128 rule."""
    x = (images.to(torch.float32) * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def layer_image(x: torch.Tensor, channel: int, rgb: bool) -> np.ndarray:
    """One channel (grey) or three consecutive ones (RGB) of [1, C, H, W], each scaled by its max-abs."""
    channels = x.shape[1]
    picked = [(channel + i) % channels for i in range(3)] if rgb else [channel] * 3
    v = x[0, picked].to(torch.float32)  # [3, H, W]
    v = v / v.abs().amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)  # the visualizer's "Normalize"
    return to_uint8(v.unsqueeze(0))[0]


@torch.no_grad()
def render(G, params: RenderParams, device) -> RenderResult:
    """Render `params` with generator `G` on `device` (params already checked for this model)."""
    start = time.perf_counter()
    set_transform(G, params.translate, params.rotate)
    ws = compute_ws(G, params, device)
    if params.layer is None:
        image = to_uint8(G.synthesis(ws))[0]
        layer = None
    else:
        x = G.synthesis.forward_until(ws, params.layer)  # stops early: deep layers are not computed
        image = layer_image(x, params.layer_channel, params.layer_rgb)
        layer = {
            "name": params.layer,
            "size": int(x.shape[-1]),
            "channels": int(x.shape[1]),
            "channel": params.layer_channel,
            "rgb": params.layer_rgb,
        }
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return RenderResult(np.ascontiguousarray(image), (time.perf_counter() - start) * 1e3, layer)


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
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def tile_grid(images: list[np.ndarray], cols: int) -> np.ndarray:
    """Tile equally sized [H, W, 3] images row by row into one image."""
    h, w, _ = images[0].shape
    rows = math.ceil(len(images) / cols)
    out = np.zeros((rows * h, cols * w, 3), np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * h : (r + 1) * h, c * w : (c + 1) * w] = image
    return out


def device_info(device) -> dict:
    """What the device badge shows: CUDA or CPU, its name, threads and precision."""
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
    threads = torch.get_num_threads()
    return {
        "type": "cpu",
        "name": name,
        "label": f"CPU · {threads} thread{'s' * (threads > 1)}",
        "precision": "fp32",
        "threads": threads,
    }
