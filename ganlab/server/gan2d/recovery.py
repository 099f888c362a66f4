"""Bringing sessions back: periodic snapshots, a dead worker's sessions, a restarted server.

Every `GANLAB_SNAPSHOT_INTERVAL_S` each session that changed is snapshotted (ops.snapshot: the
Trainer's full state plus speed, view and chart history) into the web process, which outlives
the workers. When a worker dies, each of its sessions is rebuilt from its last snapshot on a
fresh worker and its client re-attached with "restored from epoch N". With
`GANLAB_SNAPSHOT_DIR` the snapshots are also written to disk (and once more at shutdown), so a
client that reconnects with its session id after a server restart gets its session back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from ganlab.server.gan2d import snapshots
from ganlab.server.gan2d.commands import SessionEnded

if TYPE_CHECKING:
    from ganlab.server.gan2d.sessions import Session, SessionRegistry

log = logging.getLogger("ganlab.server")


def snapshot_epoch(snap: dict | None) -> int:
    return int(snap["meta"]["counters"]["epoch"]) if snap else 0


class Recovery:
    """The snapshot keeper of one SessionRegistry."""

    def __init__(self, registry: SessionRegistry):
        self.registry = registry
        self.folder = registry.settings.snapshot_dir
        self.dormant: set[str] = set()  # ids with a snapshot on disk and no live session
        self._restoring: set[asyncio.Task] = set()
        # Snapshots serve a worker's death or a restart: loops in this process need neither.
        self.needed = registry.settings.workers > 0 or self.folder is not None

    def start(self) -> None:
        if self.folder is not None:
            self.dormant = set(snapshots.prune(self.folder))
            if self.dormant:
                log.info("%d GAN Lab sessions can be restored from %s", len(self.dormant), self.folder)

    # ---- taking snapshots ---------------------------------------------------------------------

    async def take(self, session: Session) -> None:
        if not self.needed:
            return
        since = session.last_snapshot["key"] if session.last_snapshot else None
        try:
            snap = await session.call("snapshot", since=since)
        except (SessionEnded, RuntimeError):
            return
        if snap is None:
            return
        session.last_snapshot = snap
        if self.folder is not None and session.id in self.registry.sessions:
            try:
                await asyncio.to_thread(snapshots.write, self.folder, session.id, snap)
            except OSError as error:
                log.warning("could not write the snapshot of session %s: %s", session.id, error)

    async def take_all(self) -> None:
        for session in list(self.registry.sessions.values()):
            await self.take(session)

    async def snapshot_forever(self) -> None:
        while True:
            await asyncio.sleep(self.registry.settings.snapshot_interval_s)
            await self.take_all()

    async def save_all(self) -> None:
        """At shutdown: the newest state of every session, if it goes to disk."""
        if self.folder is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.take_all(), timeout=10)

    def forget(self, session_id: str) -> None:
        """The session is gone for good (its client left): so is its snapshot."""
        self.dormant.discard(session_id)
        if self.folder is not None:
            snapshots.remove(self.folder, session_id)

    # ---- restoring ----------------------------------------------------------------------------

    def restore_lost(self, session: Session) -> None:
        """Its worker died (called on the event loop): rebuild it from its last snapshot."""
        task = asyncio.ensure_future(self._restore(session))
        self._restoring.add(task)
        task.add_done_callback(self._restoring.discard)

    async def _restore(self, session: Session) -> None:
        if self.registry.sessions.get(session.id) is not session:
            return
        snap = session.last_snapshot
        loop = self.registry.new_loop(session.id, None if snap else {}, snap)
        self.registry.wire(session, loop)
        loop.start()
        try:
            await asyncio.wrap_future(loop.ready)
        except Exception as error:
            self.registry._forget(session, f"the session could not be restored: {error}")
            return
        epoch = snapshot_epoch(snap)
        log.warning("session %s restored from epoch %d after its worker stopped", session.id, epoch)
        session.replace_loop(loop, f"the training process stopped; restored from epoch {epoch}")

    async def revive(self, session_id: Any) -> tuple[Session, int] | None:
        """A session saved to disk before a server restart, back to life: (session, epoch)."""
        if self.folder is None or session_id not in self.dormant:
            return None
        self.dormant.discard(session_id)
        snap = await asyncio.to_thread(snapshots.read, self.folder, session_id)
        if snap is None:
            return None
        try:
            session = await self.registry.create(snapshot=snap, session_id=session_id)
        except Exception as error:
            log.warning("could not restore session %s from disk: %s", session_id, error)
            return None
        return session, snapshot_epoch(snap)
