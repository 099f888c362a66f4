"""A small test client for /ws/gan2d on a real server: text messages by type, frames decoded."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import websockets

from ganlab.server.gan2d.frames import decode_frame


class GanClient:
    """Wraps one websocket; keeps the newest frame header and every text message seen."""

    def __init__(self, ws: Any):
        self.ws = ws
        self.texts: list[dict] = []
        self.frames: list[dict] = []  # headers only, in arrival order
        self.arrays: dict = {}

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> GanClient:
        ws = await websockets.connect(url, open_timeout=10, compression=None, **kwargs)
        return cls(ws)

    async def close(self) -> None:
        await self.ws.close()

    async def send(self, message: dict | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def _recv_one(self, timeout: float) -> dict | None:
        """One message: a text dict, or None after recording a frame."""
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(raw, bytes):
            header, self.arrays = decode_frame(raw)
            self.frames.append(header)
            return None
        message = json.loads(raw)
        self.texts.append(message)
        return message

    async def expect(self, kind: str, timeout: float = 10.0, **match: Any) -> dict:
        """The next text message of `kind` (whose fields equal `match`); frames are recorded on the way."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind!r} {match} within {timeout} s; saw {self.texts[-5:]}")
            message = await self._recv_one(remaining)
            if message and message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message

    async def frame(self, timeout: float = 10.0, **match: Any) -> dict:
        """The next frame header whose fields equal `match`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame {match} within {timeout} s; last {self.frames[-1:]}")
            before = len(self.frames)
            await self._recv_one(remaining)
            if len(self.frames) > before and all(self.frames[-1].get(k) == v for k, v in match.items()):
                return self.frames[-1]

    async def drain(self, seconds: float) -> None:
        """Record everything that arrives during `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                await self._recv_one(remaining)
            except TimeoutError:
                return
