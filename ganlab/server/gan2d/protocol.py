"""Client → server websocket commands: parsing, validation, and what each one does.

Every command is checked completely *before* it touches the session, so a bad message
gets an `error` naming the problem and leaves weights, params and charts as they were.
The work itself runs on the session's training thread (`Session.call`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from ganlab.config import Settings
from ganlab.server.gan2d.sessions import Session
from ganlab.server.gan2d.training_loop import TrainingLoop

STEP_KINDS = ("epoch", "d", "g")
POINT_DATASETS = ("drawn", "csv")


class ProtocolError(Exception):
    """A client mistake; becomes `{"type": "error", "message", "field"}` and the socket stays open."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field

    def to_message(self) -> dict:
        return {"type": "error", "message": self.message, **({"field": self.field} if self.field else {})}


def parse_message(message: dict, settings: Settings) -> dict:
    """A raw ASGI websocket message -> a command dict with a string `type`."""
    if message.get("bytes") is not None:
        raise ProtocolError("binary messages are not accepted: send commands as JSON text")
    text = message.get("text") or ""
    size = len(text.encode())
    if size > settings.max_message_bytes:
        raise ProtocolError(f"message too large: {size} bytes (limit {settings.max_message_bytes} bytes)")
    try:
        command = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProtocolError(
            f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(command, dict) or not isinstance(command.get("type"), str):
        raise ProtocolError('each message must be a JSON object with a string "type"', field="type")
    if command["type"] not in HANDLERS and command["type"] != "resume":
        known = ", ".join(sorted([*HANDLERS, "resume"]))
        raise ProtocolError(f"unknown command {command['type']!r}; known commands: {known}", field="type")
    return command


def _engine_error(error: Exception) -> ProtocolError:
    """Engine errors read 'field: problem'; pydantic ValidationErrors list every bad field."""
    from pydantic import ValidationError

    from ganlab.gan2d.params import format_validation_error, validation_message

    if isinstance(error, ValidationError):
        problems = format_validation_error(error)
        return ProtocolError(validation_message(error), field=problems[0]["field"] if problems else None)
    text = str(error)
    head = text.split(":", 1)[0]
    return ProtocolError(text, field=head if head.isidentifier() else None)


async def _run(session: Session, command: Callable[[TrainingLoop], Any]) -> Any:
    try:
        return await session.call(command)
    except ProtocolError:
        raise
    except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        raise _engine_error(error) from None


def params_message(loop: TrainingLoop, rebuilt: bool = False) -> dict:
    trainer = loop.trainer
    return {
        "type": "params",
        "params": trainer.params.model_dump(mode="json"),
        "params_version": loop.params_version,
        "run_id": trainer.run_id,
        "rebuilt": rebuilt,
    }


# ---- handlers: (session, command) -> reply message or None ------------------------------------

Reply = dict | None


async def on_play(session: Session, command: dict) -> Reply:
    def play(loop: TrainingLoop) -> None:
        if loop.state == "diverged":
            raise ProtocolError("the run diverged (NaN/inf); press reset or change a setting first")
        loop.set_state("playing")

    return await _run(session, play)


async def on_pause(session: Session, command: dict) -> Reply:
    def pause(loop: TrainingLoop) -> None:
        if loop.state == "playing":
            loop.set_state("paused")
        else:
            loop.send_text(loop.status_message())

    return await _run(session, pause)


async def on_reset(session: Session, command: dict) -> Reply:
    def reset(loop: TrainingLoop) -> None:
        loop.trainer.reset()
        loop.after_rebuild()
        loop.send_text(loop.status_message())

    return await _run(session, reset)


async def on_step(session: Session, command: dict) -> Reply:
    what = command.get("what", "epoch")
    if what not in STEP_KINDS:
        raise ProtocolError(
            f"step: 'what' must be one of {', '.join(STEP_KINDS)}, got {what!r}", field="what"
        )

    def step(loop: TrainingLoop) -> None:
        if loop.state == "diverged":
            raise ProtocolError("the run diverged (NaN/inf); press reset or change a setting first")
        if loop.state == "playing":
            loop.set_state("paused")  # stepping is a paused-mode tool, as in GAN Lab
        trainer = loop.trainer
        ok = (
            trainer.train_epoch()
            if what == "epoch"
            else (trainer.step_d() if what == "d" else trainer.step_g())
        )
        loop.mark_dirty()
        if ok is False or trainer.diverged:
            loop.state = "diverged"
        loop.send_text(loop.status_message())

    return await _run(session, step)


async def on_set(session: Session, command: dict) -> Reply:
    patch = command.get("params")
    if not isinstance(patch, dict) or not patch:
        raise ProtocolError("set: 'params' must be a non-empty object of TrainParams keys", field="params")

    def apply(loop: TrainingLoop) -> dict:
        rebuilt = bool(loop.trainer.apply(patch))  # validates first; raises with state untouched
        loop.params_version += 1
        if rebuilt:
            loop.after_rebuild()
        loop.mark_dirty()
        return params_message(loop, rebuilt)

    return await _run(session, apply)


def _parse_points(command: dict, settings: Settings) -> list:
    points = command.get("points")
    if not isinstance(points, list) or not points:
        raise ProtocolError("points: 'points' must be a non-empty list of [x, y] pairs", field="points")
    if len(points) > settings.max_points:
        raise ProtocolError(
            f"points: {len(points)} points sent, at most {settings.max_points}", field="points"
        )
    for i, pair in enumerate(points):
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_number(v) for v in pair)):
            raise ProtocolError(f"points: item {i} is not an [x, y] pair of finite numbers", field="points")
    return points


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


async def on_points(session: Session, command: dict, settings: Settings) -> Reply:
    points = _parse_points(command, settings)
    dataset = command.get("dataset", "drawn")
    if dataset not in POINT_DATASETS:
        raise ProtocolError(f"points: 'dataset' must be one of {', '.join(POINT_DATASETS)}", field="dataset")

    def use_points(loop: TrainingLoop) -> dict:
        import numpy as np

        switched = loop.trainer.params.dataset != dataset
        loop.trainer.set_points(np.asarray(points, dtype=np.float64), dataset)  # [N, 2]; validates first
        if switched:
            loop.params_version += 1
        loop.after_rebuild()
        return params_message(loop, rebuilt=True)

    return await _run(session, use_points)


async def on_speed(session: Session, command: dict) -> Reply:
    rate = command.get("max_epochs_per_s")
    if rate is not None and not (_is_number(rate) and 0 < rate <= 100_000):
        raise ProtocolError(
            "speed: 'max_epochs_per_s' must be a number in (0, 100000] or null", field="max_epochs_per_s"
        )
    slow = command.get("slow_motion", False)
    if not isinstance(slow, bool):
        raise ProtocolError("speed: 'slow_motion' must be true or false", field="slow_motion")

    def set_speed(loop: TrainingLoop) -> None:
        loop.max_epochs_per_s = float(rate) if rate is not None else None
        loop.slow_motion = slow
        loop.restart_cadence()
        loop.send_text(loop.status_message())  # echoes the speed now in force

    return await _run(session, set_speed)


async def on_view(session: Session, command: dict) -> Reply:
    axes = command.get("manifold_axes")
    if not (isinstance(axes, list) and len(axes) == 2 and all(isinstance(a, int) and a >= 0 for a in axes)):
        raise ProtocolError(
            "view: 'manifold_axes' must be two latent axis indices, e.g. [0, 1]", field="manifold_axes"
        )
    if axes[0] == axes[1]:
        raise ProtocolError("view: the two manifold axes must differ", field="manifold_axes")

    def set_view(loop: TrainingLoop) -> None:
        dim = loop.trainer.params.noise_dim
        if max(axes) >= dim:
            raise ProtocolError(
                f"view: manifold axes go from 0 to noise_dim-1 = {dim - 1}", field="manifold_axes"
            )
        loop.manifold_axes = (axes[0], axes[1])
        loop.mark_dirty()

    return await _run(session, set_view)


Handler = Callable[..., Awaitable[Reply]]
HANDLERS: dict[str, Handler] = {
    "play": on_play,
    "pause": on_pause,
    "reset": on_reset,
    "step": on_step,
    "set": on_set,
    "points": on_points,
    "speed": on_speed,
    "view": on_view,
}
NEEDS_SETTINGS = {"points"}


async def dispatch(session: Session, command: dict, settings: Settings) -> Reply:
    handler = HANDLERS[command["type"]]
    if command["type"] in NEEDS_SETTINGS:
        return await handler(session, command, settings)
    return await handler(session, command)
