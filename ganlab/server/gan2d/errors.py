"""The client-facing error of the GAN Lab socket, shared by the protocol and the session ops."""

from __future__ import annotations

MAX_MESSAGE_CHARS = 1_000  # an error quotes the offending value; a megabyte of it helps nobody


class ProtocolError(Exception):
    """A client mistake; becomes `{"type": "error", "message", "field"}` and the socket stays open."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field)
        self.message, self.field = message, field

    def __str__(self) -> str:
        return self.message

    def to_message(self) -> dict:
        text = self.message if len(self.message) <= MAX_MESSAGE_CHARS else self.message[:MAX_MESSAGE_CHARS] + "…"
        return {"type": "error", "message": text, **({"field": self.field} if self.field else {})}
