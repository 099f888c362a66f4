"""One session's training thread: it owns the Trainer and paces epochs and frames.

Only this thread ever touches the Trainer, so there are no locks around the maths. The
event loop talks to it through a command queue (`submit`), and it talks back through a
`sink` callback that the websocket connection installs. Three rules shape the loop:

- A paused (or detached, or diverged) session blocks on the command queue: zero CPU.
- Frames are built at most `frame_hz` times a second and handed to the sink, which keeps
  only the latest one, so a slow client sees fewer frames and never a growing queue.
- Speed limits and slow motion are deadlines for the same blocking wait, so a command
  (pause, a slider move) is handled at once even in the middle of a slow-motion epoch.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ganlab.server.gan2d.frames import encode_frame
from ganlab.server.gan2d.pacing import RateMeter, next_deadline

log = logging.getLogger("ganlab.server")
Sink = Callable[[str, Any], None]  # ("frame", bytes) or ("text", dict); called on this thread
Command = Callable[["TrainingLoop"], Any]
_STOP = object()


class TrainingLoop(threading.Thread):
    """The worker thread of one GAN Lab session."""

    def __init__(self, *, frame_hz: float, grid_size: int, history_limit: int, params: dict | None = None):
        super().__init__(daemon=True, name="ganlab-session")
        self.frame_interval_s = 1.0 / frame_hz
        self.grid_size = grid_size
        self.history_limit = history_limit
        self.initial_params = params or {}
        self.trainer: Any = None
        self.ready: concurrent.futures.Future = concurrent.futures.Future()
        self.state = "paused"  # playing | paused | diverged
        self.params_version = 0
        self.max_epochs_per_s: float | None = None  # None: as fast as the CPU allows
        self.slow_motion = False  # one frame per optimizer step, GAN Lab's narrated epoch
        self.manifold_axes = (0, 1)  # the latent axes the manifold slice sweeps (noise_dim > 2)
        self.history: list[dict[str, float | None]] = []
        self.sink: Sink | None = None
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._dirty = False  # something changed that the client has not seen yet
        self._last_frame_t = 0.0
        self._next_tick_t = 0.0
        self._phases: list[str] = []  # slow motion: the optimizer steps left in this epoch
        self._rate = RateMeter()
        self._history_run_id: int | None = None
        self._stopped = False

    # ---- called from the event loop -------------------------------------------------------

    def submit(self, command: Command) -> concurrent.futures.Future:
        """Run `command(self)` on the training thread between two optimizer steps."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        if self._stopped:
            future.set_exception(RuntimeError("this session has ended"))
            return future
        self._commands.put((command, future))
        return future

    def stop(self) -> None:
        self._commands.put(_STOP)

    # ---- helpers for commands (run on this thread) ----------------------------------------

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
        self.history.clear()
        self._history_run_id = self.trainer.run_id
        self._phases = []
        self._rate.reset()
        if self.state == "diverged":
            self.state = "paused"
        self.mark_dirty()

    # ---- the thread -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.trainer = _build_trainer(self.initial_params)
            _one_torch_thread()
        except BaseException as error:  # reported to the event loop, which refuses the session
            self.ready.set_exception(error)
            return
        self._history_run_id = self.trainer.run_id
        self.ready.set_result(None)
        try:
            while self._handle_commands(self._wait_timeout()):
                self._step_safely()
        finally:
            self._stopped = True
            self._fail_pending()

    def _step_safely(self) -> None:
        """Train and send a frame; an engine bug pauses this session instead of killing its thread."""
        try:
            if self._running():
                self._advance()
            self._maybe_send_frame()
        except Exception as error:
            log.exception("session training step failed")
            self.state = "paused"
            self._dirty = False
            self.send_text({"type": "error", "message": f"internal error while training: {error!r}; paused"})
            self.send_text(self.status_message())

    def _fail_pending(self) -> None:
        """Commands queued after the stop would otherwise wait forever."""
        while True:
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP and item[1].set_running_or_notify_cancel():
                item[1].set_exception(RuntimeError("this session has ended"))

    def _running(self) -> bool:
        return self.state == "playing" and self.sink is not None

    def _wait_timeout(self) -> float | None:
        """How long the thread may sleep on the command queue (None: until a command comes)."""
        now = time.monotonic()
        deadlines = []
        if self._running():
            limited = self.max_epochs_per_s is not None or self.slow_motion or bool(self._phases)
            deadlines.append(self._next_tick_t if limited else now)
        if self._dirty and self.sink is not None:
            deadlines.append(self._last_frame_t + self.frame_interval_s)
        return max(0.0, min(deadlines) - now) if deadlines else None

    def _handle_commands(self, timeout: float | None) -> bool:
        """Run queued commands (waiting up to `timeout` for the first); False once stopped."""
        try:
            item = self._commands.get(timeout=timeout) if timeout != 0 else self._commands.get_nowait()
        except queue.Empty:
            return True
        while True:
            if item is _STOP:
                return False
            command, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(command(self))
                except BaseException as error:  # the caller turns it into an error message
                    future.set_exception(error)
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return True

    def _advance(self) -> None:
        now = time.monotonic()
        if self.slow_motion or self._phases:  # a narrated epoch is finished even if slow motion ends
            if now >= self._next_tick_t:
                self._slow_motion_step()
                self._next_tick_t = next_deadline(self._next_tick_t, self._phase_interval_s(), now)
            return
        if self.max_epochs_per_s is not None:
            if now >= self._next_tick_t:
                self._train_epochs(1)
                self._next_tick_t = next_deadline(self._next_tick_t, 1.0 / self.max_epochs_per_s, now)
            return
        # Unlimited: train until the next frame is due, then let commands and the frame in.
        frame_due = self._last_frame_t + self.frame_interval_s
        self._train_epochs(1)
        while self.state == "playing" and time.monotonic() < frame_due:
            self._train_epochs(1)

    def _train_epochs(self, count: int) -> None:
        for _ in range(count):
            if not self.trainer.train_epoch():
                self._diverge()
                return
        self._dirty = True

    def _phase_interval_s(self) -> float:
        steps = max(1, self.trainer.params.d_steps + self.trainer.params.g_steps)
        return 1.0 / ((self.max_epochs_per_s or 0.5) * steps)

    def _slow_motion_step(self) -> None:
        """One optimizer step of GAN Lab's narrated epoch: k_D D steps, then k_G G steps."""
        trainer = self.trainer
        if not self._phases:
            self._phases = ["d"] * trainer.params.d_steps + ["g"] * trainer.params.g_steps
            if not self._phases:  # k_D = k_G = 0: an epoch that updates nothing
                self._train_epochs(1)
                return
        phase = self._phases.pop(0)
        trainer.step_d() if phase == "d" else trainer.step_g()
        if not self._phases:
            # Trainer.train_epoch counts epochs itself; here the epoch was run step by step.
            trainer.epoch += 1
        if trainer.diverged:
            self._diverge()
        self._dirty = True

    def _diverge(self) -> None:
        self.state = "diverged"
        self._phases = []
        self._dirty = True
        self.send_text(self.status_message())

    # ---- frames ---------------------------------------------------------------------------

    def _maybe_send_frame(self) -> None:
        if not self._dirty or self.sink is None:
            return
        now = time.monotonic()
        if now < self._last_frame_t + self.frame_interval_s:
            return
        # A fixed cadence (not "interval after the last send") so frames/s really reaches frame_hz.
        behind = now - self._last_frame_t > 2 * self.frame_interval_s
        self._last_frame_t = now if behind else self._last_frame_t + self.frame_interval_s
        self._dirty = False
        self.sink("frame", self.build_frame())

    def build_frame(self) -> bytes:
        """Snapshot every visual layer, the losses and metrics into one binary frame."""
        trainer = self.trainer
        axes = self.manifold_axes if max(self.manifold_axes) < trainer.params.noise_dim else (0, 1)
        fields = trainer.fields(grid_size=self.grid_size, axes=axes)
        losses = {k: _number(v) for k, v in trainer.losses.items()}
        metrics = {k: _number(v) for k, v in trainer.metrics().items()}
        self._record_history(losses, metrics)
        header = {
            "run_id": trainer.run_id,
            "params_version": self.params_version,
            "epoch": trainer.epoch,
            "step": trainer.step,
            "losses": losses,
            "metrics": metrics,
            "view_box": list(trainer.view_box),
            "phase": trainer.last_phase,
            "state": self.state,
            "epochs_per_s": self._rate.update(trainer.epoch, time.monotonic()),
            "dataset": trainer.params.dataset,
            "noise_type": trainer.params.noise_type,
            "noise_dim": trainer.params.noise_dim,
            "manifold_axes": list(axes),
        }
        return encode_frame(header, fields)

    def _record_history(self, losses: dict, metrics: dict) -> None:
        """One chart row per frame that shows new optimizer steps; thinned 2:1 at the limit."""
        if self._history_run_id != self.trainer.run_id:
            self.history.clear()
            self._history_run_id = self.trainer.run_id
        step = self.trainer.step
        if self.history and self.history[-1]["step"] == step:
            return
        self.history.append({"epoch": self.trainer.epoch, "step": step, **losses, **metrics})
        if len(self.history) > self.history_limit:
            self.history[:] = self.history[:-1:2] + self.history[-1:]  # keep the newest row exact


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _one_torch_thread() -> None:
    """torch (the engine's gradient-penalty path) must not spin extra OpenMP threads per session.
    Set only if the engine loaded torch: importing it just for this would cost over a second."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _build_trainer(params: dict) -> Any:
    """The engine is imported here, on the worker thread, so app import stays light."""
    from ganlab.gan2d import Trainer, TrainParams

    return Trainer(TrainParams.model_validate(params))
