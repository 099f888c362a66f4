"""Who may talk to the server: the Origin check shared by every websocket and state-changing route."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import WebSocket

from ganlab.config import Settings

CLOSE_POLICY = 1008  # websocket close code: origin refused


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
