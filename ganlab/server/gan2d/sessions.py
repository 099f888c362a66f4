"""The registry of GAN Lab sessions: cap, attach/detach, grace period and clean-up.

A session outlives its websocket: when the socket drops, the session is *detached* and
kept for `session_grace_s`, so a page reload (which reconnects with `?session_id=`) gets
the same weights and chart history back. A reaper task removes sessions whose client did
not come back. A session whose loop ended by itself (see training_loop.py) is removed at
once, so it never holds a slot, and its client is told why.

Sessions train in worker processes (pool.py, `GANLAB_WORKERS`), or on one scheduler thread of
this process with `GANLAB_WORKERS=0` (scheduler.py); a Session does not care which.
recovery.py snapshots them, brings them back when their worker dies, and (opt-in) after a
server restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from ganlab.config import Settings
from ganlab.server.gan2d import ops
from ganlab.server.gan2d.commands import SessionEnded, WorkerLost
from ganlab.server.gan2d.recovery import Recovery
from ganlab.server.gan2d.scheduler import Scheduler
from ganlab.server.gan2d.training_loop import TrainingLoop


class SessionLimitError(RuntimeError):
    """The server already holds `max_sessions` sessions."""


class Owner(Protocol):
    """The connection watching a session: it receives its output and hears when it ends."""

    def deliver(self, session: Session, kind: str, payload: Any) -> None: ...

    def session_ended(self, session: Session, reason: str) -> None: ...

    def session_restored(self, session: Session, notice: str) -> None: ...


class Session:
    """One training run and the (at most one) connection watching it."""

    def __init__(self, session_id: str, loop: Any, event_loop: asyncio.AbstractEventLoop):
        self.id = session_id
        self.loop = loop  # a TrainingLoop, or a pool.RemoteLoop in a worker process
        self.event_loop = event_loop
        self.last_snapshot: dict | None = None  # ops.snapshot(), refreshed by recovery.py
        self._restored_event: asyncio.Event | None = None  # set once a lost loop is replaced
        self._gone = False  # ended for good
        self.owner: Owner | None = None  # the connection currently attached
        self.kick: Callable[[], None] | None = None  # tells that connection it was replaced
        # Counted as detached from birth, so a session whose socket never attaches is reaped too.
        self.detached_at: float | None = time.monotonic()
        self.state = "paused"  # the loop's last reported state (its loop may be in another process)
        loop.sink = self._from_thread

    @property
    def alive(self) -> bool:
        return self.loop.ended_reason is None

    def _from_thread(self, kind: str, payload: Any) -> None:  # runs on the scheduler (or pipe reader) thread
        with contextlib.suppress(RuntimeError):  # the event loop may be shutting down
            self.event_loop.call_soon_threadsafe(self._deliver, kind, payload)

    def _deliver(self, kind: str, payload: Any) -> None:
        if kind == "text" and isinstance(payload, dict) and payload.get("type") == "status":
            self.state = payload.get("state", self.state)  # read by the StyleGAN3 render-thread policy
        if self.owner is not None:
            self.owner.deliver(self, kind, payload)

    async def call(self, op: str, **kwargs: Any) -> Any:
        """Run session op `op` (ops.py) between two optimizer steps; its result, or its exception.
        If the session's worker dies, the call waits for the restored session and runs there."""
        for attempt in range(3):
            loop = self.loop
            if getattr(loop, "lost", False) and not self._gone:
                await self._restored().wait()
                continue
            try:
                future = loop.call(op, kwargs) if hasattr(loop, "call") else ops.call(loop, op, kwargs)
                return await asyncio.wrap_future(future)
            except WorkerLost:
                if self._gone or attempt == 2:
                    raise
                if self.loop is loop:  # not restored yet (the worker's death may not even be known)
                    await self._restored().wait()
        raise SessionEnded("this session has ended")

    def _restored(self) -> asyncio.Event:
        if self._restored_event is None or self._restored_event.is_set():
            self._restored_event = asyncio.Event()
        return self._restored_event

    async def attach(self, owner: Owner, kick: Callable[[], None]) -> None:
        """Make `owner` the connection that receives this session's frames and messages."""
        previous_kick = self.kick if self.owner is not None and self.owner is not owner else None
        self.owner, self.kick, self.detached_at = owner, kick, None
        await self.call("attach")
        if previous_kick is not None:
            previous_kick()

    async def detach(self, owner: Owner) -> None:
        """The connection went away; training pauses until a client comes back."""
        if self.owner is not owner:
            return  # already taken over by a newer connection
        self.owner, self.kick, self.detached_at = None, None, time.monotonic()
        with contextlib.suppress(SessionEnded):
            await self.call("detach")

    def ended(self, reason: str) -> None:
        """The loop stopped by itself: tell the watching connection (on the event loop)."""
        owner, self.owner, self.kick = self.owner, None, None
        self._gone = True
        if self._restored_event is not None:
            self._restored_event.set()  # waiting calls wake up and find it ended
        if owner is not None:
            owner.session_ended(self, reason)

    def replace_loop(self, loop: Any, notice: str) -> None:
        """The session now lives in `loop` (restored from a snapshot); its client re-attaches."""
        self.loop = loop
        loop.sink = self._from_thread
        if self._restored_event is not None:
            self._restored_event.set()
        if self.owner is not None:
            self.owner.session_restored(self, notice)


class SessionRegistry:
    """All live sessions of one app, keyed by an unguessable id."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self.pool: Any = None  # pool.WorkerPool, started with the first session
        self.scheduler = Scheduler(settings.frame_share)  # runs the loops here, with GANLAB_WORKERS=0
        self.recovery = Recovery(self)
        self._tasks: list[asyncio.Task] = []

    def __len__(self) -> int:
        return len(self.sessions)

    def get(self, session_id: object) -> Session | None:
        """The live session with this id; None for unknown, ended or non-string ids."""
        session = self.sessions.get(session_id) if isinstance(session_id, str) and session_id else None
        if session is not None and not session.alive:
            self._forget(session, session.loop.ended_reason or "ended")
            return None
        return session

    def _check_cap(self) -> None:
        cap = self.settings.max_sessions
        if len(self.sessions) >= cap:
            raise SessionLimitError(
                f"server full: {cap} GAN Lab sessions are running (GANLAB_MAX_SESSIONS={cap}); "
                "try again in a minute"
            )

    def new_loop(self, session_id: str, params: dict | None, snapshot: dict | None) -> Any:
        """A loop (not started) in a worker process, or here with GANLAB_WORKERS=0."""
        kwargs = {
            "frame_hz": self.settings.frame_hz,
            "grid_size": self.settings.grid_size,
            "history_limit": self.settings.history_limit,
        }
        if self.settings.workers == 0:
            return TrainingLoop(params=params, snapshot=snapshot, scheduler=self.scheduler, **kwargs)
        if self.pool is None:
            from ganlab.server.gan2d.pool import WorkerPool

            self.pool = WorkerPool(self.settings.workers, self.settings.frame_share)
        return self.pool.place(session_id, params, snapshot, kwargs)

    def wire(self, session: Session, loop: Any) -> None:
        """Route the loop's end (and, in a worker, its loss) back to this registry."""
        event_loop = session.event_loop
        loop.on_ended = lambda reason: event_loop.call_soon_threadsafe(self._forget, session, reason)
        if hasattr(loop, "on_lost"):
            loop.on_lost = lambda: event_loop.call_soon_threadsafe(self.recovery.restore_lost, session)

    async def create(
        self, params: dict | None = None, snapshot: dict | None = None, session_id: str | None = None
    ) -> Session:
        """Start a new session (from `snapshot` if given); raises SessionLimitError when full."""
        if snapshot is None:
            self._check_cap()  # a session coming back from a snapshot is never refused
        prefix = f"{self.settings.instance}-" if self.settings.instance else ""
        session_id = session_id or prefix + uuid.uuid4().hex  # the prefix routes it behind a proxy
        loop = self.new_loop(session_id, params, snapshot)
        session = Session(session_id, loop, asyncio.get_running_loop())
        session.last_snapshot = snapshot
        self.wire(session, loop)
        self.sessions[session.id] = session  # counted against the cap while it starts
        loop.start()
        try:
            await asyncio.wrap_future(loop.ready)
        except BaseException:
            self.sessions.pop(session.id, None)
            raise
        if snapshot is None:  # a first snapshot at once: a worker may die before the periodic one
            asyncio.ensure_future(self.recovery.take(session))
        return session

    def _forget(self, session: Session, reason: str) -> None:
        """Drop a session whose loop ended by itself: its slot is free again."""
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        session.ended(reason)

    def remove(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is not None:
            session.loop.stop()
            self.recovery.forget(session_id)

    def reap(self, now: float | None = None) -> list[str]:
        """Remove detached sessions older than the grace period; returns their ids."""
        now = time.monotonic() if now is None else now
        grace = self.settings.session_grace_s
        expired = [
            sid
            for sid, s in self.sessions.items()
            if s.detached_at is not None and now - s.detached_at >= grace
        ]
        for sid in expired:
            self.remove(sid)
        return expired

    async def _reap_forever(self) -> None:
        interval = min(1.0, max(0.05, self.settings.session_grace_s / 4))
        while True:
            await asyncio.sleep(interval)
            self.reap()

    async def start(self) -> None:
        """Start the workers (the server is up once they can train) and the background tasks."""
        loop = asyncio.get_running_loop()
        if self.settings.workers > 0 and self.pool is None:
            from ganlab.server.gan2d.pool import WorkerPool

            self.pool = WorkerPool(self.settings.workers, self.settings.frame_share)
            await asyncio.to_thread(self.pool.wait_up, 120.0)
        self.recovery.start()
        self._tasks = [loop.create_task(self._reap_forever()), loop.create_task(self.recovery.snapshot_forever())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.recovery.save_all()  # with GANLAB_SNAPSHOT_DIR, the sessions outlive the server
        for session in list(self.sessions.values()):
            self.sessions.pop(session.id, None)
            session.loop.stop()
        if self.pool is not None:
            self.pool.close()
