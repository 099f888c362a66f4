"""What a GAN Lab session does for each command, run between two of its optimizer steps, by name.

The websocket protocol (protocol.py) checks a client's message, then asks the session for one
of these ops by name with plain arguments: `await session.call("set_params", patch={...})`.
Names and plain data, not closures, so the request could just as well cross to another
process. Each op runs between two optimizer steps and raises ProtocolError for the client;
engine errors (pydantic's ValidationError, ValueError naming a field) are turned into one here.
"""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Callable
from typing import Any

from ganlab.server.gan2d.errors import ProtocolError
from ganlab.server.gan2d.training_loop import TrainingLoop

DIVERGED = "the run diverged (NaN/inf); press reset or change a setting first"


def params_message(loop: TrainingLoop, rebuilt: bool = False) -> dict:
    trainer = loop.trainer
    return {
        "type": "params",
        "params": trainer.params.model_dump(mode="json"),
        "params_version": loop.params_version,
        "run_id": trainer.run_id,
        "rebuilt": rebuilt,
    }


def hello(loop: TrainingLoop, resumed: bool) -> dict:
    """The `hello` message (without `session_id`, which the caller knows) and the chart history."""
    return {
        "type": "hello",
        "resumed": resumed,
        "params": loop.trainer.params.model_dump(mode="json"),
        "params_version": loop.params_version,
        "run_id": loop.trainer.run_id,
        "state": loop.state,
        "epoch": loop.trainer.epoch,
        "step": loop.trainer.step,
        "max_epochs_per_s": loop.max_epochs_per_s,
        "slow_motion": loop.slow_motion,
        "manifold_axes": list(loop.manifold_axes),
        "diverged": loop.trainer.diverged,
        "history": loop.history,
    }


def attach(loop: TrainingLoop) -> None:
    loop.attached = True
    loop.mark_dirty()  # the new client gets a frame at once


def detach(loop: TrainingLoop) -> None:
    loop.attached = False  # training pauses until a client comes back


def play(loop: TrainingLoop) -> None:
    if loop.state == "diverged":
        raise ProtocolError(DIVERGED)
    loop.epochs_to_step = 0
    loop.set_state("playing")


def pause(loop: TrainingLoop) -> None:
    loop.epochs_to_step = 0  # also stops `step epoch` commands that are still running
    if loop.state == "playing":
        loop.set_state("paused")
    else:
        loop.send_text(loop.status_message())


def reset(loop: TrainingLoop) -> None:
    loop.trainer.reset()
    loop.after_rebuild()
    loop.send_text(loop.status_message())


def step(loop: TrainingLoop, what: str) -> None:
    """`epoch` finishes the epoch in progress between commands (its status follows when it ends);
    `d` and `g` are one optimizer step each, answered at once."""
    if loop.state == "diverged":
        raise ProtocolError(DIVERGED)
    if what == "epoch":
        loop.finish_epoch()
        return
    if loop.state == "playing":
        loop.set_state("paused")
    trainer = loop.trainer
    ok = trainer.step_d() if what == "d" else trainer.step_g()
    loop.mark_dirty()
    if ok is False or trainer.diverged:
        loop.state = "diverged"
    loop.send_text(loop.status_message())


def set_params(loop: TrainingLoop, patch: dict) -> dict:
    rebuilt = bool(loop.trainer.apply(patch))  # validates first; raises with state untouched
    loop.params_version += 1
    if rebuilt:
        loop.after_rebuild()
    loop.mark_dirty()
    return params_message(loop, rebuilt)


def use_points(loop: TrainingLoop, points: list, dataset: str) -> dict:
    import numpy as np

    switched = loop.trainer.params.dataset != dataset
    loop.trainer.set_points(np.asarray(points, dtype=np.float64), dataset)  # [N, 2]; validates first
    if switched:
        loop.params_version += 1
    loop.after_rebuild()
    return params_message(loop, rebuilt=True)


def speed(loop: TrainingLoop, max_epochs_per_s: float | None, slow_motion: bool) -> None:
    loop.max_epochs_per_s = max_epochs_per_s
    loop.slow_motion = slow_motion
    loop.restart_cadence()
    loop.send_text(loop.status_message())  # echoes the speed now in force


def view(loop: TrainingLoop, manifold_axes: list[int]) -> None:
    dim = loop.trainer.params.noise_dim
    if max(manifold_axes) >= dim:
        raise ProtocolError(f"view: manifold axes go from 0 to noise_dim-1 = {dim - 1}", field="manifold_axes")
    loop.manifold_axes = (manifold_axes[0], manifold_axes[1])
    loop.mark_dirty()


def history(loop: TrainingLoop) -> list[dict]:
    return loop.history


def save(loop: TrainingLoop, directory: str) -> None:
    loop.trainer.save(directory)


def snapshot(loop: TrainingLoop, since: object = None) -> dict | None:
    """Everything needed to bring this session back (weights, optimizers, RNGs, counters, view
    settings and chart history), or None when nothing changed since the snapshot keyed `since`."""
    import copy

    import numpy as np

    t = loop.trainer
    key = (t.run_id, t.step, t.epoch, loop.params_version, loop.manifold_axes, loop.max_epochs_per_s,
           loop.slow_motion, len(loop.frames.history))
    if key == since:
        return None
    arrays, meta = t.state()
    return {
        "key": key,
        "arrays": {k: np.array(v, copy=True) for k, v in arrays.items()},  # the live ones keep changing
        "meta": copy.deepcopy(meta),
        "loop": {"params_version": loop.params_version, "max_epochs_per_s": loop.max_epochs_per_s,
                 "slow_motion": loop.slow_motion, "manifold_axes": list(loop.manifold_axes),
                 "history": loop.frames.history.state()},  # two arrays: cheap to copy and to pickle
    }


OPS: dict[str, Callable[..., Any]] = {
    op.__name__: op
    for op in (
        hello, attach, detach, play, pause, reset, step, set_params, use_points, speed, view, history, save, snapshot
    )
}


def call(loop: TrainingLoop, name: str, kwargs: dict) -> concurrent.futures.Future:
    """Queue op `name` on `loop` (a worker process answers the same request by name)."""
    return loop.submit(functools.partial(run_op, name, kwargs))


def run_op(name: str, kwargs: dict, loop: TrainingLoop) -> Any:
    """Run op `name` on `loop`; engine errors become ProtocolErrors naming the field."""
    try:
        return OPS[name](loop, **kwargs)
    except ProtocolError:
        raise
    except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        raise engine_error(error) from None


def engine_error(error: Exception) -> ProtocolError:
    """Engine errors read 'field: problem'; pydantic ValidationErrors list every bad field."""
    from pydantic import ValidationError

    from ganlab.gan2d.params import format_validation_error, validation_message

    if isinstance(error, ValidationError):
        problems = format_validation_error(error)
        return ProtocolError(validation_message(error), field=problems[0]["field"] if problems else None)
    text = str(error)
    head = text.split(":", 1)[0]
    return ProtocolError(text, field=head if head.isidentifier() else None)
