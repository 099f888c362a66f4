"""A worker process of the GAN Lab session pool: it owns its sessions' TrainingLoops.

The web process keeps the sockets; this process trains. They speak over one duplex pipe, in
plain picklable tuples (the TrainingLoop's command queue and sink are the seam):

web -> worker   ("create", sid, params, snapshot, loop_kwargs)   start a session (snapshot: restore it)
                ("call", sid, rid, op, kwargs)                    run session op `op` (ops.py)
                ("stop", sid)                                      end a session
                ("shutdown",)                                      stop every session and exit
worker -> web   ("up",)                                           the engine is loaded: sessions may come
                ("ready", sid, error_or_None)                     the session started (or could not)
                ("result", rid, ok, value)                         the op's result, or its exception
                ("out", sid, kind, payload)                        a frame (bytes) or a text (dict)
                ("ended", sid, reason)                             its loop stopped by itself

Frames are already bytes, so relaying them costs one copy through the pipe. One process per
core means sessions on different workers never share a GIL; within a worker one Scheduler
thread runs all the sessions in turns (scheduler.py says why not a thread each), while the
main thread only receives from the pipe.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import threading
from typing import Any

log = logging.getLogger("ganlab.worker")


def _picklable(error: BaseException) -> BaseException:
    """Exceptions cross the pipe; one that cannot be pickled is sent as its text."""
    try:
        pickle.dumps(error)
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


class Worker:
    """The worker side of the pipe: a receive loop, and one Scheduler that runs every session."""

    def __init__(self, conn: Any, frame_share: float):
        from ganlab.server.gan2d.scheduler import Scheduler

        self.conn = conn
        self.loops: dict[str, Any] = {}
        self.scheduler = Scheduler(frame_share, name="ganlab-worker-scheduler")
        self._send_lock = threading.Lock()  # the scheduler and the receive loop share the pipe

    def send(self, message: tuple) -> None:
        with self._send_lock:
            self.conn.send(message)

    def serve(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the web process is gone: so are we
                break
            if message[0] == "shutdown":
                break
            try:
                getattr(self, "on_" + message[0])(*message[1:])
            except Exception:
                log.exception("worker could not handle %r", message[:2])
        for loop in self.loops.values():
            loop.stop()

    def on_create(self, sid: str, params: dict | None, snapshot: dict | None, loop_kwargs: dict) -> None:
        from ganlab.server.gan2d.training_loop import TrainingLoop

        loop = TrainingLoop(params=params, snapshot=snapshot, scheduler=self.scheduler, **loop_kwargs)
        loop.sink = lambda kind, payload: self.send(("out", sid, kind, payload))
        loop.on_ended = lambda reason: self.send(("ended", sid, reason))
        self.loops[sid] = loop

        def started(future) -> None:
            error = future.exception()
            if error is not None:
                self.loops.pop(sid, None)
            self.send(("ready", sid, None if error is None else _picklable(error)))

        loop.ready.add_done_callback(started)
        loop.start()

    def on_call(self, sid: str, rid: int, op: str, kwargs: dict) -> None:
        from ganlab.server.gan2d import ops
        from ganlab.server.gan2d.commands import SessionEnded

        loop = self.loops.get(sid)
        if loop is None:
            self.send(("result", rid, False, SessionEnded("this session has ended")))
            return

        def answered(future) -> None:
            error = future.exception()
            try:
                self.send(("result", rid, error is None, future.result() if error is None else _picklable(error)))
            except Exception as failure:  # e.g. a result that does not pickle
                self.send(("result", rid, False, RuntimeError(f"{type(failure).__name__}: {failure}")))

        ops.call(loop, op, kwargs).add_done_callback(answered)

    def on_stop(self, sid: str) -> None:
        loop = self.loops.pop(sid, None)
        if loop is not None:
            loop.stop()


def worker_main(conn: Any, frame_share: float = 0.5) -> None:
    """Entry point of a spawned worker (multiprocessing target)."""
    # Ctrl-C in a terminal reaches the whole process group; the web process shuts the workers
    # down in order (a "shutdown" message), so a worker must not die mid-step on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # before numpy loads: one BLAS thread, as the scheduler is one thread
    logging.basicConfig(level=logging.WARNING, format="ganlab worker %(process)d: %(levelname)s %(message)s")
    import ganlab.gan2d  # noqa: F401  the engine loads now, while the server starts, not with a first session

    worker = Worker(conn, frame_share)
    worker.send(("up",))
    worker.serve()
