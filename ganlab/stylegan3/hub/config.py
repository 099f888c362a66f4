"""Model hub settings, from `GANLAB_HUB_*` environment variables (shared by the CLI and the server)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HubConfig(BaseSettings):
    """Where the catalog points and how downloads behave."""

    model_config = SettingsConfigDict(env_prefix="GANLAB_HUB_", extra="ignore")

    base_url: str | None = Field(
        None,
        description="Replaces the base URL of every catalog source: a mirror, or a test server "
        "(e.g. http://127.0.0.1:8765/). Unset: NVIDIA's NGC.",
    )
    max_mb: float = Field(2048, gt=0, description="Largest file a download may be, in MB (10^6 bytes).")
    timeout_s: float = Field(30, gt=0, le=600, description="Seconds to wait for a connection or for data.")
    retries: int = Field(3, ge=0, le=20, description="Retries after a cut or stalled connection (resuming).")
    retry_delay_s: float = Field(1.0, ge=0, le=60, description="Wait before the first retry; doubles each time.")

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 10**6)
