"""Server settings, read once from `GANLAB_*` environment variables.

Tests build their own `Settings(...)` and pass it to `create_app`, or clear the
cache of `get_settings()` after changing the environment.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The UI ships inside the package (ganlab/static), so a wheel serves it from any folder.
DEFAULT_STATIC_DIR = Path(str(resources.files("ganlab") / "static"))


class Settings(BaseSettings):
    """Every knob of the server. `GANLAB_PORT=9000 ganlab serve` overrides `port`."""

    model_config = SettingsConfigDict(env_prefix="GANLAB_", extra="ignore")

    host: str = Field("127.0.0.1", description="Bind address; loopback by default so nothing is exposed.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port; 0 picks a free one.")
    models_dir: Path = Field(Path("models"), description="Where StyleGAN3 .pkl/.safetensors files are found.")
    device: str = Field("auto", description="'auto' (CUDA when available), 'cpu' or 'cuda[:N]'.")
    max_sessions: int = Field(16, ge=1, description="Concurrent GAN Lab sessions; the next one is refused.")
    frame_hz: float = Field(30.0, gt=0, le=240, description="Most frames per second sent to one client.")
    session_grace_s: float = Field(
        60.0, ge=0, description="How long a disconnected session waits for its client to come back."
    )
    max_message_bytes: int = Field(
        2_000_000, ge=1024, description="Largest client websocket message handled; bigger ones get an error."
    )
    max_points: int = Field(20_000, ge=1, description="Most drawn/uploaded points accepted in one message.")
    grid_size: int = Field(64, ge=8, le=256, description="Resolution of the streamed D heatmap.")
    history_limit: int = Field(
        5_000,
        ge=100,
        description="Metric rows kept per session; older rows are thinned, never dropped whole.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Extra browser origins allowed to open websockets (the server's own origin always is).",
    )
    static_dir: Path = Field(DEFAULT_STATIC_DIR, description="Folder served at /.")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
