"""Turn seeds and settings into StyleGAN2/3 images, the way NVIDIA's gen_images and visualizer do.

* seeds -> z with NumPy's legacy `RandomState(seed).randn(1, z_dim)` (same faces as official);
* translate/rotate -> the *inverse* 3x3 matrix in `G.synthesis.input.transform` (StyleGAN3 only:
  StyleGAN2 has no input transform);
* noise_mode const / random / none for StyleGAN2's per-layer noise (StyleGAN3 has none);
* the visualizer's latent pad: W of four integer seeds blended bilinearly around w_avg;
* style mixing: selected W indices taken from another seed;
* images -> uint8 (x * 127.5 + 128, clamped) -> PNG/JPEG bytes;
* layer views: any synthesis layer's output as a grey or RGB picture.
No web imports: the server and the CLI both call these.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import torch

from ganlab.stylegan3.networks import Generator
from ganlab.stylegan3.prefix_cache import PrefixCache, cached_forward
from ganlab.stylegan3.views.layer import scale_channels


def seed_to_z(seed: int, z_dim: int) -> np.ndarray:
    """z [1, z_dim] float64 for a seed, as official gen_images (seeds wrap to uint32 like the visualizer)."""
    return np.random.RandomState(int(seed) % (1 << 32)).randn(1, z_dim)


def class_vector(G: Generator, class_idx: int | None, batch: int = 1) -> torch.Tensor | None:
    """One-hot c [batch, c_dim] for conditional models, None for unconditional ones."""
    if G.c_dim == 0:
        return None
    if class_idx is None or not 0 <= class_idx < G.c_dim:
        raise ValueError(f"this model is conditional: pass a class index in [0, {G.c_dim - 1}]")
    c = torch.zeros([batch, G.c_dim], device=_device(G))
    c[:, class_idx] = 1
    return c


def make_transform(translate: tuple[float, float] = (0.0, 0.0), angle_deg: float = 0.0) -> np.ndarray:
    """Forward image transform [[c, s, tx], [-s, c, ty], [0, 0, 1]]; translate in image widths."""
    a = angle_deg / 360.0 * np.pi * 2
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, s, translate[0]], [-s, c, translate[1]], [0.0, 0.0, 1.0]])


def has_input_transform(G) -> bool:
    """StyleGAN3 networks start from a transformable Fourier input; StyleGAN2 ones from a constant."""
    return hasattr(G.synthesis, "input")


def set_input_transform(G: Generator, translate=(0.0, 0.0), angle_deg: float = 0.0) -> None:
    """Write the inverse transform into synthesis.input.transform, as gen_images does.
    StyleGAN2 has no input transform: the identity is accepted, anything else refused."""
    if not has_input_transform(G):
        if tuple(translate) != (0.0, 0.0) or angle_deg != 0.0:
            raise ValueError("StyleGAN2 has no input transform: translate and rotate must be 0")
        return
    m = np.linalg.inv(make_transform(translate, angle_deg))
    G.synthesis.input.transform.copy_(torch.from_numpy(m))


def _device(G: Generator) -> torch.device:
    return G.mapping.w_avg.device


@torch.no_grad()
def seed_ws(
    G: Generator, seed: int, truncation_psi=1.0, truncation_cutoff=None, class_idx=None
) -> torch.Tensor:
    """ws [1, num_ws, w_dim] for one seed."""
    z = torch.from_numpy(seed_to_z(seed, G.z_dim)).to(_device(G), torch.float32)
    return G.mapping(
        z, class_vector(G, class_idx), truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff
    )


@torch.no_grad()
def blended_ws(G: Generator, x: float, y: float, truncation_psi=1.0, truncation_cutoff=None, class_idx=None):
    """The visualizer's latent pad: bilinear blend (around w_avg) of the 4 seeds round(x)+100*round(y)."""
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - x0, y - y0
    w_avg = G.mapping.w_avg
    total = 0
    for dx, dy, weight in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        if weight == 0:
            continue
        ws = seed_ws(G, x0 + dx + (y0 + dy) * 100, truncation_psi, truncation_cutoff, class_idx)
        total = total + (ws - w_avg) * weight
    return total + w_avg


def mix_styles(ws: torch.Tensor, mix_ws: torch.Tensor, indices) -> torch.Tensor:
    """Copy of ws [N, num_ws, w_dim] whose W indices in `indices` come from mix_ws."""
    out = ws.clone()
    idx = list(indices)
    if idx:
        out[:, idx] = mix_ws[:, idx].to(out)
    return out


@torch.no_grad()
def synthesize(
    G: Generator,
    ws: torch.Tensor,
    force_fp32: bool = False,
    noise_mode: str = "const",
    compute_dtype=None,
    cache: PrefixCache | None = None,
) -> torch.Tensor:
    """ws -> image [N, C, H, W] float in about [-1, 1]. `noise_mode` matters for StyleGAN2 only;
    `compute_dtype` (bf16 previews) and the prefix `cache` apply to StyleGAN3 networks only."""
    if not has_input_transform(G):  # StyleGAN2: no staged forward to cache, fp32 on the CPU as NVIDIA's
        return G.synthesis(ws.to(_device(G)), force_fp32=force_fp32, noise_mode=noise_mode)
    out, _ = cached_forward(G, ws.to(_device(G)), None, cache, force_fp32=force_fp32, compute_dtype=compute_dtype)
    return out


def to_uint8(img: torch.Tensor) -> np.ndarray:
    """[N, C, H, W] in [-1, 1] -> uint8 [N, H, W, C] with official rounding (x*127.5+128, clamp)."""
    return (img.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8).cpu().numpy()


def encode_image(arr: np.ndarray, fmt: str = "png", quality: int = 90) -> bytes:
    """uint8 [H, W, C] (C = 1 or 3) -> PNG or JPEG bytes."""
    from PIL import Image

    img = Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr)
    buf = io.BytesIO()
    if fmt.lower() in ("jpg", "jpeg"):
        img.convert("RGB" if arr.shape[-1] == 3 else "L").save(buf, format="JPEG", quality=quality)
    else:
        img.save(buf, format="PNG")
    return buf.getvalue()


def image_grid(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """uint8 [N, H, W, C] -> one [rows*H, cols*W, C] grid (missing cells are black)."""
    n, h, w, c = images.shape
    grid = np.zeros([rows * h, cols * w, c], dtype=np.uint8)
    for i in range(min(n, rows * cols)):
        r, q = divmod(i, cols)
        grid[r * h : (r + 1) * h, q * w : (q + 1) * w] = images[i]
    return grid


@dataclass(frozen=True)
class LayerInfo:
    """One entry of the layer list: name, spatial size, channels."""

    name: str
    size: int
    channels: int


def _stylegan2_layers(syn) -> list[LayerInfo]:
    return [LayerInfo(*row) for row in syn.layer_table()]


def list_layers(G: Generator) -> list[LayerInfo]:
    """Every capturable stage: StyleGAN3 "input" and the L* layers, StyleGAN2 the b<res>.conv0/conv1/torgb
    layers; then "output" (the image)."""
    syn = G.synthesis
    if not has_input_transform(G):
        return [*_stylegan2_layers(syn), LayerInfo("output", syn.img_resolution, syn.img_channels)]
    layers = [LayerInfo("input", int(syn.input.size[0]), syn.input.channels)]
    layers += [LayerInfo(s.name, s.out_size, s.out_channels) for s in syn.specs]
    layers.append(LayerInfo("output", syn.img_resolution, syn.img_channels))
    return layers


@torch.no_grad()
def capture_layer(
    G: Generator,
    ws: torch.Tensor,
    name: str,
    force_fp32: bool = False,
    noise_mode: str = "const",
    compute_dtype=None,
    cache: PrefixCache | None = None,
) -> torch.Tensor:
    """Output of one stage for ws; the forward stops at that layer. Returns float32 [N, C, H, W]."""
    stop = None if name == "output" else name
    inputs = ("input",) if has_input_transform(G) else ()
    if stop not in (None, *inputs, *G.synthesis.layer_names):
        raise ValueError(f"unknown layer {name!r}; see list_layers()")
    ws = ws.to(_device(G))
    if not inputs:  # StyleGAN2
        out = G.synthesis.forward_until(ws, stop, force_fp32=force_fp32, noise_mode=noise_mode)
    else:
        out, _ = cached_forward(G, ws, stop, cache, force_fp32=force_fp32, compute_dtype=compute_dtype)
    return out.float()


@dataclass
class LayerView:
    """How to show a feature map: base channel, RGB (3 channels) or grey, normalisation, gain in dB."""

    channel: int = 0
    rgb: bool = False
    normalize: bool = True
    gain_db: float = 0.0
    stats: dict = field(default_factory=dict)


def layer_image(feat: torch.Tensor, view: LayerView) -> np.ndarray:
    """feat [C, H, W] -> uint8 [H, W, 1 or 3]; view.stats gets mean/std/max-abs of the shown channels."""
    assert feat.ndim == 3, feat.shape
    n = 3 if view.rgb and feat.shape[0] >= 3 else 1
    base = max(0, min(view.channel, feat.shape[0] - n))
    x = feat[base : base + n].float()
    view.stats = {
        "mean": float(x.mean()),
        "std": float(x.std()) if x.numel() > 1 else 0.0,
        "max_abs": float(x.abs().max()),
        "channel": base,
        "channels": int(feat.shape[0]),
    }
    return to_uint8(scale_channels(x, view.normalize, view.gain_db).unsqueeze(0))[0]


@dataclass
class RenderParams:
    """Everything one StyleGAN3 picture depends on (names follow the official tools)."""

    seed: int = 0
    latent_xy: tuple[float, float] | None = None  # latent pad position; overrides seed when set
    truncation_psi: float = 1.0
    truncation_cutoff: int | None = None  # None = truncate all ws
    class_idx: int | None = None
    translate: tuple[float, float] = (0.0, 0.0)  # image widths
    rotate: float = 0.0  # degrees
    mix_seed: int | None = None
    mix_indices: tuple[int, ...] = ()  # ws taken from mix_seed
    layer: str = "output"  # "output", "input" or a layer name from list_layers
    view: LayerView = field(default_factory=LayerView)
    force_fp32: bool = False
    noise_mode: str = "const"  # StyleGAN2 only: "const", "random" or "none"


def render(G: Generator, p: RenderParams) -> np.ndarray:
    """One picture as uint8 [H, W, 1 or 3]. Sets G's input transform (not thread-safe: lock around G)."""
    if p.latent_xy is not None:
        ws = blended_ws(G, p.latent_xy[0], p.latent_xy[1], p.truncation_psi, p.truncation_cutoff, p.class_idx)
    else:
        ws = seed_ws(G, p.seed, p.truncation_psi, p.truncation_cutoff, p.class_idx)
    if p.mix_seed is not None and p.mix_indices:
        ws = mix_styles(
            ws, seed_ws(G, p.mix_seed, p.truncation_psi, p.truncation_cutoff, p.class_idx), p.mix_indices
        )
    set_input_transform(G, p.translate, p.rotate)
    if p.layer == "output":
        return to_uint8(synthesize(G, ws, p.force_fp32, p.noise_mode))[0]
    return layer_image(capture_layer(G, ws, p.layer, p.force_fp32, p.noise_mode)[0], p.view)
