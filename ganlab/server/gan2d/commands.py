"""The command queue of one training loop: filled from any thread, run on the scheduler's.

Commands are callables `command(target)`; each gets a Future for its result or exception.
A command is either queued before the queue closes or refused with SessionEnded at once:
never left waiting forever, whatever the order in which a client and a dying thread act.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class SessionEnded(RuntimeError):
    """The session's loop has stopped (server shutdown, or repeated failures)."""


class WorkerLost(SessionEnded):
    """The worker process holding the session died; the registry is restoring it elsewhere."""


class CommandQueue:
    """Commands for one training loop, run in order between its units of work."""

    def __init__(self, on_submit: Callable[[], None] = lambda: None) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._on_submit = on_submit  # wakes whoever runs the queue
        self.closed_reason: str | None = None

    def submit(self, command: Callable[[Any], Any]) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self.closed_reason is not None:
                future.set_exception(SessionEnded(self.closed_reason))
            else:
                self._queue.put((command, future))
        self._on_submit()
        return future

    def stop(self) -> None:
        """Ask the loop to stop once the commands queued before this one have run."""
        self._queue.put(_STOP)
        self._on_submit()

    def run(self, target: Any) -> bool:
        """Run the commands queued so far on `target` (never waits); False once stopped."""
        try:
            item = self._queue.get_nowait()
        except queue.Empty:
            return True
        while True:
            if item is _STOP:
                return False
            command, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(command(target))
                except BaseException as error:  # the caller turns it into an error message
                    future.set_exception(error)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return True

    def close(self, reason: str) -> None:
        """Refuse every later command, and fail those still queued."""
        with self._lock:
            self.closed_reason = self.closed_reason or reason
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP and item[1].set_running_or_notify_cancel():
                item[1].set_exception(SessionEnded(self.closed_reason))
