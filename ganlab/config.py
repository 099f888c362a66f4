"""Server settings, read once from `GANLAB_*` environment variables.

Tests build their own `Settings(...)` and pass it to `create_app`, or clear the
cache of `get_settings()` after changing the environment.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The UI ships inside the package (ganlab/static), so a wheel serves it from any folder.
DEFAULT_STATIC_DIR = Path(str(resources.files("ganlab") / "static"))


class Settings(BaseSettings):
    """Every knob of the server. `GANLAB_PORT=9000 ganlab serve` overrides `port`."""

    model_config = SettingsConfigDict(env_prefix="GANLAB_", extra="ignore")

    host: str = Field("127.0.0.1", description="Bind address; loopback by default so nothing is exposed.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port; 0 picks a free one.")
    models_dir: Path = Field(Path("models"), description="Where StyleGAN3 .pkl/.safetensors files are found.")
    device: str = Field("auto", description="'auto' (CUDA when available), 'cpu' or 'cuda[:N]'.")
    # Every number has an upper bound too: an unbounded pacing value (a frame rate of 1e-300 Hz
    # is a deadline 1e300 s away) is exactly what once killed a session's thread.
    max_sessions: int = Field(
        16, ge=1, le=1000, description="Concurrent GAN Lab sessions; the next one is refused."
    )
    frame_hz: float = Field(30.0, ge=1, le=240, description="Most frames per second sent to one client.")
    session_grace_s: float = Field(
        60.0, ge=0, le=86_400, description="How long a disconnected session waits for its client to come back."
    )
    max_message_bytes: int = Field(
        2_000_000,
        ge=1024,
        le=64 * 2**20,
        description="Largest client websocket message handled; bigger ones get an error.",
    )
    max_points: int = Field(
        20_000, ge=1, le=1_000_000, description="Most drawn/uploaded points accepted in one message."
    )
    grid_size: int = Field(64, ge=8, le=256, description="Resolution of the streamed D heatmap.")
    history_limit: int = Field(
        5_000,
        ge=100,
        le=1_000_000,
        description="Metric rows kept per session; older rows are thinned, never dropped whole.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra browser origins (scheme://host:port) allowed to open websockets and send "
        "uploads; the server's own origin always is. A JSON list or comma-separated.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names this server answers to, besides loopback names and addresses and the "
        "bound address (a guard against DNS rebinding). A JSON list or comma-separated; '*' allows any "
        "Host (only behind a proxy that checks Host itself).",
    )
    static_dir: Path = Field(DEFAULT_STATIC_DIR, description="Folder served at /.")
    instance: str = Field(
        "",
        pattern=r"^[a-z0-9]{0,16}$",
        description="Name of this process behind a reverse proxy; it prefixes session ids (`NAME-<hex>`) "
        "so the proxy can send a reconnecting client back to the process that holds its session.",
    )
    rate_renders_per_min: int = Field(
        600, ge=1, le=1_000_000, description="StyleGAN3 renders over HTTP one client may ask for per minute."
    )
    rate_uploads_per_hour: int = Field(
        20, ge=1, le=100_000, description="StyleGAN3 network uploads one client may send per hour."
    )
    token: str | None = Field(
        None,
        min_length=8,
        description="Access token every request needs (given once as ?token=, then kept in a cookie). "
        "Bound beyond loopback without one, the server makes one up and prints the link.",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=256,
        description="Worker processes that train GAN Lab sessions (default one per core); 0 trains them "
        "on threads of the web process.",
    )
    frame_share: float = Field(
        0.5,
        ge=0.01,
        le=1.0,
        description="The most of a worker's CPU time that frames may take when many sessions play; "
        "each session then gets fewer frames (at least 5/s, and it is told so), so training keeps the rest.",
    )
    snapshot_interval_s: float = Field(
        5.0, ge=0.5, le=3600, description="How often each session's state is snapshotted (to restore it)."
    )
    snapshot_dir: Path | None = Field(
        None,
        description="Opt-in: write session snapshots here, so sessions come back after a server restart.",
    )

    @field_validator("allowed_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """`GANLAB_ALLOWED_HOSTS=lab.school.org,10.0.0.5` or a JSON list: both read as a list."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
