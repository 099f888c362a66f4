"""The web process's side of the session pool: worker processes and stand-ins for their loops.

`WorkerPool` starts `GANLAB_WORKERS` processes (worker.py) and places each new session on the
one with the fewest sessions. `RemoteLoop` looks to a Session exactly like a TrainingLoop
(`call`, `ready`, `sink`, `on_ended`, `ended_reason`, `stop`), but every call crosses the
pipe. A reader thread per worker routes results to their futures and frames and texts to
their session's sink. When a worker dies, its loops hear `on_lost`, so the registry can bring
each session back from its last snapshot on a fresh worker.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from ganlab.server.gan2d.commands import SessionEnded, WorkerLost

log = logging.getLogger("ganlab.server")
LOST = "the training process of this session stopped"


class RemoteLoop:
    """A session's TrainingLoop living in a worker process."""

    def __init__(self, worker: WorkerProcess, sid: str, params: dict | None, snapshot: dict | None, loop_kwargs: dict):
        self.worker, self.sid, self.params, self.snapshot = worker, sid, params, snapshot
        self.loop_kwargs = loop_kwargs  # TrainingLoop's frame_hz, grid_size, history_limit
        self.ready: concurrent.futures.Future = concurrent.futures.Future()
        self.sink: Callable[[str, Any], None] | None = None
        self.on_ended: Callable[[str], None] | None = None
        self.on_lost: Callable[[], None] | None = None  # the worker died under this session
        self.ended_reason: str | None = None
        self.lost = False  # its worker died; the registry is bringing the session back elsewhere

    def start(self) -> None:
        self.worker.create(self)

    def call(self, op: str, kwargs: dict) -> concurrent.futures.Future:
        if self.ended_reason is not None:
            future: concurrent.futures.Future = concurrent.futures.Future()
            future.set_exception(SessionEnded(self.ended_reason))
            return future
        return self.worker.call(self.sid, op, kwargs)

    def stop(self) -> None:
        self.ended_reason = self.ended_reason or "this session has ended"
        self.worker.stop(self.sid)

    def is_alive(self) -> bool:
        return self.ended_reason is None


class WorkerProcess:
    """One worker process, its pipe, and the reader thread that answers for it."""

    def __init__(self, index: int, context: Any, on_death: Callable[[WorkerProcess], None], frame_share: float):
        self.index = index
        self.conn, child = context.Pipe(duplex=True)
        from ganlab.server.gan2d.worker import worker_main

        self.process = context.Process(
            target=worker_main, args=(child, frame_share), name=f"ganlab-worker-{index}", daemon=True
        )
        self.process.start()
        child.close()
        self.loops: dict[str, RemoteLoop] = {}
        self.pending: dict[int, concurrent.futures.Future] = {}
        self.alive = True
        self.up = threading.Event()  # set once the worker has loaded the engine
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._closing = False
        self._on_death = on_death
        threading.Thread(target=self._read_forever, name=f"ganlab-worker-{index}-reader", daemon=True).start()

    def _send(self, message: tuple) -> None:
        with self._lock:
            if not self.alive:
                raise WorkerLost(LOST)
            self.conn.send(message)

    def create(self, loop: RemoteLoop) -> None:
        self.loops[loop.sid] = loop
        try:
            self._send(("create", loop.sid, loop.params, loop.snapshot, loop.loop_kwargs))
        except (SessionEnded, OSError) as error:
            loop.ready.set_exception(SessionEnded(str(error)))

    def call(self, sid: str, op: str, kwargs: dict) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        rid = next(self._ids)
        self.pending[rid] = future
        try:
            self._send(("call", sid, rid, op, kwargs))
        except (SessionEnded, OSError):
            self.pending.pop(rid, None)
            future.set_exception(WorkerLost(LOST))
        return future

    def stop(self, sid: str) -> None:
        self.loops.pop(sid, None)
        with contextlib.suppress(SessionEnded, OSError):
            self._send(("stop", sid))

    def _read_forever(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            try:
                self._route(message)
            except Exception:
                log.exception("bad message from worker %d", self.index)
        self._died()

    def _route(self, message: tuple) -> None:
        kind = message[0]
        if kind == "up":
            self.up.set()
        elif kind == "out":
            loop = self.loops.get(message[1])
            if loop is not None and loop.sink is not None:
                loop.sink(message[2], message[3])
        elif kind == "result":
            future = self.pending.pop(message[1], None)
            if future is not None:
                (future.set_result if message[2] else future.set_exception)(message[3])
        elif kind == "ready":
            loop = self.loops.get(message[1])
            if loop is not None:
                loop.ready.set_result(None) if message[2] is None else loop.ready.set_exception(message[2])
        elif kind == "ended":
            loop = self.loops.pop(message[1], None)
            if loop is not None:
                loop.ended_reason = message[2]
                if loop.on_ended is not None:
                    loop.on_ended(message[2])

    def _died(self) -> None:
        with self._lock:
            closing, self.alive = self._closing, False
        if closing:
            return  # an orderly shutdown, not a loss: nothing to restore
        code = self.process.exitcode if self.process.join(1) is None else None
        log.error("GAN Lab worker %d stopped (exit code %s); restoring its sessions", self.index, code)
        for future in list(self.pending.values()):
            if not future.done():
                future.set_exception(WorkerLost(LOST))
        self.pending.clear()
        self._on_death(self)  # a fresh worker first, so the lost sessions have somewhere to go
        lost, self.loops = list(self.loops.values()), {}
        for loop in lost:
            loop.lost = True
            if not loop.ready.done():
                loop.ready.set_exception(SessionEnded(LOST))
            elif loop.on_lost is not None:
                loop.on_lost()

    def close(self) -> None:
        """Ask the worker to stop, then make sure it did. Closing our end of the pipe is not
        enough: the reader thread is blocked in recv() on it, which keeps the socket open, so
        the worker would never see EOF."""
        with self._lock:
            self._closing, self.alive = True, False
            with contextlib.suppress(OSError):
                self.conn.send(("shutdown",))
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)
        self.conn.close()


class WorkerPool:
    """`size` worker processes; a dead one is replaced, so the pool keeps its size."""

    def __init__(self, size: int, frame_share: float = 0.5):
        self.context = multiprocessing.get_context("spawn")  # the web process has threads: no fork
        self.frame_share = frame_share
        self._closing = False
        self._counter = itertools.count()
        self.workers = [self._spawn() for _ in range(size)]

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess(next(self._counter), self.context, self._replace, self.frame_share)

    def _replace(self, dead: WorkerProcess) -> None:
        if self._closing:
            return
        self.workers = [w for w in self.workers if w is not dead]
        self.workers.append(self._spawn())

    def place(self, sid: str, params: dict | None, snapshot: dict | None, loop_kwargs: dict) -> RemoteLoop:
        """A RemoteLoop (not started) on the live worker with the fewest sessions."""
        worker = min((w for w in self.workers if w.alive), key=lambda w: len(w.loops))
        return RemoteLoop(worker, sid, params, snapshot, loop_kwargs)

    def wait_up(self, timeout_s: float) -> bool:
        """Block until every worker has loaded the engine (so a first session starts at once)."""
        return all(worker.up.wait(timeout_s) for worker in list(self.workers))

    def close(self) -> None:
        self._closing = True
        for worker in self.workers:
            worker.close()
