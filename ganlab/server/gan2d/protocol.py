"""Client → server websocket commands: parsing and validation, then the session op that does it.

Every command is checked completely *before* it touches the session, so a bad message
gets an `error` naming the problem and leaves weights, params and charts as they were.
Types are checked strictly: JSON `true` is not the number 1 and `"5"` is not 5 anywhere in
the protocol, though pydantic (and Python's `isinstance(True, int)`) would let both through.
The work itself runs on the session's training thread, by name (ops.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from ganlab.config import Settings
from ganlab.server.gan2d.errors import ProtocolError
from ganlab.server.gan2d.ops import params_message
from ganlab.server.gan2d.sessions import Session

__all__ = ["ProtocolError", "dispatch", "params_message", "parse_message"]

STEP_KINDS = ("epoch", "d", "g")
POINT_DATASETS = ("drawn", "csv")
MAX_DEPTH = 16  # the deepest command ([[x, y], ...] inside an object) needs 3 levels
# Pacing bounds: below 0.01 epochs/s one epoch would take over 100 s (a rate of 1e-300 used to
# put the pacing deadline past what the OS can wait for, and killed the session).
MIN_EPOCHS_PER_S, MAX_EPOCHS_PER_S = 0.01, 100_000


def parse_message(message: dict, settings: Settings) -> dict:
    """A raw ASGI websocket message -> a command dict with a string `type`."""
    if message.get("bytes") is not None:
        raise ProtocolError("binary messages are not accepted: send commands as JSON text")
    text = message.get("text") or ""
    size = len(text.encode(errors="replace"))
    if size > settings.max_message_bytes:
        raise ProtocolError(f"message too large: {size} bytes (limit {settings.max_message_bytes} bytes)")
    command = _loads(text)
    if not isinstance(command, dict) or not isinstance(command.get("type"), str):
        raise ProtocolError('each message must be a JSON object with a string "type"', field="type")
    if command["type"] not in HANDLERS and command["type"] != "resume":
        known = ", ".join(sorted([*HANDLERS, "resume"]))
        raise ProtocolError(f"unknown command {command['type'][:40]!r}; known commands: {known}", field="type")
    if command["type"] == "resume" and not isinstance(command.get("session_id"), str):
        raise ProtocolError("resume: 'session_id' must be a string", field="session_id")
    return command


def _loads(text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise ProtocolError(f"message nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as error:  # e.g. an integer literal longer than Python's 4,300 digits
        raise ProtocolError(f"malformed JSON: {error}") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise ProtocolError(f"message nested too deeply (at most {MAX_DEPTH} levels)")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Iterative, so the check itself cannot hit the recursion limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def is_number(value: Any) -> bool:
    """A finite JSON number: not a bool, not a string of digits."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_patch_types(patch: dict) -> None:
    """Numeric TrainParams keys take JSON numbers only; bounds and enums are pydantic's job."""
    from ganlab.gan2d.params import TrainParams, describe_bounds

    for key, value in patch.items():
        field = TrainParams.model_fields.get(key) if isinstance(key, str) else None
        if field is None or field.annotation not in (int, float):
            continue  # unknown keys and enum values are named by pydantic's own check
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = json.dumps(value)[:40]
            raise ProtocolError(
                f"{key}: must be a number, not {type(value).__name__} {shown} (allowed: {describe_bounds(key)})",
                field=key,
            )


# ---- handlers: (session, command, settings) -> reply message or None ---------------------------

Reply = dict | None


async def on_play(session: Session, command: dict, settings: Settings) -> Reply:
    return await session.call("play")


async def on_pause(session: Session, command: dict, settings: Settings) -> Reply:
    return await session.call("pause")


async def on_reset(session: Session, command: dict, settings: Settings) -> Reply:
    return await session.call("reset")


async def on_step(session: Session, command: dict, settings: Settings) -> Reply:
    what = command.get("what", "epoch")
    if what not in STEP_KINDS:
        raise ProtocolError(f"step: 'what' must be one of {', '.join(STEP_KINDS)}, got {what!r}"[:200], field="what")
    return await session.call("step", what=what)


async def on_set(session: Session, command: dict, settings: Settings) -> Reply:
    patch = command.get("params")
    if not isinstance(patch, dict) or not patch:
        raise ProtocolError("set: 'params' must be a non-empty object of TrainParams keys", field="params")
    check_patch_types(patch)
    return await session.call("set_params", patch=patch)


def _parse_points(command: dict, settings: Settings) -> list:
    points = command.get("points")
    if not isinstance(points, list) or not points:
        raise ProtocolError("points: 'points' must be a non-empty list of [x, y] pairs", field="points")
    if len(points) > settings.max_points:
        raise ProtocolError(f"points: {len(points)} points sent, at most {settings.max_points}", field="points")
    for i, pair in enumerate(points):
        if not (isinstance(pair, list) and len(pair) == 2 and all(is_number(v) for v in pair)):
            raise ProtocolError(f"points: item {i} is not an [x, y] pair of finite numbers", field="points")
    return points


async def on_points(session: Session, command: dict, settings: Settings) -> Reply:
    points = _parse_points(command, settings)
    dataset = command.get("dataset", "drawn")
    if not isinstance(dataset, str) or dataset not in POINT_DATASETS:
        raise ProtocolError(f"points: 'dataset' must be one of {', '.join(POINT_DATASETS)}", field="dataset")
    return await session.call("use_points", points=points, dataset=dataset)


async def on_speed(session: Session, command: dict, settings: Settings) -> Reply:
    rate = command.get("max_epochs_per_s")
    if rate is not None and not (is_number(rate) and MIN_EPOCHS_PER_S <= rate <= MAX_EPOCHS_PER_S):
        raise ProtocolError(
            f"speed: 'max_epochs_per_s' must be a number from {MIN_EPOCHS_PER_S:g} to {MAX_EPOCHS_PER_S:g} "
            "epochs/s, or null for as fast as possible",
            field="max_epochs_per_s",
        )
    slow = command.get("slow_motion", False)
    if not isinstance(slow, bool):
        raise ProtocolError("speed: 'slow_motion' must be true or false", field="slow_motion")
    return await session.call("speed", max_epochs_per_s=None if rate is None else float(rate), slow_motion=slow)


async def on_view(session: Session, command: dict, settings: Settings) -> Reply:
    axes = command.get("manifold_axes")
    if not (isinstance(axes, list) and len(axes) == 2 and all(is_index(a) for a in axes)):
        raise ProtocolError(
            "view: 'manifold_axes' must be two latent axis indices (whole numbers, not true/false), e.g. [0, 1]",
            field="manifold_axes",
        )
    if axes[0] == axes[1]:
        raise ProtocolError("view: the two manifold axes must differ", field="manifold_axes")
    return await session.call("view", manifold_axes=axes)


Handler = Callable[[Session, dict, Settings], Awaitable[Reply]]
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


async def dispatch(session: Session, command: dict, settings: Settings) -> Reply:
    return await HANDLERS[command["type"]](session, command, settings)
