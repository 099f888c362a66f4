"""Every value a video takes, with its default, bounds and description (the CLI, the API and the tab).

Names follow gen_video.py where it has them (`w_frames`, `num_keyframes`, `wraps`, `kind`,
`shuffle_seed`). The grid is rows x columns as everywhere else in ganlab; gen_video's `--grid`
is written width x height (columns first). Limits that need the model (resolution, num_ws,
c_dim) are checked by `check_for_model`; every error names its field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SEED_MAX = 2**32 - 1
MAX_SEEDS = 1024
MAX_GRID = 8
MAX_FRAMES = 3600  # one minute at 60 fps
MAX_SIDE = 4096  # pixels of the tiled frame, each way
MAX_WS = 64

Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]


class VideoError(ValueError):
    """A value that is wrong for this model; `field` is the key in VideoParams."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class VideoParams(BaseModel):
    """One video: seeds on a grid, walked through in W from keyframe to keyframe."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "StyleGAN3 video"})

    seeds: list[Seed] = Field(
        default_factory=lambda: [0, 1, 2],
        min_length=1,
        max_length=MAX_SEEDS,
        description="Keyframe seeds; cell (r, c) walks through num_keyframes consecutive ones, repeating the list.",
    )
    rows: int = Field(1, ge=1, le=MAX_GRID, description="Grid rows (gen_video's grid height).")
    cols: int = Field(1, ge=1, le=MAX_GRID, description="Grid columns (gen_video's grid width).")
    num_keyframes: int | None = Field(
        None, ge=1, le=MAX_SEEDS, description="Keyframes per cell; unset = len(seeds) / (rows*cols), which must divide."
    )
    w_frames: int = Field(120, ge=1, le=MAX_FRAMES, description="Frames per transition between two keyframes.")
    kind: Literal["linear", "quadratic", "cubic"] = Field(
        "cubic", description="Interpolation between keyframes in W (scipy interp1d kind; gen_video uses cubic)."
    )
    wraps: int = Field(2, ge=0, le=8, description="Copies of the keyframes on each side, so the walk loops smoothly.")
    shuffle_seed: int | None = Field(None, ge=0, le=SEED_MAX, description="Shuffle the seed layout with this seed.")
    truncation_psi: float = Field(1.0, ge=-1.0, le=2.0, description="Truncation psi: 1 = none, 0 = w_avg.")
    truncation_cutoff: int | None = Field(None, ge=0, le=MAX_WS, description="Truncate only the first N ws.")
    class_idx: int | None = Field(None, ge=0, description="Class index, for conditional models only.")
    fps: int = Field(60, ge=1, le=120, description="Frames per second of the file (gen_video: 60).")
    format: Literal["mp4", "gif"] = Field("mp4", description="mp4 (H.264, bundled ffmpeg) or gif (Pillow).")

    @model_validator(mode="after")
    def _layout(self) -> VideoParams:
        cells = self.rows * self.cols
        if self.num_keyframes is None and len(self.seeds) % cells:
            raise ValueError(
                f"seeds: {len(self.seeds)} seeds do not fill {self.rows}x{self.cols} cells evenly; "
                "give a multiple of rows*cols seeds, or set num_keyframes"
            )
        if self.frames > MAX_FRAMES:
            raise ValueError(
                f"w_frames: num_keyframes x w_frames = {self.frames} frames; at most {MAX_FRAMES} in one video"
            )
        return self

    @property
    def keyframes(self) -> int:
        return self.num_keyframes or len(self.seeds) // (self.rows * self.cols)

    @property
    def frames(self) -> int:
        return self.keyframes * self.w_frames


def check_for_model(params: VideoParams, resolution: int, num_ws: int, c_dim: int) -> None:
    """Raise VideoError for values this model cannot take (frame size, cutoff, class)."""
    for field, count in (("rows", params.rows), ("cols", params.cols)):
        if count * resolution > MAX_SIDE:
            raise VideoError(
                field,
                f"{count} x {resolution} px is over {MAX_SIDE} px; at most {MAX_SIDE // resolution} for this model",
            )
    if params.truncation_cutoff is not None and params.truncation_cutoff > num_ws:
        raise VideoError("truncation_cutoff", f"must be between 0 and num_ws={num_ws}")
    if c_dim == 0 and params.class_idx is not None:
        raise VideoError("class_idx", "this model is unconditional; leave class_idx empty")
    if c_dim > 0 and (params.class_idx is None or params.class_idx >= c_dim):
        raise VideoError("class_idx", f"this model is conditional: give a class between 0 and {c_dim - 1}")


GIF_PIXELS_NOTE = (
    "a GIF of {pixels:,} pixels (frames x frame size) is over the {limit:,} kept in memory; "
    "use mp4, fewer frames or a smaller grid"
)


def first_error(error) -> tuple[str, str]:
    """(field, message) of a pydantic ValidationError of VideoParams, with the allowed range spelt out."""
    item = error.errors()[0]
    loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "params")]
    field = loc[0] if loc else ""
    message = item.get("msg", "invalid value").removeprefix("Value error, ")
    info = VideoParams.model_fields.get(field)
    bound_error = item.get("type") in ("greater_than_equal", "less_than_equal", "too_short", "too_long")
    if info is not None and len(loc) == 1 and bound_error:
        keys = ("ge", "le", "min_length", "max_length")
        bounds = {k: getattr(m, k) for m in info.metadata for k in keys if getattr(m, k, None) is not None}
        lo, hi = bounds.get("ge", bounds.get("min_length")), bounds.get("le", bounds.get("max_length"))
        sized = "min_length" in bounds or "max_length" in bounds
        message = f"must {'have' if sized else 'be'} between {lo} and {hi}{' items' if sized else ''}"
        if len(str(item.get("input"))) < 40:
            message += f" (got {item.get('input')!r})"
    if not field and ":" in message:  # whole-model checks start with the field they are about
        field, message = (s.strip() for s in message.split(":", 1))
    return ".".join(loc) or field or "params", message
