"""StyleGAN2 constructor kwargs: one normalised form for both official formats, checked before building.

* stylegan3 repo, `training.networks_stylegan2.Generator(z_dim, c_dim, w_dim, img_resolution,
  img_channels, mapping_kwargs={}, **synthesis_kwargs)`: already our form.
* stylegan2-ada-pytorch, `training.networks.Generator(..., mapping_kwargs={}, synthesis_kwargs={})`:
  the synthesis arguments are nested, and three defaults differ (w_avg_beta 0.995,
  num_fp16_res 0, conv_clamp None). Normalising writes those defaults out explicitly, so the
  network built from the flat form computes exactly what the ADA code computes.

A pickle's kwargs come from the file, so every value is checked against a range before any
tensor is allocated: a hostile file gets a clear ValueError naming the field, not a huge
allocation.
"""

from __future__ import annotations

import math

from ganlab.stylegan3.errors import NetworkBoundsError as KwargsError  # a ValueError

GENERATOR_ARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels")
ADA_SYNTHESIS_DEFAULTS = {"num_fp16_res": 0, "conv_clamp": None}
ADA_MAPPING_DEFAULTS = {"w_avg_beta": 0.995}

_SYNTHESIS_KEYS = {
    "channel_base",
    "channel_max",
    "num_fp16_res",
    "architecture",
    "resample_filter",
    "conv_clamp",
    "fp16_channels_last",
    "fused_modconv_default",
    "kernel_size",
    "use_noise",
    "activation",
}
_MAPPING_KEYS = {"num_layers", "embed_features", "layer_features", "activation", "lr_multiplier", "w_avg_beta"}
MAX_PARAMETERS = 200_000_000  # about 6x the largest released StyleGAN2 generator


def is_ada_format(kwargs: dict) -> bool:
    """stylegan2-ada-pytorch records its nested `synthesis_kwargs` argument; the stylegan3 repo never does."""
    return "synthesis_kwargs" in kwargs


def normalize_generator_kwargs(kwargs: dict) -> dict:
    """Either format -> the stylegan3-repo form (flat synthesis kwargs), ADA defaults made explicit."""
    kwargs = dict(kwargs)
    if not is_ada_format(kwargs):
        return kwargs
    synthesis = kwargs.pop("synthesis_kwargs")
    mapping = kwargs.pop("mapping_kwargs", None) or {}
    if not isinstance(synthesis, dict) or not isinstance(mapping, dict):
        raise KwargsError("StyleGAN2-ADA kwargs: synthesis_kwargs and mapping_kwargs must be dicts")
    return {**kwargs, "mapping_kwargs": {**ADA_MAPPING_DEFAULTS, **mapping}, **ADA_SYNTHESIS_DEFAULTS, **synthesis}


def _int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise KwargsError(f"StyleGAN2 {name} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _number(name: str, value, lo: float, hi: float, allow_none: bool = False):
    if value is None and allow_none:
        return value
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not lo <= value <= hi:
        extra = " or null" if allow_none else ""
        raise KwargsError(f"StyleGAN2 {name} must be a number in [{lo}, {hi}]{extra}, got {value!r}")
    return value


def _choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise KwargsError(f"StyleGAN2 {name} must be one of {list(allowed)}, got {value!r}")


def _check_filter(value) -> None:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 16:
        raise KwargsError(f"StyleGAN2 resample_filter must be a list of 1..16 numbers, got {value!r}")
    for v in value:
        _number("resample_filter entry", v, -1e6, 1e6)
    if abs(sum(value)) < 1e-8:
        raise KwargsError("StyleGAN2 resample_filter must not sum to zero")


def _check_mapping(m: dict, w_dim: int) -> tuple[int, int]:
    unknown = set(m) - _MAPPING_KEYS
    if unknown:
        raise KwargsError(f"StyleGAN2 mapping_kwargs: unknown keys {sorted(unknown)}")
    layers = _int("mapping_kwargs.num_layers", m.get("num_layers", 8), 1, 32)
    embed = m.get("embed_features")
    feats = m.get("layer_features")
    embed = w_dim if embed is None else _int("mapping_kwargs.embed_features", embed, 1, 4096)
    feats = w_dim if feats is None else _int("mapping_kwargs.layer_features", feats, 1, 4096)
    _choice("mapping_kwargs.activation", m.get("activation", "lrelu"), ("linear", "relu", "lrelu"))
    _number("mapping_kwargs.lr_multiplier", m.get("lr_multiplier", 0.01), 1e-8, 1e3)
    _number("mapping_kwargs.w_avg_beta", m.get("w_avg_beta", 0.998), 0, 1, allow_none=True)
    return layers, feats


def check_generator_kwargs(kwargs: dict) -> None:
    """Refuse normalised kwargs outside the ranges real StyleGAN2 models use (ValueError names the field)."""
    if not isinstance(kwargs, dict):
        raise KwargsError("StyleGAN2 generator kwargs must be a dict")
    for name in GENERATOR_ARGS:
        if name not in kwargs:
            raise KwargsError(f"StyleGAN2 generator kwargs lack {name}")
    unknown = set(kwargs) - set(GENERATOR_ARGS) - {"mapping_kwargs"} - _SYNTHESIS_KEYS
    if unknown:
        raise KwargsError(f"StyleGAN2 generator kwargs: unknown keys {sorted(unknown)}")
    z_dim = _int("z_dim", kwargs["z_dim"], 1, 4096)
    c_dim = _int("c_dim", kwargs["c_dim"], 0, 100_000)
    w_dim = _int("w_dim", kwargs["w_dim"], 1, 4096)
    res = _int("img_resolution", kwargs["img_resolution"], 4, 1024)
    if res & (res - 1):
        raise KwargsError(f"StyleGAN2 img_resolution must be a power of two in [4, 1024], got {res}")
    img_channels = _int("img_channels", kwargs["img_channels"], 1, 16)
    mapping = kwargs.get("mapping_kwargs") or {}
    if not isinstance(mapping, dict):
        raise KwargsError("StyleGAN2 mapping_kwargs must be a dict")
    map_layers, map_feats = _check_mapping(mapping, w_dim)
    base = _int("channel_base", kwargs.get("channel_base", 32768), 1, 1 << 20)
    cmax = _int("channel_max", kwargs.get("channel_max", 512), 1, 2048)
    if base // res < 1:
        raise KwargsError(f"StyleGAN2 channel_base must be at least img_resolution ({res}), got {base}")
    _int("num_fp16_res", kwargs.get("num_fp16_res", 4), 0, 16)
    _choice("architecture", kwargs.get("architecture", "skip"), ("orig", "skip", "resnet"))
    _check_filter(kwargs.get("resample_filter", [1, 3, 3, 1]))
    _number("conv_clamp", kwargs.get("conv_clamp", 256), 0, 1e9, allow_none=True)
    kernel = _int("kernel_size", kwargs.get("kernel_size", 3), 1, 7)
    if kernel % 2 == 0:
        raise KwargsError(f"StyleGAN2 kernel_size must be odd, got {kernel}")
    _choice("activation", kwargs.get("activation", "lrelu"), ("linear", "relu", "lrelu"))
    _choice("use_noise", kwargs.get("use_noise", True), (True, False))
    _choice("fp16_channels_last", kwargs.get("fp16_channels_last", False), (True, False))
    _choice("fused_modconv_default", kwargs.get("fused_modconv_default", True), (True, False, "inference_only"))
    n = estimate_parameters(z_dim, c_dim, w_dim, res, img_channels, base, cmax, kernel, map_layers, map_feats)
    if n > MAX_PARAMETERS:
        raise KwargsError(f"StyleGAN2 kwargs describe {n:,} parameters, more than the {MAX_PARAMETERS:,} allowed")


def estimate_parameters(z_dim, c_dim, w_dim, res, img_channels, base, cmax, kernel, map_layers, map_feats) -> int:
    """Upper estimate of the generator's tensor elements (the cost of building it)."""
    n = (c_dim + 1) * w_dim + (z_dim + w_dim + map_feats) * map_feats * map_layers
    prev = 0
    r = 4
    while r <= res:
        ch = min(base // r, cmax)
        n += ch * 16 if prev == 0 else 0
        for cin in ([prev] if prev else []) + [ch]:
            n += (w_dim + 1) * cin + ch * cin * kernel * kernel + ch + r * r + 1  # affine, weight, bias, noise
        n += (w_dim + 1) * ch + img_channels * ch + img_channels + prev * ch  # ToRGB and resnet skip
        prev, r = ch, r * 2
    return n
