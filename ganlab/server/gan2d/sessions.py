"""The registry of GAN Lab sessions: cap, attach/detach, grace period and clean-up.

A session outlives its websocket: when the socket drops, the session is *detached* and
kept for `session_grace_s`, so a page reload (which reconnects with `?session_id=`) gets
the same weights and chart history back. A reaper task removes sessions whose client did
not come back. A session whose thread ended by itself (see training_loop.py) is removed at
once, so it never holds a slot, and its client is told why.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from ganlab.config import Settings
from ganlab.server.gan2d.ops import run_op
from ganlab.server.gan2d.training_loop import SessionEnded, TrainingLoop


class SessionLimitError(RuntimeError):
    """The server already holds `max_sessions` sessions."""


class Owner(Protocol):
    """The connection watching a session: it receives its output and hears when it ends."""

    def deliver(self, session: Session, kind: str, payload: Any) -> None: ...

    def session_ended(self, session: Session, reason: str) -> None: ...


class Session:
    """One training run and the (at most one) connection watching it."""

    def __init__(self, session_id: str, loop: TrainingLoop, event_loop: asyncio.AbstractEventLoop):
        self.id = session_id
        self.loop = loop
        self.event_loop = event_loop
        self.owner: Owner | None = None  # the connection currently attached
        self.kick: Callable[[], None] | None = None  # tells that connection it was replaced
        # Counted as detached from birth, so a session whose socket never attaches is reaped too.
        self.detached_at: float | None = time.monotonic()
        loop.sink = self._from_thread

    @property
    def alive(self) -> bool:
        return self.loop.ended_reason is None

    def _from_thread(self, kind: str, payload: Any) -> None:  # runs on the training thread
        with contextlib.suppress(RuntimeError):  # the event loop may be shutting down
            self.event_loop.call_soon_threadsafe(self._deliver, kind, payload)

    def _deliver(self, kind: str, payload: Any) -> None:
        if self.owner is not None:
            self.owner.deliver(self, kind, payload)

    async def call(self, op: str, **kwargs: Any) -> Any:
        """Run session op `op` (ops.py) on the training thread; its result, or its exception."""
        return await asyncio.wrap_future(self.loop.submit(functools.partial(run_op, op, kwargs)))

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
        """The thread stopped by itself: tell the watching connection (on the event loop)."""
        owner, self.owner, self.kick = self.owner, None, None
        if owner is not None:
            owner.session_ended(self, reason)


class SessionRegistry:
    """All live sessions of one app, keyed by an unguessable id."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self._reaper: asyncio.Task | None = None

    def __len__(self) -> int:
        return len(self.sessions)

    def get(self, session_id: object) -> Session | None:
        """The live session with this id; None for unknown, ended or non-string ids."""
        session = self.sessions.get(session_id) if isinstance(session_id, str) and session_id else None
        if session is not None and not session.alive:
            self._forget(session, session.loop.ended_reason or "ended")
            return None
        return session

    async def create(self, params: dict | None = None) -> Session:
        """Start a new session (its trainer is built on its own thread); raises SessionLimitError."""
        cap = self.settings.max_sessions
        if len(self.sessions) >= cap:
            raise SessionLimitError(
                f"server full: {cap} GAN Lab sessions are running (GANLAB_MAX_SESSIONS={cap}); "
                "try again in a minute"
            )
        loop = TrainingLoop(
            frame_hz=self.settings.frame_hz,
            grid_size=self.settings.grid_size,
            history_limit=self.settings.history_limit,
            params=params,
        )
        event_loop = asyncio.get_running_loop()
        session = Session(uuid.uuid4().hex, loop, event_loop)
        loop.on_ended = lambda reason: event_loop.call_soon_threadsafe(self._forget, session, reason)
        self.sessions[session.id] = session  # counted against the cap while it starts
        loop.start()
        try:
            await asyncio.wrap_future(loop.ready)
        except BaseException:
            self.sessions.pop(session.id, None)
            raise
        return session

    def _forget(self, session: Session, reason: str) -> None:
        """Drop a session whose thread ended by itself: its slot is free again."""
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        session.ended(reason)

    def remove(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is not None:
            session.loop.stop()

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

    def start(self) -> None:
        self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for sid in list(self.sessions):
            self.remove(sid)
