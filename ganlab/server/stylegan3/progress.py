"""Render progress for the tab: which synthesis layer the render thread is on, sent to one socket.

A render shorter than `after_s` (GANLAB_SG3_PROGRESS_AFTER_S) says nothing: its frame arrives
first. A longer one sends a `progress` message with `phase: "render"` at most every `EVERY_S`,
so the tab can show a bar instead of a still black box. The hooks fire on the render thread;
messages are handed to the event loop with call_soon_threadsafe, and never wait for the socket.

The same hook lets a frame give way: once `give_way()` says a request that replaces it is
waiting (the exact frame on release, for a drag preview; anything newer, for a grid or an
interpolation), the frame stops at its next layer (`Superseded`), so the newer request does
not wait behind a picture nobody will look at.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

EVERY_S = 0.1


class Superseded(Exception):
    """The render was abandoned between two layers: a request that replaces it is waiting."""


class LayerReporter:
    """`on_layer(index, count, name)` for one frame; posts `progress` messages through `post`."""

    def __init__(
        self,
        post: Callable[[dict], None],
        base: dict,
        estimate_s: float | None,
        after_s: float,
        give_way: Callable[[], bool] | None = None,
    ):
        self.loop = asyncio.get_running_loop()
        self.post, self.base, self.estimate_s, self.after_s = post, base, estimate_s, after_s
        self.give_way = give_way
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, index: int, count: int, name: str) -> None:
        if self.give_way is not None and self.give_way():
            raise Superseded(name)
        now = time.monotonic()
        if now - self.start < self.after_s or now - self.last < EVERY_S:
            return
        self.last = now
        message = {
            **self.base,
            "type": "progress",
            "phase": "render",
            "layer": name,
            "layer_index": index,
            "layer_count": count,
            "elapsed_s": round(now - self.start, 2),
            "estimate_s": None if self.estimate_s is None else round(self.estimate_s, 2),
        }
        self.loop.call_soon_threadsafe(self.post, message)
