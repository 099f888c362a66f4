"""GAN Lab HTTP and websocket routes: schema, live session socket, downloads.

`WS /ws/gan2d[?session_id=...]` opens (or resumes) one training session; the socket's
work is in connection.py. The protocol is documented in docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket
from fastapi.responses import Response

from ganlab.config import Settings
from ganlab.server.gan2d.connection import Connection
from ganlab.server.gan2d.sessions import Session, SessionRegistry
from ganlab.server.gan2d.training_loop import SessionEnded

router = APIRouter(tags=["gan2d"])


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
        raise HTTPException(404, f"no session {session_id[:64]!r} (it ended, or the server restarted)")
    return session


async def _call_or_410(session: Session, op: str, **kwargs: Any) -> Any:
    """A session that ended while we asked is gone (410), never a server error."""
    try:
        return await session.call(op, **kwargs)
    except SessionEnded as error:
        raise HTTPException(410, f"the session has ended: {error}") from None


@router.get("/api/gan2d/sessions/{session_id}/model", response_class=Response)
async def download_model(session_id: str, registry: Registry) -> Response:
    """The session's trained model: a zip of the safetensors weights and the params JSON."""
    session = _session_or_404(registry, session_id)
    with tempfile.TemporaryDirectory(prefix="ganlab-model-") as tmp:
        await _call_or_410(session, "save", directory=tmp)
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
    rows = await _call_or_410(session, "history")
    columns = ["epoch", "step", "d_loss", "g_loss", "kl", "js"]
    columns += [k for k in (rows[-1] if rows else {}) if k not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    headers = {"Content-Disposition": 'attachment; filename="ganlab_history.csv"'}
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


@router.websocket("/ws/gan2d")
async def gan2d_socket(websocket: WebSocket, session_id: str | None = None) -> None:
    """One GAN Lab session (Host and Origin were checked by the app's guard, origin.py)."""
    settings: Settings = websocket.app.state.settings
    registry: SessionRegistry = websocket.app.state.sessions
    await websocket.accept()
    connection = Connection(websocket, settings, registry)
    await connection.serve(session_id)
