"""Per-client rate limits on the expensive StyleGAN3 requests: renders and uploads.

A token bucket per (client address, kind): `capacity` requests at once, refilled at
`capacity / period_s`. One student holding down a slider (or a script in a loop) then waits
for its own bucket instead of taking the render thread from the rest of the class. Behind a
reverse proxy every client has the proxy's address, so the limits become the proxy's (see
docs/deploy.md).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    tokens: float
    stamp: float = field(default_factory=time.monotonic)


class RateLimiter:
    """`allow(key)` spends one token, or returns the seconds until one is free."""

    MAX_KEYS = 10_000  # a flood of spoofed-looking clients cannot grow this without bound

    def __init__(self, capacity: int, period_s: float):
        self.capacity, self.rate = capacity, capacity / period_s
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> float:
        """0.0 if allowed (a token was spent), else the wait in seconds before the next one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.MAX_KEYS:
                    self._buckets.clear()
                bucket = self._buckets[key] = Bucket(float(self.capacity), now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


# (method, path) -> which limit applies
LIMITED = {
    ("POST", "/api/stylegan3/generate"): "renders",
    ("POST", "/api/stylegan3/grid"): "renders",
    ("POST", "/api/stylegan3/models"): "uploads",
}


def limiters(renders_per_min: int, uploads_per_hour: int) -> dict[str, RateLimiter]:
    return {"renders": RateLimiter(renders_per_min, 60.0), "uploads": RateLimiter(uploads_per_hour, 3600.0)}


def retry_after(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))
