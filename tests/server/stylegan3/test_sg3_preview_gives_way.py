"""Letting go of a drag does not wait for the preview in flight: the server stops that preview
at its next layer and renders the exact frame at once (the official 256 T demo, a few seconds
a frame on this CPU, so the preview is surely mid-way when the release comes)."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, receive_until, ws_open

pytestmark = [pytest.mark.timeout(180), pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> LiveServer:
    env = {
        "GANLAB_MODELS_DIR": str(tmp_path_factory.mktemp("models")),
        "GANLAB_SG3_DEMO": "official",
        "GANLAB_DEVICE": "cpu",
        "GANLAB_SG3_BF16": "1",
        "GANLAB_SG3_PROGRESS_AFTER_S": "0",  # every layer reports, so the test sees the preview running
    }
    live = start_server(env)
    yield live
    live.stop()


def params(**extra) -> dict:
    return {"seed": 5, "truncation_psi": 0.6, **extra}


async def test_the_release_frame_does_not_wait_for_the_preview_in_flight(server: LiveServer) -> None:
    ws, _ = await ws_open(server)
    await ws.send(json.dumps({"type": "load", "id": "load", "model": "demo"}))
    await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "model", timeout=120)
    await ws.send(json.dumps({"type": "render", "id": "warm", "params": params()}))
    full_ms = (await receive_until(ws, frame_with("warm"), timeout=120))[-1][0]["render_ms"]  # one whole render

    await ws.send(json.dumps({"type": "render", "id": "drag", "params": params(seed_offset=[0.3, 0], preview=True)}))
    await receive_until(ws, lambda m: isinstance(m, dict) and m.get("id") == "drag" and m["type"] == "progress")
    released_at = time.monotonic()
    await ws.send(json.dumps({"type": "render", "id": "release", "params": params(seed_offset=[0.3, 0])}))
    seen = await receive_until(ws, frame_with("release"), timeout=120)
    waited_ms = 1000 * (time.monotonic() - released_at)

    gave_way = [m for m in seen if isinstance(m, dict) and m.get("id") == "drag" and m["type"] == "done"]
    assert gave_way and gave_way[0]["superseded"] is True, seen[-3:]
    assert not any(isinstance(m, tuple) and m[0]["id"] == "drag" for m in seen), "the stale preview was still sent"
    header = seen[-1][0]
    assert header["precision"] == "fp32" and header["preview"] is False
    # The exact render, plus at most one preview layer: far less than a whole preview on top.
    assert waited_ms < header["render_ms"] + 0.5 * full_ms + 1000, (waited_ms, header["render_ms"], full_ms)
    await ws.close()


async def test_a_grid_gives_way_in_the_middle_of_its_frame(server: LiveServer) -> None:
    ws, _ = await ws_open(server)
    await ws.send(json.dumps({"type": "grid", "id": "grid", "params": params(seed=40), "rows": 2, "cols": 2}))
    await receive_until(ws, lambda m: isinstance(m, dict) and m.get("id") == "grid" and m["type"] == "progress",
                        timeout=120)
    await ws.send(json.dumps({"type": "render", "id": "now", "params": params(seed=77)}))
    seen = await receive_until(ws, frame_with("now"), timeout=120)
    stopped = [m for m in seen if isinstance(m, dict) and m.get("id") == "grid" and m["type"] == "done"]
    assert stopped and stopped[0]["superseded"] is True, seen[-3:]
    assert not any(isinstance(m, tuple) and m[0]["id"] == "grid" for m in seen), "the grid finished its frame first"
    await ws.close()
