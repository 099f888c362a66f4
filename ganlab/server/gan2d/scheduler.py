"""One thread per process runs every GAN Lab session of that process, in turns.

Why not a thread per session: under the GIL, N busy threads each get the interpreter for a
switch interval (~5 ms) and then wait for all the others, so with 15 sessions on a core each
one ran about 15 times a second, and a loop that builds at most one frame per turn could not
pass ~11 frames/s however cheap frames were. Shorter switch intervals do not help: an OS
hand-off between threads costs more than a training step. One thread that decides itself
whose turn it is has no hand-offs at all, and can put frames first.

Each turn of the scheduler:

1. takes in new loops (their trainer is built here, on this thread) and runs every loop's
   queued commands;
2. builds the frames that are due, earliest first;
3. gives one short slice of training to the runnable loop that has trained least, in the
   manner of a fair-share CPU scheduler: each loop has a virtual time, charged with the time
   it trained. A slice is short enough that every runnable loop gets one within a frame
   interval: a loop only has a new frame to show once it has trained since its last one, so
   a longer round would cap every session's frame rate below what it was promised. A slice
   also ends at the next frame deadline or when a command comes;
4. sleeps until the next deadline when nothing is runnable, woken at once by a command.

Frames are what a learner sees, so they go first, but they must not starve training: once a
second the scheduler measures what a frame costs here and sets every playing session's frame
rate so that all its frames take at most `frame_share` of the core (never below
MIN_FRAME_HZ). The session announces its lower rate to its client.

Nothing a loop does can stop the scheduler: an exception from one goes to that loop's
`_fail`, which pauses it with a message (or closes it after repeated failures).
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from ganlab.server.gan2d.pacing import MAX_WAIT_S, bounded_wait_s

log = logging.getLogger("ganlab.server")
SLICE_S = 0.002  # the longest turn of training: frames stay punctual with few sessions
MIN_SLICE_S = 0.0003  # the shortest: about three optimizer steps, so a turn is not all overhead
ROUND_SLACK = 0.8  # a round of all runnable loops fills at most this much of a frame interval
FAIR_WINDOW_S = 0.05  # a loop that was idle gets at most this much catch-up over the others
MIN_FRAME_HZ = 5.0  # below this the views stop reading as motion
BUDGET_PERIOD_S = 1.0


@dataclass(eq=False)
class _Slot:
    loop: Any  # a TrainingLoop (duck-typed here, so this module does not import it)
    vtime: float = 0.0  # seconds of training this loop has had, fair-share style


class Scheduler:
    """Runs the TrainingLoops added to it on one thread; the thread exits when none is left."""

    def __init__(self, frame_share: float = 0.5, name: str = "ganlab-scheduler"):
        self.frame_share = frame_share
        self.name = name
        self.wake = threading.Event()  # set by every submitted command and every new loop
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._vclock = 0.0
        self._frame_cost_s: float | None = None  # measured seconds per frame (build + send)
        self._window = [0.0, 0]  # frame seconds and frames since the last budget
        self._budget_at = time.monotonic() + BUDGET_PERIOD_S
        self._frame_fraction = 0.0  # of the last budget period, the part spent on frames

    def __len__(self) -> int:
        return len(self._slots)

    def add(self, loop: Any) -> None:
        """Start running `loop` (its `open()` is called on the scheduler thread)."""
        with self._lock:
            self._inbox.put(loop)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self.wake.set()

    def notify(self) -> None:
        """A loop has a command waiting: cut the current slice short and come round."""
        self.wake.set()

    # ---- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while True:
            with self._lock:
                if not self._slots and self._inbox.empty():
                    self._thread = None  # add() starts a new one when a loop comes
                    return
            try:
                self._turn()
                failures = 0
            except Exception:  # a bug here must not take every session of the process down
                failures += 1
                if failures == 1 or failures % 1000 == 0:  # the log says so, without a flood
                    log.exception("GAN Lab scheduler turn failed (%d in a row)", failures)
                time.sleep(0.01)

    def _turn(self) -> None:
        self.wake.clear()  # before looking: a command that comes after this wakes the next wait
        self._take_new_loops()
        for slot in list(self._slots):
            self._guard(slot, slot.loop.run_commands, closing_on_false=True)
        self._send_due_frames()
        now = time.monotonic()
        if now >= self._budget_at:
            self._apply_frame_budget(now)
        slot, runnable = self._pick(now)
        if slot is not None:
            self._train(slot, now, runnable)
            return
        deadline = self._next_deadline()
        self.wake.wait(bounded_wait_s(deadline - time.monotonic()) if deadline is not None else MAX_WAIT_S)

    def _take_new_loops(self) -> None:
        while True:
            try:
                loop = self._inbox.get_nowait()
            except queue.Empty:
                return
            if loop.open():
                self._slots.append(_Slot(loop, vtime=self._vclock))

    def _guard(self, slot: _Slot, call: Any, *args: Any, closing_on_false: bool = False) -> Any:
        """Run one step of a loop; its exception pauses it (or closes it after repeated ones)."""
        loop = slot.loop
        try:
            result = call(*args)
        except Exception as error:
            try:
                reason = loop._fail(error)
            except Exception as second:  # it cannot even report: it must not stall the others
                reason = f"the session failed and could not recover ({type(second).__name__}: {second})"
            if reason is not None:
                self._close(slot, reason)
            return None
        if closing_on_false and result is False:
            self._close(slot, "this session has ended")
        return result

    def _close(self, slot: _Slot, reason: str) -> None:
        if slot in self._slots:
            self._slots.remove(slot)
        try:
            slot.loop.close(reason)
        except Exception:
            log.exception("GAN Lab session did not close cleanly")

    # ---- frames ---------------------------------------------------------------------------

    def _send_due_frames(self) -> None:
        now = time.monotonic()
        due = []
        for slot in self._slots:
            at = slot.loop.frame_due_at()
            if at is not None and at <= now:
                due.append((at, slot))
        for _, slot in sorted(due, key=lambda item: item[0]):
            started = time.perf_counter()
            if self._guard(slot, slot.loop.maybe_send_frame):
                self._window[0] += time.perf_counter() - started
                self._window[1] += 1

    def _apply_frame_budget(self, now: float) -> None:
        """Each playing session gets the frame rate that keeps all frames within `frame_share`."""
        self._budget_at = now + BUDGET_PERIOD_S
        spent, count = self._window
        self._window = [0.0, 0]
        self._frame_fraction = min(0.9, spent / BUDGET_PERIOD_S)
        if count:
            measured = spent / count
            cost = self._frame_cost_s
            self._frame_cost_s = measured if cost is None else 0.5 * cost + 0.5 * measured
        playing = self._playing()
        if not playing or self._frame_cost_s is None:
            return
        hz = max(MIN_FRAME_HZ, math.floor(self.frame_share / (len(playing) * self._frame_cost_s)))
        reason = (f"{len(playing)} sessions share one training process: fewer frames each keep their training fast"
                  if len(playing) > 1 else
                  f"frames may take only {self.frame_share:.0%} of this training process (GANLAB_FRAME_SHARE)")
        for slot in playing:
            self._guard(slot, slot.loop.set_frame_rate, hz, reason)

    def _playing(self) -> list[_Slot]:
        """The loops a client is watching play: they get frames at their rate, and train."""
        return [s for s in self._slots if s.loop.state == "playing" and s.loop.attached]

    # ---- training -------------------------------------------------------------------------

    def _pick(self, now: float) -> tuple[_Slot | None, int]:
        """The runnable loop that has trained least (a long-idle one gets a bounded head start),
        and how many loops are runnable."""
        best, runnable = None, 0
        for slot in self._slots:
            at = self._guard(slot, slot.loop.train_due_at, now)
            if at is None or at > now:
                continue
            runnable += 1
            if best is None or slot.vtime < best.vtime:
                best = slot
        if best is not None:
            best.vtime = max(best.vtime, self._vclock - FAIR_WINDOW_S)
            self._vclock = max(self._vclock, best.vtime)
        return best, runnable

    def _slice_s(self, runnable: int) -> float:
        """A slice such that a round of every runnable loop, with its frames, fits a frame interval."""
        intervals = [s.loop.frame_interval_s for s in self._playing()]
        if not intervals:
            return SLICE_S
        room = ROUND_SLACK * min(intervals) * (1.0 - self._frame_fraction) / max(1, runnable)
        return min(SLICE_S, max(MIN_SLICE_S, room))

    def _train(self, slot: _Slot, now: float, runnable: int) -> None:
        until = now + self._slice_s(runnable)
        for other in self._slots:
            at = other.loop.frame_due_at()
            if at is not None:
                until = min(until, at)
        started = time.monotonic()
        self._guard(slot, slot.loop.train, max(until, started + MIN_SLICE_S), self.wake.is_set)
        slot.vtime += time.monotonic() - started

    def _next_deadline(self) -> float | None:
        """The earliest moment a frame or a paced training tick is due (None: wait for a command)."""
        now = time.monotonic()
        times = [self._budget_at]
        for slot in self._slots:
            for at in (slot.loop.frame_due_at(), self._guard(slot, slot.loop.train_due_at, now)):
                if at is not None:
                    times.append(at)
        return min(times)
