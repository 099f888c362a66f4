"""Binary frame encoding for the GAN Lab websocket (layout in docs/protocol.md).

A frame is `uint32 LE header length | UTF-8 JSON header | zero padding to 4 bytes |
float32 LE arrays`. The padding keeps the array section 4-byte aligned, so the browser
wraps each array as a `Float32Array` view without copying.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from ganlab.server.gan2d.history import ChartHistory

_LEN = struct.Struct("<I")


def _finite_or_none(value: Any) -> Any:
    """JSON has no NaN/inf; a diverged run's losses become null instead of invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def encode_frame(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """Pack `header` plus `arrays` (any float dtype, cast to float32) into one binary frame."""
    specs, chunks, offset = [], [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype="<f4")
        specs.append({"name": name, "shape": list(data.shape), "offset": offset})
        chunks.append(data.tobytes())
        offset += data.nbytes
    head = json.dumps(_finite_or_none({**header, "arrays": specs}), separators=(",", ":")).encode()
    padding = b"\0" * (-(_LEN.size + len(head)) % 4)
    return b"".join([_LEN.pack(len(head)), head, padding, *chunks])


def decode_frame(frame: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Inverse of encode_frame (used by tests and the benchmark, as the browser does it)."""
    (length,) = _LEN.unpack_from(frame, 0)
    header = json.loads(frame[_LEN.size : _LEN.size + length].decode())
    start = _LEN.size + length + (-(_LEN.size + length) % 4)
    arrays = {}
    for spec in header["arrays"]:
        count = math.prod(spec["shape"])
        flat = np.frombuffer(frame, dtype="<f4", count=count, offset=start + spec["offset"])
        arrays[spec["name"]] = flat.reshape(spec["shape"])
    return header, arrays


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


class FrameSource:
    """Builds a session's frames from its Trainer and keeps the chart history they imply.

    The metrics (KL, JS, mode counts over 2,500 fakes) cost about as much as all the views
    together, and they move slowly: while training runs they are computed every
    `METRICS_EVERY` frames and repeated in between (chart rows come only from fresh ones).
    A paused or stepped session always gets fresh metrics."""

    METRICS_EVERY = 3

    def __init__(self, grid_size: int, history_limit: int):
        self.grid_size = grid_size
        self.history = ChartHistory(history_limit)
        self._run_id: int | None = None
        self._metrics: dict[str, float | None] = {}
        self._age = 0  # frames since the metrics were computed

    def clear(self, run_id: int) -> None:
        self.history.clear()
        self._run_id = run_id
        self._metrics, self._age = {}, 0

    def _current_metrics(self, trainer: Any, playing: bool) -> tuple[dict, bool]:
        if playing and self._metrics and self._age + 1 < self.METRICS_EVERY and self._run_id == trainer.run_id:
            self._age += 1
            return self._metrics, False
        self._metrics, self._age = {k: _number(v) for k, v in trainer.metrics().items()}, 0
        return self._metrics, True

    def build(self, trainer: Any, manifold_axes: tuple[int, int], extra: dict[str, Any]) -> bytes:
        """Snapshot every visual layer, the losses and metrics into one binary frame."""
        axes = manifold_axes if max(manifold_axes) < trainer.params.noise_dim else (0, 1)
        fields = trainer.fields(grid_size=self.grid_size, axes=axes)
        losses = {k: _number(v) for k, v in trainer.losses.items()}
        metrics, fresh = self._current_metrics(trainer, extra.get("state") == "playing")
        if fresh:
            self._record(trainer, losses, metrics)
        header = {
            "run_id": trainer.run_id,
            "epoch": trainer.epoch,
            "step": trainer.step,
            "losses": losses,
            "metrics": metrics,
            "view_box": list(trainer.view_box),
            "phase": trainer.last_phase,
            "dataset": trainer.params.dataset,
            "noise_type": trainer.params.noise_type,
            "noise_dim": trainer.params.noise_dim,
            "manifold_axes": list(axes),
            **extra,
        }
        return encode_frame(header, fields)

    def _record(self, trainer: Any, losses: dict, metrics: dict) -> None:
        """One chart row per frame that shows new optimizer steps; thinned 2:1 at the limit."""
        if self._run_id != trainer.run_id:
            self.clear(trainer.run_id)
        if self.history.last_step == trainer.step:
            return
        self.history.append({"epoch": trainer.epoch, "step": trainer.step, **losses, **metrics})
