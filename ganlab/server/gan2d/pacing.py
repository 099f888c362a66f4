"""Small timing helpers of the training loop: steady deadlines and a live epochs/s meter."""

from __future__ import annotations


class RateMeter:
    """Epochs per second over the last second or so, as shown next to the epoch counter."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._t0: float | None = None
        self._epoch0 = 0
        self.value = 0.0

    def update(self, epoch: int, now: float) -> float:
        if self._t0 is None or epoch < self._epoch0:
            self._t0, self._epoch0 = now, epoch
            return self.value
        elapsed = now - self._t0
        if elapsed >= 0.5:
            self.value = (epoch - self._epoch0) / elapsed
            self._t0, self._epoch0 = now, epoch
        return round(self.value, 2)


def next_deadline(previous: float, interval_s: float, now: float) -> float:
    """Keep a steady cadence, but never try to catch up more than a second of lost time."""
    nxt = previous + interval_s
    return nxt if nxt > now - 1.0 else now + interval_s
