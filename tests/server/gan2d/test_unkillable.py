"""The training thread survives whatever happens in pacing, fields or frames (issue 9, item 1).

Before the fix a speed of 1e-300 epochs/s put the pacing deadline past what the OS can wait
for: `OverflowError` outside the error guard ended the thread, every later command answered
"this session has ended", the dead session kept its slot, and its downloads returned 500.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from ganlab.config import Settings
from ganlab.server.app import create_app
from ganlab.server.gan2d import training_loop
from ganlab.server.gan2d.sessions import SessionRegistry

pytestmark = [pytest.mark.timeout(60)]


class Watcher:
    """Stands in for a websocket connection: records what the session sends it."""

    def __init__(self) -> None:
        self.texts: list[dict] = []
        self.frames = 0
        self.ended: str | None = None

    def deliver(self, session, kind: str, payload) -> None:
        if kind == "frame":
            self.frames += 1
        else:
            self.texts.append(payload)

    def session_ended(self, session, reason: str) -> None:
        self.ended = reason

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        for _ in range(int(timeout / 0.02)):
            if predicate():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out; saw {self.texts[-4:]}")


async def _session(settings: Settings | None = None):
    registry = SessionRegistry(settings or Settings(frame_hz=60, workers=0))
    session = await registry.create()
    watcher = Watcher()
    await session.attach(watcher, lambda: None)
    return registry, session, watcher


@pytest.mark.asyncio
async def test_absurd_pacing_values_leave_the_thread_alive() -> None:
    registry, session, watcher = await _session()
    try:
        for rate in (1e-300, 5e-324):  # set below the protocol's bounds, as a bug elsewhere might
            session.loop.submit(lambda loop, r=rate: setattr(loop, "max_epochs_per_s", r)).result(5)
            await session.call("play")
            await asyncio.sleep(0.2)
            await session.call("speed", max_epochs_per_s=None, slow_motion=False)
            before = session.loop.trainer.epoch
            await watcher.wait_for(lambda b=before: session.loop.trainer.epoch > b + 10)
        session.loop.submit(lambda loop: setattr(loop, "frame_interval_s", 1e300)).result(5)
        await session.call("reset")
        await asyncio.sleep(0.2)
        assert session.loop.is_alive() and session.alive
        assert (await session.call("history")) == []
    finally:
        await registry.close()


@pytest.mark.asyncio
async def test_a_failure_in_pacing_or_frames_pauses_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    registry, session, watcher = await _session()
    try:
        def broken(*args):
            raise OverflowError("timestamp out of range for platform time_t")

        monkeypatch.setattr(training_loop, "next_deadline", broken)
        await session.call("speed", max_epochs_per_s=50.0, slow_motion=False)
        await session.call("play")
        await watcher.wait_for(lambda: any(t.get("code") == "training_failed" for t in watcher.texts))
        failure = next(t for t in watcher.texts if t.get("code") == "training_failed")
        assert "OverflowError" in failure["message"] and "paused" in failure["message"]
        assert (await session.call("hello", resumed=True))["state"] == "paused"
        monkeypatch.undo()
        epoch = session.loop.trainer.epoch
        await session.call("play")  # press play again: it trains on, with the same weights
        await watcher.wait_for(lambda: session.loop.trainer.epoch > epoch + 2)

        watcher.texts.clear()
        monkeypatch.setattr(session.loop.trainer, "fields", broken)
        await watcher.wait_for(lambda: any(t.get("code") == "training_failed" for t in watcher.texts))
        assert session.loop.is_alive() and len(registry) == 1
    finally:
        await registry.close()


@pytest.mark.asyncio
async def test_a_thread_that_gives_up_frees_its_slot_and_tells_its_client(monkeypatch: pytest.MonkeyPatch) -> None:
    registry, session, watcher = await _session(Settings(frame_hz=60, max_sessions=1, workers=0))
    try:
        def broken(*args, **kwargs):
            raise RuntimeError("the frame could not be built")

        monkeypatch.setattr(session.loop.trainer, "fields", broken)
        for _ in range(training_loop.MAX_FAILURES_IN_A_ROW):
            failures = sum(t.get("code") == "training_failed" for t in watcher.texts)
            try:
                await session.call("step", what="d")  # each step marks a frame, which fails
            except training_loop.SessionEnded:
                break
            await watcher.wait_for(
                lambda f=failures: watcher.ended or sum(t.get("code") == "training_failed" for t in watcher.texts) > f
            )
        await watcher.wait_for(lambda: watcher.ended is not None)
        assert "5 times in a row" in watcher.ended and len(registry) == 0, "the slot was not freed"
        assert registry.get(session.id) is None
        with pytest.raises(training_loop.SessionEnded):
            await session.call("pause")  # refused at once, never left waiting
        again = await registry.create()  # the cap of one has room again
        assert again.alive
    finally:
        await registry.close()


def test_an_ended_session_closes_its_socket_and_its_downloads_are_404_not_500() -> None:
    app = create_app(Settings(frame_hz=60, workers=0))
    with (
        TestClient(app, base_url="http://127.0.0.1") as client,
        client.websocket_connect("ws://127.0.0.1/ws/gan2d") as ws,
    ):
        hello = json.loads(ws.receive_text())
        session = app.state.sessions.sessions[hello["session_id"]]
        session.loop._commands.close("it broke")  # as if its thread had just given up
        base = f"/api/gan2d/sessions/{hello['session_id']}"
        for path in ("/model", "/history.csv"):
            response = client.get(base + path)
            assert response.status_code in (404, 410), (path, response.status_code, response.text)
        assert len(app.state.sessions) == 0
        told = []
        while (message := ws.receive())["type"] == "websocket.send":
            if "session_ended" in (message.get("text") or ""):
                told.append(json.loads(message["text"])["message"])
        assert told == ["it broke"], "the client was not told why"
        assert message["type"] == "websocket.close" and message["code"] == 1011
        session.loop.stop()
