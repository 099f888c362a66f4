"""How latent directions are found (the settings of directions.py), without torch: the CLI
builds its flags from this model, and `ganlab --help` must not load torch."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class DirectionsSpec(BaseModel):
    """How directions are found; every value here changes the result, so all are in the cache key."""

    model_config = ConfigDict(extra="forbid")

    n_samples: int = Field(10_000, ge=100, le=100_000, description="Latents sampled for the PCA.")
    num_directions: int = Field(20, ge=1, le=64, description="Principal directions kept (k).")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the sampled latents.")

    def slug(self) -> str:
        return f"n{self.n_samples}-k{self.num_directions}-s{self.seed}-v{FORMAT_VERSION}"
