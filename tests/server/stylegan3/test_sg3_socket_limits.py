"""The StyleGAN3 websocket under hostile or greedy clients (issue 9), on a real `ganlab serve`.

A binary frame or deeply nested JSON is answered with an error and the socket stays open;
one client cannot queue renders without limit: beyond GANLAB_SG3_MAX_QUEUED_RENDERS it is
answered "busy" (websocket `error` with code `busy`, HTTP 429), and other work carries on.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, generate, receive_until, ws_open

pytestmark = [pytest.mark.timeout(90), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def limited(tmp_path_factory) -> LiveServer:
    env = {
        "GANLAB_MODELS_DIR": str(tmp_path_factory.mktemp("models")),
        "GANLAB_SG3_DEMO": "tiny",
        "GANLAB_SG3_MAX_QUEUED_RENDERS": "1",
        "GANLAB_SG3_MAX_FRAMES": "240",
        "GANLAB_DEVICE": "cpu",
    }
    live = start_server(env)
    yield live
    live.stop()


async def open_socket(server: LiveServer):
    ws, hello = await ws_open(server)
    assert hello["type"] == "hello"
    return ws


async def still_renders(ws, id_) -> None:
    await ws.send(json.dumps({"type": "render", "id": id_, "params": {"seed": 3}}))
    seen = await receive_until(ws, frame_with(id_))
    assert seen[-1][0]["seed"] == 3


async def test_binary_frame_gets_an_error_and_the_socket_stays_open(limited: LiveServer) -> None:
    ws = await open_socket(limited)
    await ws.send(b"\x00\x01binary")
    error = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert error["type"] == "error" and error["field"] == "message" and "binary" in error["message"]
    await still_renders(ws, "after-binary")
    await ws.close()


@pytest.mark.parametrize("depth", [40, 20_000])
async def test_deeply_nested_json_gets_an_error(limited: LiveServer, depth: int) -> None:
    ws = await open_socket(limited)
    nested = "[" * depth + "]" * depth
    await ws.send('{"type": "render", "id": 1, "params": {"seed": ' + nested + "}}")
    error = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert error["type"] == "error" and "nested deeper" in error["message"], error
    await ws.send('{"type": "render", "id": 2, "params": {"seed": 1}, "x": ' + "[" * 30 + "]" * 30 + "}")
    assert "nested deeper" in json.loads(await asyncio.wait_for(ws.recv(), 10))["message"]
    await still_renders(ws, "after-nested")
    await ws.close()


async def test_a_client_over_its_render_quota_is_told_busy(limited: LiveServer) -> None:
    long_job = await open_socket(limited)
    await long_job.send(
        json.dumps({"type": "interpolate", "id": "long", "params": {"seed": 1}, "to_seed": 9, "steps": 240})
    )
    await receive_until(long_job, frame_with("long"))  # its frames are now rendering, one slot in use
    other = await open_socket(limited)
    await other.send(json.dumps({"type": "render", "id": "extra", "params": {"seed": 2}}))
    error = json.loads(await asyncio.wait_for(other.recv(), 10))
    assert (error["type"], error["id"], error.get("code")) == ("error", "extra", "busy"), error
    assert "try again" in error["message"]
    status, body, headers = await asyncio.to_thread(generate, limited, seed=4)
    assert status == 429 and headers["retry-after"] == "1"
    assert "busy" in json.loads(body)["detail"][0]["msg"]
    # The greedy job is still served, and once it gives way the other client renders again.
    more = await receive_until(long_job, lambda m: isinstance(m, tuple) and m[0]["index"] >= 2)
    assert more[-1][0]["id"] == "long"
    await long_job.send(json.dumps({"type": "render", "id": "stop", "params": {"seed": 5}}))
    await receive_until(long_job, frame_with("stop"))
    await still_renders(other, "later")
    await long_job.close()
    await other.close()
