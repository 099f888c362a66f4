"""Session snapshots on disk (opt-in, `GANLAB_SNAPSHOT_DIR`): one folder per session id.

A folder holds the Trainer's checkpoint (`state.safetensors` + `state.json`, the format of
`Trainer.save`) and `view.json` with the session's own settings and chart history. Folders
are written to a temporary name and renamed, so a crash mid-write leaves the previous one.
Only ids the server makes (32 hex digits, after an optional instance name) are ever joined
to the folder.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

_ID = re.compile(r"(?:[a-z0-9]{1,16}-)?[0-9a-f]{32}")  # GANLAB_INSTANCE prefix, then a uuid4
_TMP = re.compile(r"\.(?:[a-z0-9]{1,16}-)?[0-9a-f]{32}\.tmp")
VIEW = "view.json"
KEEP_S = 86_400.0  # a snapshot nobody came back for within a day is deleted at start


def valid_id(session_id: object) -> bool:
    return isinstance(session_id, str) and _ID.fullmatch(session_id) is not None


def write(folder: Path, session_id: str, snap: dict) -> None:
    """Blocking: call it off the event loop."""
    from ganlab.gan2d import checkpoint  # numpy and safetensors: not at app import
    from ganlab.server.gan2d.history import rows_of

    if not valid_id(session_id):
        raise ValueError(f"session_id: not a server-made id: {session_id!r}")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{session_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    checkpoint.write(tmp, snap["arrays"], snap["meta"])
    view = dict(snap["loop"])
    if isinstance(view["history"], dict):  # a ChartHistory state: rows, readable in the file
        view["history"] = rows_of(view["history"])
    (tmp / VIEW).write_text(json.dumps(view))
    final = folder / session_id
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def read(folder: Path, session_id: str) -> dict | None:
    """The snapshot of `session_id`, or None if there is none (or it is unreadable)."""
    from ganlab.gan2d import checkpoint

    if not valid_id(session_id) or not (folder / session_id).is_dir():
        return None
    try:
        arrays, meta = checkpoint.read(folder / session_id)
        view = json.loads((folder / session_id / VIEW).read_text())
    except (OSError, ValueError):
        return None
    return {"key": None, "arrays": arrays, "meta": meta, "loop": view}


def remove(folder: Path, session_id: str) -> None:
    if valid_id(session_id):
        shutil.rmtree(folder / session_id, ignore_errors=True)


def prune(folder: Path, now: float | None = None) -> list[str]:
    """Ids of the snapshots kept; older ones and half-written ones are deleted. Nothing that is
    not named like a snapshot is ever touched (the folder may hold other files)."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    kept = []
    for path in folder.iterdir():
        if _TMP.fullmatch(path.name) or (valid_id(path.name) and now - path.stat().st_mtime > KEEP_S):
            shutil.rmtree(path, ignore_errors=True)
        elif valid_id(path.name) and path.is_dir():
            kept.append(path.name)
    return kept
