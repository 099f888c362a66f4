"""One websocket connection to a GAN Lab session: receive commands, send replies and frames.

Outgoing traffic goes through one sender task that holds at most one pending frame: the
training loop overwrites it, so a slow client sees fewer frames and never a queue. A
session outlives its connection (see sessions.py); this class attaches to it, detaches on
disconnect, and can hand over to another session (`resume`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from ganlab.config import Settings
from ganlab.server.gan2d.protocol import ProtocolError, dispatch, parse_message
from ganlab.server.gan2d.sessions import Session, SessionLimitError, SessionRegistry
from ganlab.server.gan2d.training_loop import SessionEnded

log = logging.getLogger("ganlab.server")

CLOSE_INTERNAL = 1011  # the session's training loop stopped, or a server bug
CLOSE_TRY_AGAIN = 1013  # server full
CLOSE_REPLACED = 4001  # the same session was opened by a newer connection


class Connection:
    """One websocket: receives commands, and sends texts plus the latest frame in order."""

    def __init__(self, websocket: WebSocket, settings: Settings, registry: SessionRegistry):
        self.ws, self.settings, self.registry = websocket, settings, registry
        self.session: Session | None = None
        self.texts: collections.deque[dict] = collections.deque()
        self.frame: bytes | None = None  # only the newest frame waits; older ones are dropped
        self.wake = asyncio.Event()

    # ---- outgoing -------------------------------------------------------------------------

    def send_text(self, message: dict) -> None:
        self.texts.append(message)
        self.wake.set()

    def deliver(self, session: Session, kind: str, payload: Any) -> None:
        """Output of `session` (on the event loop): the newest frame, or a text in order."""
        if session is not self.session:
            return  # late output of a session this socket has left
        if kind == "frame":
            self.frame = payload  # replaces a frame the client has not taken yet
            self.wake.set()
        else:
            self.send_text(payload)

    def session_ended(self, session: Session, reason: str) -> None:
        """The session's loop stopped by itself: say why, then close so the client starts afresh."""
        if session is not self.session:
            return
        self.session = None
        self.send_text({"type": "error", "code": "session_ended", "message": reason})
        asyncio.ensure_future(self._flush_and_stop_then_close(CLOSE_INTERNAL, "session ended"))

    def session_restored(self, session: Session, notice: str) -> None:
        """The session was rebuilt from a snapshot (its worker died): attach to it afresh."""
        if session is self.session:
            asyncio.ensure_future(self._reattach(session, notice))

    async def _reattach(self, session: Session, notice: str) -> None:
        try:
            await self._attach(session, resumed=True, notice=notice)
        except SessionEnded as error:
            self.session_ended(session, str(error))

    async def _send_forever(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.texts:
                await self.ws.send_text(json.dumps(self.texts.popleft()))
            if self.frame is not None:
                frame, self.frame = self.frame, None
                await self.ws.send_bytes(frame)

    # ---- session lifecycle ----------------------------------------------------------------

    async def serve(self, session_id: str | None) -> None:
        sender = asyncio.create_task(self._send_forever())
        try:
            if await self._open(session_id):
                await self._receive_forever()
        except WebSocketDisconnect:
            pass
        except SessionEnded as error:  # the session ended while this socket attached to it
            if self.session is not None:  # else session_ended() has told the client already
                self.session = None
                self.send_text({"type": "error", "code": "session_ended", "message": str(error)})
            await self._flush_and_stop_then_close(CLOSE_INTERNAL, "session ended")
        except RuntimeError:  # receive() after our own close
            pass
        except Exception as error:  # a bug: say so and close properly, never just drop the socket
            log.exception("GAN Lab connection failed")
            self.send_text({"type": "error", "message": f"internal error: {type(error).__name__}: {error}"})
            await self._flush_and_stop_then_close(CLOSE_INTERNAL, "internal error")
        finally:
            if self.session is not None:
                await self.session.detach(self)
            sender.cancel()  # the peer is gone or was told to go: nothing left worth sending
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _open(self, session_id: str | None) -> bool:
        session, notice = self.registry.get(session_id), None
        if session is None and (revived := await self.registry.recovery.revive(session_id)) is not None:
            session, notice = revived[0], f"restored from epoch {revived[1]} (saved before the server restarted)"
        if session is not None:
            try:
                await self._attach(session, resumed=True, notice=notice)
                return True
            except SessionEnded:  # it ended between the lookup and the attach: start afresh
                self.session = None
        try:
            session = await self.registry.create()
        except SessionLimitError as error:
            self.send_text({"type": "error", "code": "server_full", "message": str(error)})
            await self._flush_and_stop_then_close(CLOSE_TRY_AGAIN, "server full")
            return False
        notice = f"session {session_id} expired; a new one was started" if session_id else None
        await self._attach(session, resumed=False, notice=notice)
        return True

    async def _flush_and_stop_then_close(self, code: int, reason: str) -> None:
        """Close with `code` once queued texts (the reason, in words) are out, or after 1 s."""
        for _ in range(100):
            if not self.texts:
                break
            await asyncio.sleep(0.01)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, reason=reason)

    async def _attach(self, session: Session, resumed: bool, notice: str | None = None) -> None:
        self.session = session
        hello = await session.call("hello", resumed=resumed)
        history = hello.pop("history")
        hello = {"type": "hello", "session_id": session.id, **hello}
        if notice:
            hello["notice"] = notice
        self.send_text(hello)
        self.send_text({"type": "history", "rows": history})
        await session.attach(self, self._replaced)
    def _replaced(self) -> None:
        self.session = None
        self.send_text(
            {
                "type": "error",
                "code": "replaced",
                "message": "this session was opened in another tab or window; reload to start a new one",
            }
        )
        asyncio.ensure_future(self._flush_and_stop_then_close(CLOSE_REPLACED, "session opened elsewhere"))

    async def _resume(self, command: dict) -> None:
        target = self.registry.get(command["session_id"])
        if target is None:
            raise ProtocolError("resume: unknown or expired session_id", field="session_id")
        if target is self.session:
            return
        if self.session is not None:
            old = self.session
            await old.detach(self)
            self.registry.remove(old.id)  # its only client moved on
        await self._attach(target, resumed=True)

    async def _receive_forever(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                command = parse_message(message, self.settings)
                if self.session is None:
                    raise ProtocolError("this socket has no session any more; reconnect")
                if command["type"] == "resume":
                    await self._resume(command)
                    continue
                reply = await dispatch(self.session, command, self.settings)
                if reply is not None:
                    self.send_text(reply)
            except ProtocolError as error:
                self.send_text(error.to_message())
            except SessionEnded as error:  # closes the socket; until then commands get errors
                if self.session is not None:
                    self.session_ended(self.session, str(error))
            except Exception as error:  # a bug must not kill the session
                log.exception("command failed")
                self.send_text(
                    {"type": "error", "message": f"internal error: {type(error).__name__}: {error}"}
                )
