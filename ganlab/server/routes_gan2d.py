"""GAN Lab HTTP and websocket routes: schema, live session socket, downloads.

`WS /ws/gan2d[?session_id=...]` opens (or resumes) one training session. Outgoing
traffic goes through one sender task per socket that holds at most one pending frame:
the training thread overwrites it, so a slow client never builds a queue.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import csv
import io
import json
import logging
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket
from fastapi.responses import Response
from starlette.websockets import WebSocketDisconnect

from ganlab.config import Settings
from ganlab.server.protocol import ProtocolError, dispatch, params_message, parse_message
from ganlab.server.sessions import Session, SessionLimitError, SessionRegistry
from ganlab.server.training_loop import TrainingLoop

log = logging.getLogger("ganlab.server")
router = APIRouter(tags=["gan2d"])

CLOSE_POLICY = 1008  # origin refused
CLOSE_TRY_AGAIN = 1013  # server full
CLOSE_REPLACED = 4001  # the same session was opened by a newer connection


def get_registry(request: Request) -> SessionRegistry:
    return request.app.state.sessions


Registry = Annotated[SessionRegistry, Depends(get_registry)]


@router.get("/api/gan2d/schema")
def schema(request: Request) -> dict[str, Any]:
    """TrainParams' JSON schema with `x-kind`/`x-group`, defaults, presets and the dataset list."""
    return request.app.state.gan2d_schema


def _session_or_404(registry: SessionRegistry, session_id: str) -> Session:
    session = registry.get(session_id)
    if session is None:
        raise HTTPException(404, f"no session {session_id!r} (it ended, or the server restarted)")
    return session


@router.get("/api/gan2d/sessions/{session_id}/model", response_class=Response)
async def download_model(session_id: str, registry: Registry) -> Response:
    """The session's trained model: a zip of the safetensors weights and the params JSON."""
    session = _session_or_404(registry, session_id)
    with tempfile.TemporaryDirectory(prefix="ganlab-model-") as tmp:
        await session.call(lambda loop: loop.trainer.save(tmp))
        data = await asyncio.to_thread(_zip_folder, Path(tmp))
    headers = {"Content-Disposition": 'attachment; filename="ganlab_model.zip"'}
    return Response(data, media_type="application/zip", headers=headers)


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@router.get("/api/gan2d/sessions/{session_id}/history.csv", response_class=Response)
async def download_history(session_id: str, registry: Registry) -> Response:
    """The metric history (the charts), in the column layout of `ganlab train --out`."""
    session = _session_or_404(registry, session_id)
    rows = await session.call(lambda loop: [dict(row) for row in loop.history])
    columns = ["epoch", "step", "d_loss", "g_loss", "kl", "js"]
    columns += [k for k in (rows[-1] if rows else {}) if k not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    headers = {"Content-Disposition": 'attachment; filename="ganlab_history.csv"'}
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers always send Origin; only our own page (or a configured one) may open a session.
    Non-browser clients send none and are allowed: the check defends against other web pages."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in settings.allowed_origins:
        return True
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower() and host != ""


@router.websocket("/ws/gan2d")
async def gan2d_socket(websocket: WebSocket, session_id: str | None = None) -> None:
    settings: Settings = websocket.app.state.settings
    registry: SessionRegistry = websocket.app.state.sessions
    if not origin_allowed(websocket, settings):
        await websocket.close(code=CLOSE_POLICY, reason="origin not allowed")
        return
    await websocket.accept()
    connection = Connection(websocket, settings, registry)
    await connection.serve(session_id)


class Connection:
    """One websocket: receives commands, and sends texts plus the latest frame in order."""

    def __init__(self, websocket: WebSocket, settings: Settings, registry: SessionRegistry):
        self.ws, self.settings, self.registry = websocket, settings, registry
        self.event_loop = asyncio.get_running_loop()
        self.session: Session | None = None
        self.texts: collections.deque[dict] = collections.deque()
        self.frame: bytes | None = None  # only the newest frame waits; older ones are dropped
        self.wake = asyncio.Event()
        self.frames_dropped = 0

    # ---- outgoing -------------------------------------------------------------------------

    def send_text(self, message: dict) -> None:
        self.texts.append(message)
        self.wake.set()

    def _deliver(self, session: Session, kind: str, payload: Any) -> None:
        if session is not self.session:
            return  # late output of a session this socket has left
        if kind == "frame":
            self.frames_dropped += self.frame is not None
            self.frame = payload
            self.wake.set()
        else:
            self.send_text(payload)

    def _sink_for(self, session: Session):
        def sink(kind: str, payload: Any) -> None:  # runs on the training thread
            with contextlib.suppress(RuntimeError):  # the event loop may be shutting down
                self.event_loop.call_soon_threadsafe(self._deliver, session, kind, payload)

        return sink

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
        except (WebSocketDisconnect, RuntimeError):  # RuntimeError: receive() after our own close
            pass
        finally:
            if self.session is not None:
                await self.session.detach(self)
            await self._flush_and_stop(sender)

    async def _flush_and_stop(self, sender: asyncio.Task) -> None:
        with contextlib.suppress(Exception):
            while (self.texts or self.frame is not None) and not sender.done():
                await asyncio.sleep(0.01)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender

    async def _open(self, session_id: str | None) -> bool:
        session = self.registry.get(session_id)
        if session is not None:
            await self._attach(session, resumed=True)
            return True
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
        for _ in range(100):
            if not self.texts:
                break
            await asyncio.sleep(0.01)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, reason=reason)

    async def _attach(self, session: Session, resumed: bool, notice: str | None = None) -> None:
        self.session = session
        hello, history = await session.call(lambda loop: (_hello(loop, session, resumed), list(loop.history)))
        if notice:
            hello["notice"] = notice
        self.send_text(hello)
        self.send_text({"type": "history", "rows": history})
        await session.attach(self, self._sink_for(session), self._replaced)

    def _replaced(self) -> None:
        self.session = None
        self.send_text({
            "type": "error", "code": "replaced",
            "message": "this session was opened in another tab or window; reload to start a new one",
        })
        asyncio.ensure_future(self._flush_and_stop_then_close(CLOSE_REPLACED, "session opened elsewhere"))

    async def _resume(self, command: dict) -> None:
        target = self.registry.get(command.get("session_id"))
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
            except Exception as error:  # a bug must not kill the session
                log.exception("command failed")
                self.send_text({"type": "error", "message": f"internal error: {type(error).__name__}: {error}"})


def _hello(loop: TrainingLoop, session: Session, resumed: bool) -> dict:
    params = params_message(loop)
    return {
        "type": "hello", "session_id": session.id, "resumed": resumed, "params": params["params"],
        "params_version": loop.params_version, "run_id": loop.trainer.run_id, "state": loop.state,
        "epoch": loop.trainer.epoch, "step": loop.trainer.step, "max_epochs_per_s": loop.max_epochs_per_s,
        "slow_motion": loop.slow_motion, "diverged": loop.trainer.diverged,
    }
