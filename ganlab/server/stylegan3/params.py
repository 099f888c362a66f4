"""Every value a StyleGAN3 render takes, declared once with its default, bounds and description.

`RenderParams` is the body of `POST /api/stylegan3/generate` and the `params` of a websocket
`render` message, and its JSON schema is served to the browser. Bounds that depend on the
model (cutoff <= num_ws, class index < c_dim, mixing indices, layer names) are checked by
`check_for_model` once the model is known; every error names its field.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SEED_MAX = 2**32 - 1  # the official tools mask seeds to uint32
MAX_WS = 64  # generous static cap; the real one is the model's num_ws
MODEL_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_. +()-]*(/[A-Za-z0-9_][A-Za-z0-9_. +()-]*)*$")

Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Offset = Annotated[float, Field(ge=-2.0, le=2.0)]
EditAmount = Annotated[float, Field(ge=-20.0, le=20.0)]
MAX_DIRECTIONS = 64  # static cap; the real one is how many directions the server keeps


class FieldError(ValueError):
    """A request value that is wrong for this model; `field` is the key in RenderParams."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


def check_model_id(value: str) -> str:
    """Reject ids that could leave the models folder: absolute paths, `..`, backslashes, drives."""
    if value.startswith(("/", "\\")) or "\\" in value or ":" in value or "\0" in value:
        raise ValueError("must be a model id from GET /api/stylegan3/models, not a path")
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError("'..' and '.' are not allowed in a model id (no paths outside the models folder)")
    if not MODEL_ID_RE.match(value):
        raise ValueError("may only contain letters, digits, '_', '-', '.', ' ', '+', '(', ')' and '/'")
    return value


class RenderParams(BaseModel):
    """One image: which model, which latent, which truncation, transform, mixing and view."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "StyleGAN3 render"})

    model: str = Field(
        "demo",
        min_length=1,
        max_length=255,
        description="Model id from GET /api/stylegan3/models ('demo' is always there).",
    )
    seed: Seed = Field(0, description="Latent seed; z = RandomState(seed).randn(z_dim), as NVIDIA's tools.")
    seed_offset: tuple[Fraction, Fraction] = Field(
        (0.0, 0.0),
        description="2D latent pad position inside the seed cell: W is blended bilinearly from "
        "seeds seed, seed+1 (x) and seed+100, seed+101 (y), as the official latent widget does.",
    )
    truncation_psi: float = Field(1.0, ge=-1.0, le=2.0, description="Truncation psi: 1 = none, 0 = w_avg.")
    truncation_cutoff: int | None = Field(
        None, ge=0, le=MAX_WS, description="Truncate only the first this many ws (0..num_ws); null = all."
    )
    class_idx: int | None = Field(None, ge=0, description="Class index, for conditional models only.")
    translate: tuple[Offset, Offset] = Field(
        (0.0, 0.0), description="Input translation (x, y) in image widths; +x moves content right."
    )
    rotate: float = Field(0.0, ge=-360.0, le=360.0, description="Input rotation in degrees.")
    mix_seed: Seed | None = Field(None, description="Style-mixing seed; its W replaces the ws in mix_ws.")
    mix_ws: list[Annotated[int, Field(ge=0, lt=MAX_WS)]] = Field(
        default_factory=list, max_length=MAX_WS, description="Indices of the ws that take mix_seed's W."
    )
    interp_seed: Seed | None = Field(None, description="Second seed of a latent interpolation (in W).")
    interp_t: Fraction = Field(0.0, description="Interpolation position: 0 = seed, 1 = interp_seed.")
    noise_mode: Literal["const", "random", "none"] = Field(
        "const",
        description="StyleGAN2 per-layer noise: const (the stored noise, as gen_images), random (fresh each "
        "frame) or none. StyleGAN3 networks have no noise inputs.",
    )
    layer: str | None = Field(
        None,
        max_length=64,
        description="Show this synthesis layer's output ('input', 'L0_36_512', ...; StyleGAN2: 'b8.conv0', ...).",
    )
    layer_channel: int = Field(0, ge=0, description="First channel shown in the layer view.")
    layer_rgb: bool = Field(False, description="Layer view: 3 consecutive channels as RGB, else one as grey.")
    layer_gain_db: float = Field(
        0.0, ge=-40.0, le=40.0, description="Layer view gain after normalising, in dB."
    )
    preview: bool = Field(
        False,
        description="A frame shown while a control is being dragged: on CPUs with bfloat16 "
        "instructions (AVX512-BF16, AMX) it renders in bf16, about twice as fast; the tab asks "
        "again with preview false on release, which renders the exact fp32 frame.",
    )
    force_fp32: bool = Field(
        False,
        description="Force FP32, as the official visualizer: no bf16 previews, and no fp16 layers on CUDA.",
    )

    layer_normalize: bool = Field(
        True, description="Layer view: divide each shown channel by its max |v| (the official 'Normalize')."
    )
    layer_order: Literal["index", "energy"] = Field(
        "index",
        description="Layer view: count layer_channel in channel order, or by energy (RMS, strongest first).",
    )
    fft: bool = Field(False, description="Show the power spectrum (dB, Kaiser-windowed) beside the picture.")
    fft_all: bool = Field(True, description="FFT view: sum the spectra of all channels, else the shown ones.")
    fft_range_db: float = Field(50.0, ge=0.1, le=100.0, description="FFT view: colours span +-this many dB.")
    fft_beta: float = Field(8.0, ge=0.0, le=50.0, description="FFT view: Kaiser window beta (0 = no window).")
    untransform: bool = Field(
        False, description="Undo translate/rotate on the result (band-limited resampling), to show equivariance."
    )
    translate_round: bool = Field(False, description="Round the translation to whole output pixels.")
    edit_amounts: list[EditAmount] = Field(
        default_factory=list,
        max_length=MAX_DIRECTIONS,
        description="Latent directions (PCA of W): how far to move along direction i, in its standard "
        "deviations; trailing directions may be left out.",
    )
    edit_layers: Literal["all", "coarse", "middle", "fine", "custom"] = Field(
        "all", description="Which ws the edit moves: GANSpace's coarse/middle/fine, all, or edit_first..edit_last."
    )
    edit_first: int = Field(0, ge=0, lt=MAX_WS, description="First w a custom edit moves.")
    edit_last: int | None = Field(
        None, ge=0, lt=MAX_WS, description="Last w (inclusive) a custom edit moves; null = the final one."
    )

    @field_validator("model")
    @classmethod
    def _safe_model_id(cls, value: str) -> str:
        return check_model_id(value)

    @field_validator("mix_ws")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


def first_error(error: ValidationError) -> tuple[str, str]:
    """(field, message) of a pydantic error, with the field as a dotted key (`translate.0`)."""
    item = error.errors()[0]
    loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "params")]
    return ".".join(loc) or "params", item.get("msg", "invalid value")


def check_for_model(params: RenderParams, info: dict) -> None:
    """Raise FieldError for values that this model cannot take (its num_ws, c_dim, layers)."""
    num_ws, c_dim = info["num_ws"], info["c_dim"]
    if info.get("architecture") == "StyleGAN2":
        if tuple(params.translate) != (0.0, 0.0):
            raise FieldError("translate", "StyleGAN2 has no input transform; leave translate at 0,0")
        if params.rotate != 0.0:
            raise FieldError("rotate", "StyleGAN2 has no input transform; leave rotate at 0")
    if params.truncation_cutoff is not None and params.truncation_cutoff > num_ws:
        raise FieldError("truncation_cutoff", f"must be between 0 and num_ws={num_ws}")
    if c_dim == 0 and params.class_idx is not None:
        raise FieldError("class_idx", "this model is unconditional; leave class_idx empty (null)")
    if c_dim > 0 and params.class_idx is None:
        raise FieldError("class_idx", f"this model is conditional: give a class between 0 and {c_dim - 1}")
    if c_dim > 0 and params.class_idx >= c_dim:
        raise FieldError("class_idx", f"must be between 0 and {c_dim - 1}")
    if any(i >= num_ws for i in params.mix_ws):
        raise FieldError("mix_ws", f"indices must be between 0 and {num_ws - 1}")
    if params.edit_layers == "custom":
        last = num_ws - 1 if params.edit_last is None else params.edit_last
        if not params.edit_first <= last < num_ws:
            raise FieldError("edit_last", f"must be between edit_first={params.edit_first} and {num_ws - 1}")
    if params.layer is not None:
        layers = {layer["name"]: layer for layer in info["layers"]}
        if params.layer not in layers:
            raise FieldError("layer", f"unknown layer; one of {', '.join(layers)}")
        if params.layer_channel >= layers[params.layer]["channels"]:
            raise FieldError("layer_channel", f"must be below {layers[params.layer]['channels']}")
