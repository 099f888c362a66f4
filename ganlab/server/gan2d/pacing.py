"""Small timing helpers of the training loop: steady deadlines, bounded waits and a live epochs/s meter."""

from __future__ import annotations

# The loop never sleeps longer than this on a deadline; it simply looks again. Besides keeping
# the loop responsive, it keeps absurd deadlines (a rate of 1e-300 epochs/s is 1e300 s away)
# away from the OS wait, which overflows ("timestamp out of range") past threading.TIMEOUT_MAX.
MAX_WAIT_S = 1.0


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


def bounded_wait_s(seconds: float) -> float:
    """A wait the OS accepts: in [0, MAX_WAIT_S]; NaN (no sane deadline) waits the longest."""
    if seconds != seconds:
        return MAX_WAIT_S
    return min(max(0.0, seconds), MAX_WAIT_S)
