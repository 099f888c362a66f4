"""One session's training loop: it owns the Trainer and paces optimizer steps and frames.

A TrainingLoop has no thread of its own: the process's Scheduler (scheduler.py) runs all its
loops on one thread, in turns, and only that thread ever touches a Trainer, so there are no
locks around the maths. The event loop talks to a loop through a command queue (`submit`),
and the loop talks back through a `sink` callback. Four rules shape it:

- A paused (or detached, or diverged) session is never given a turn: zero CPU.
- The queue is looked at between any two optimizer steps, never only between epochs: with
  20 D and 20 G steps of a wide network one epoch takes minutes, and `pause` must not wait
  for it. An epoch in progress is a list of the steps it has left (`_phases`).
- Frames are built at most `frame_hz` times a second and handed to the sink, which keeps
  only the latest one, so a slow client sees fewer frames and never a growing queue.
- Nothing a client sends can end the loop. Any exception in pacing, steps, fields or frames
  pauses the session with a `training_failed` error; weights and history stay, so the
  client can press play again or reset. Only repeated failures with no progress in between
  give up, and then `on_ended` lets the registry free the slot and tell the client.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from ganlab.server.gan2d.commands import CommandQueue, SessionEnded
from ganlab.server.gan2d.frames import FrameSource
from ganlab.server.gan2d.pacing import RateMeter, next_deadline
from ganlab.server.gan2d.scheduler import Scheduler

log = logging.getLogger("ganlab.server")
Sink = Callable[[str, Any], None]  # ("frame", bytes) or ("text", dict); called on the scheduler thread
Command = Callable[["TrainingLoop"], Any]
MAX_FAILURES_IN_A_ROW = 5  # failures with no successful step or frame between them: give up
__all__ = ["MAX_FAILURES_IN_A_ROW", "SessionEnded", "Sink", "TrainingLoop"]


class TrainingLoop:
    """One GAN Lab session's trainer and its pacing, run in turns by a Scheduler."""

    def __init__(
        self,
        *,
        frame_hz: float,
        grid_size: int,
        history_limit: int,
        params: dict | None = None,
        snapshot: dict | None = None,
        scheduler: Scheduler | None = None,
    ):
        self.scheduler = scheduler  # shared by the process's loops; start() makes one if None
        self.frame_hz = self.max_frame_hz = frame_hz  # frame_hz drops below the maximum under load
        self.frame_interval_s = 1.0 / frame_hz
        self.initial_params = params or {}
        self.initial_snapshot = snapshot  # ops.snapshot() of an earlier life of this session
        self.trainer: Any = None
        self.ready: concurrent.futures.Future = concurrent.futures.Future()
        self.state = "paused"  # playing | paused | diverged
        self.params_version = 0
        self.max_epochs_per_s: float | None = None  # None: as fast as the CPU allows
        self.slow_motion = False  # one frame per optimizer step, GAN Lab's narrated epoch
        self.manifold_axes = (0, 1)  # the latent axes the manifold slice sweeps (noise_dim > 2)
        self.frames = FrameSource(grid_size, history_limit)
        self.sink: Sink | None = None
        self.attached = False  # a client is watching; a detached session does not train
        self.epochs_to_step = 0  # `step epoch` commands still to finish, between other commands
        self.on_ended: Callable[[str], None] | None = None  # told why, when the loop stops by itself
        self._commands = CommandQueue(on_submit=self._notify)
        self._dirty = False  # something changed that the client has not seen yet
        self._last_frame_t = 0.0
        self._next_tick_t = 0.0
        self._phases: collections.deque[str] = collections.deque()  # steps left in this epoch
        self._rate = RateMeter()
        self._failures = 0
        self._stop_requested = False
        self._started = False
        self._frame_reason: str | None = None  # why frames are fewer, as last told to the client

    @property
    def history(self) -> list[dict]:
        """The chart rows, as new dicts (the loop keeps them compact: history.py)."""
        return self.frames.history.rows()

    @property
    def ended_reason(self) -> str | None:
        """Why the loop stopped (None while it runs); later commands fail with SessionEnded."""
        return self._commands.closed_reason

    # ---- called from the event loop -------------------------------------------------------

    def start(self) -> None:
        """Hand the loop to its scheduler, which builds the trainer; `ready` says when it has."""
        if self.scheduler is None:
            self.scheduler = Scheduler(name="ganlab-session")
        self._started = True
        self.scheduler.add(self)

    def is_alive(self) -> bool:
        return self._started and self.ended_reason is None

    def submit(self, command: Command) -> concurrent.futures.Future:
        """Run `command(self)` on the scheduler thread between two optimizer steps."""
        return self._commands.submit(command)

    def stop(self) -> None:
        self._stop_requested = True
        self._commands.stop()

    def _notify(self) -> None:
        if self.scheduler is not None:
            self.scheduler.notify()

    # ---- helpers for commands (run on the scheduler thread) -------------------------------

    def mark_dirty(self) -> None:
        """Ask for a frame at the next frame slot (used by every command that changes the view)."""
        self._dirty = True

    def send_text(self, message: dict) -> None:
        if self.sink is not None:
            self.sink("text", message)

    def status_message(self) -> dict:
        return {
            "type": "status",
            "state": self.state,
            "epoch": self.trainer.epoch,
            "step": self.trainer.step,
            "message": self.trainer.diverged,
            "max_epochs_per_s": self.max_epochs_per_s,
            "slow_motion": self.slow_motion,
        }

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.restart_cadence()
            self.mark_dirty()  # a frame carrying the new state follows any frame still in flight
        self.send_text(self.status_message())

    def restart_cadence(self) -> None:
        """Start pacing afresh after play/pause or a speed change."""
        self._next_tick_t = time.monotonic()
        self._rate.reset()

    def after_rebuild(self) -> None:
        """A new run started (reset or structural change): old charts and a diverged flag go."""
        self.frames.clear(self.trainer.run_id)
        self._phases.clear()
        self._rate.reset()
        if self.state == "diverged":
            self.state = "paused"
        if self.epochs_to_step:  # the epochs being stepped belonged to the old run
            self.epochs_to_step = 0
            self.send_text(self.status_message())
        self.mark_dirty()

    def set_frame_rate(self, frame_hz: float, reason: str) -> None:
        """Fewer frames while the machine is shared by many sessions (announced to the client)."""
        frame_hz = min(self.max_frame_hz, frame_hz)
        reason = reason if frame_hz < self.max_frame_hz else None
        if frame_hz != self.max_frame_hz and abs(frame_hz - self.frame_hz) < max(1.0, 0.1 * self.frame_hz):
            frame_hz = self.frame_hz  # the measured budget wobbles a little every second: keep the rate
        if (frame_hz, reason) == (self.frame_hz, self._frame_reason):
            return  # nothing new to tell
        self.frame_hz, self.frame_interval_s, self._frame_reason = frame_hz, 1.0 / frame_hz, reason
        self.send_text({"type": "frame_rate", "frame_hz": round(frame_hz, 1), "max_frame_hz": self.max_frame_hz,
                        "reason": reason})

    def finish_epoch(self) -> None:
        """`step epoch`: run the epoch in progress (or a new one) to its end, between commands."""
        if self.state == "playing":
            self.state = "paused"  # stepping is a paused-mode tool, as in GAN Lab
            self.mark_dirty()
        self.epochs_to_step += 1

    # ---- called by the scheduler, on its thread --------------------------------------------

    def open(self) -> bool:
        """Build the trainer; False (and `ready` holds the error) when the session cannot start."""
        try:
            self.trainer = _build_trainer(self.initial_params, self.initial_snapshot)
            _one_torch_thread()
            self.frames.clear(self.trainer.run_id)
            if self.initial_snapshot is not None:
                self._restore_view(self.initial_snapshot["loop"])
        except BaseException as error:  # reported to the event loop, which refuses the session
            self._commands.close(f"the session could not start: {error}")
            self.ready.set_exception(error)
            return False
        self.ready.set_result(None)
        return True

    def close(self, reason: str) -> None:
        """The loop is done: refuse later commands and, unless asked to stop, say why."""
        self._commands.close(reason)
        if not self._stop_requested and self.on_ended is not None:
            self.on_ended(self.ended_reason or reason)

    def run_commands(self) -> bool:
        """The commands queued so far, without waiting; False once the loop was stopped."""
        return self._commands.run(self)

    def train_due_at(self, now: float) -> float | None:
        """When this loop next wants to train (None: not until a command changes something)."""
        if not self._running():
            return None
        paced = not self.epochs_to_step and (
            self.slow_motion or (self.max_epochs_per_s is not None and not self._phases)
        )
        return self._next_tick_t if paced else now

    def frame_due_at(self) -> float | None:
        """When this loop's next frame is due (None: nothing new to show, or nobody watching)."""
        if self._dirty and self.attached and self.sink is not None:
            return self._last_frame_t + self.frame_interval_s
        return None

    def _restore_view(self, saved: dict) -> None:
        self.params_version = saved["params_version"]
        self.max_epochs_per_s, self.slow_motion = saved["max_epochs_per_s"], saved["slow_motion"]
        self.manifold_axes = tuple(saved["manifold_axes"])
        self.frames.history.load(saved["history"])

    def _fail(self, error: Exception) -> str | None:
        """Pause with a readable error instead of dying; the reason to stop after repeated failures."""
        self._failures += 1
        what = f"{type(error).__name__}: {error}"
        if self._failures == 1:
            log.exception("GAN Lab session failed; paused")
        else:
            log.warning("GAN Lab session failed again (%d in a row): %s", self._failures, what)
        if self._failures >= MAX_FAILURES_IN_A_ROW:
            return f"training failed {self._failures} times in a row ({what}); the session was closed"
        if self.state == "playing":
            self.state = "paused"
        self.epochs_to_step = 0
        self._dirty = False
        self.restart_cadence()
        self.send_text(
            {
                "type": "error",
                "code": "training_failed",
                "message": f"training stopped: {what}. The session is paused and keeps its weights: "
                "press play to try again, or reset",
            }
        )
        self.send_text(self.status_message())
        return None

    def _running(self) -> bool:
        return (self.state == "playing" or self.epochs_to_step > 0) and self.attached

    def train(self, until: float, interrupted: Callable[[], bool]) -> None:
        """Optimizer steps until `until`, a paced tick is done, or `interrupted()` (a command came)."""
        now = time.monotonic()
        if self.epochs_to_step:
            self._steps_until(lambda finished: self.epochs_to_step == 0, until, interrupted)
            return
        if self.slow_motion:  # GAN Lab's narrated epoch: every step on its own beat, with a frame
            if now >= self._next_tick_t:
                self._optimizer_step()
                self._next_tick_t = next_deadline(self._next_tick_t, self._phase_interval_s(), now)
            return
        if self.max_epochs_per_s is not None and not self._phases:
            if now < self._next_tick_t:
                return
            self._next_tick_t = next_deadline(self._next_tick_t, 1.0 / self.max_epochs_per_s, now)
        limited = self.max_epochs_per_s is not None  # a paced tick is one epoch, resumed if cut short
        self._steps_until(lambda finished: limited and finished, until, interrupted)

    def _steps_until(self, done: Callable[[bool], bool], until: float, interrupted: Callable[[], bool]) -> None:
        """Steps until `done(finished_an_epoch)`, training stops, time is up or a command is queued."""
        while self._running():
            finished = self._optimizer_step()
            if finished and self.epochs_to_step:
                self.epochs_to_step -= 1
                self.send_text(self.status_message())
            if done(finished) or time.monotonic() >= until or interrupted():
                return

    def _optimizer_step(self) -> bool:
        """One optimizer step of the epoch in progress (k_D D steps, then k_G G steps);
        True when it ended an epoch (or the run diverged)."""
        trainer = self.trainer
        if not self._phases:
            self._phases.extend(["d"] * trainer.params.d_steps + ["g"] * trainer.params.g_steps)
        if self._phases:
            phase = self._phases.popleft()
            ok = trainer.step_d() if phase == "d" else trainer.step_g()
            self._dirty = True
            self._failures = 0
            if not ok or trainer.diverged:
                self._diverge()
                return True
            if self._phases:
                return False
        trainer.epoch += 1  # Trainer.train_epoch counts epochs itself; here it ran step by step
        self._dirty = True
        return True

    def _phase_interval_s(self) -> float:
        steps = max(1, self.trainer.params.d_steps + self.trainer.params.g_steps)
        return 1.0 / ((self.max_epochs_per_s or 0.5) * steps)

    def _diverge(self) -> None:
        self.state = "diverged"
        self.epochs_to_step = 0
        self._phases.clear()
        self._dirty = True
        self.send_text(self.status_message())

    # ---- frames ---------------------------------------------------------------------------

    def maybe_send_frame(self) -> bool:
        """Build and send a frame if one is due; whether it did."""
        due = self.frame_due_at()
        now = time.monotonic()
        if due is None or now < due:
            return False
        # A fixed cadence (not "interval after the last send") so frames/s really reaches frame_hz.
        behind = now - self._last_frame_t > 2 * self.frame_interval_s
        self._last_frame_t = now if behind else self._last_frame_t + self.frame_interval_s
        self._dirty = False
        self.sink("frame", self.build_frame())
        self._failures = 0
        return True

    def build_frame(self) -> bytes:
        """Snapshot every visual layer, the losses and metrics into one binary frame."""
        extra = {
            "params_version": self.params_version,
            "state": self.state,
            "epochs_per_s": self._rate.update(self.trainer.epoch, time.monotonic()),
            "frame_hz": round(self.frame_hz, 1),
        }
        return self.frames.build(self.trainer, self.manifold_axes, extra)


def _one_torch_thread() -> None:
    """torch (the engine's gradient-penalty path) must not spin extra OpenMP threads per session.
    Set only if the engine loaded torch: importing it just for this would cost over a second."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _build_trainer(params: dict, snapshot: dict | None) -> Any:
    """The engine is imported here, on the scheduler thread, so app import stays light."""
    from ganlab.gan2d import Trainer, TrainParams

    if snapshot is not None:
        return Trainer.from_state(snapshot["arrays"], snapshot["meta"])
    return Trainer(TrainParams.model_validate(params))
