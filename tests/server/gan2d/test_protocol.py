"""Fast protocol tests: frame layout, message parsing, settings, and the socket via TestClient."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from ganlab.config import Settings, get_settings
from ganlab.server.app import create_app
from ganlab.server.gan2d.frames import decode_frame, encode_frame
from ganlab.server.gan2d.protocol import ProtocolError, parse_message
from ganlab.server.gan2d.sessions import SessionLimitError, SessionRegistry

pytestmark = pytest.mark.timeout(60)
WS = "ws://127.0.0.1/ws/gan2d"  # TestClient would say Host: testserver, which the guard refuses


def test_frame_layout_is_aligned_and_round_trips() -> None:
    arrays = {"a": np.arange(6, dtype=np.float64).reshape(3, 2), "b": np.array([0.5], np.float32)}
    for name in ("x", "xy", "xyz", "wxyz"):  # every header length modulo 4
        frame = encode_frame({"run_id": 1, "name": name, "loss": math.nan}, arrays)
        (length,) = struct.unpack_from("<I", frame)
        start = 4 + length + (-(4 + length) % 4)
        assert start % 4 == 0 and set(frame[4 + length : start]) <= {0}
        header, out = decode_frame(frame)
        assert header["loss"] is None, "NaN must become null: JSON has no NaN"
        assert header["arrays"] == [
            {"name": "a", "shape": [3, 2], "offset": 0},
            {"name": "b", "shape": [1], "offset": 24},
        ]
        np.testing.assert_array_equal(out["a"], arrays["a"].astype(np.float32))
        assert len(frame) == start + 28


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ({"type": "websocket.receive", "bytes": b"\x00"}, "binary"),
        ({"type": "websocket.receive", "text": "{"}, "malformed JSON"),
        ({"type": "websocket.receive", "text": '"play"'}, "JSON object"),
        ({"type": "websocket.receive", "text": '{"type": "jump"}'}, "unknown command 'jump'"),
        ({"type": "websocket.receive", "text": " " * 5000}, "too large"),
    ],
)
def test_parse_message_names_the_problem(message: dict, needle: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_message(message, Settings(max_message_bytes=4096))
    assert needle in error.value.message


def test_settings_come_from_ganlab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANLAB_MAX_SESSIONS", "3")
    monkeypatch.setenv("GANLAB_FRAME_HZ", "12.5")
    monkeypatch.setenv("GANLAB_ALLOWED_ORIGINS", '["http://lab.example:8000"]')
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.max_sessions == 3 and settings.frame_hz == 12.5 and settings.host == "127.0.0.1"
        assert settings.allowed_origins == ["http://lab.example:8000"]
    finally:
        get_settings.cache_clear()


@pytest.mark.asyncio
async def test_registry_cap_and_reaping() -> None:
    registry = SessionRegistry(Settings(max_sessions=1, session_grace_s=5, workers=0))
    session = await registry.create()
    try:
        with pytest.raises(SessionLimitError, match="GANLAB_MAX_SESSIONS=1"):
            await registry.create()
        assert registry.reap(now=session.detached_at + 1) == []
        assert registry.reap(now=session.detached_at + 5) == [session.id]
        assert len(registry) == 0
    finally:
        await registry.close()


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(frame_hz=60, workers=0)), base_url="http://127.0.0.1") as test_client:
        yield test_client


def receive_text(ws, kind: str) -> dict:
    for _ in range(200):
        message = ws.receive()
        if message.get("text"):
            data = json.loads(message["text"])
            if data["type"] == kind:
                return data
    raise AssertionError(f"no {kind} message")


def test_socket_hello_frame_and_rejected_patch(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        hello = receive_text(ws, "hello")
        assert hello["params"]["dataset"] == "gaussians" and hello["state"] == "paused"
        assert receive_text(ws, "history")["rows"] == []
        header, arrays = decode_frame(ws.receive_bytes())
        assert header["params_version"] == 0 and arrays["fake"].shape[1] == 2
        ws.send_text(json.dumps({"type": "set", "params": {"g_layers": -1}}))
        error = receive_text(ws, "error")
        assert error["field"] == "g_layers" and "g_layers" in error["message"]
        ws.send_text(json.dumps({"type": "set", "params": {"batch_size": 64}}))
        reply = receive_text(ws, "params")
        assert reply["params_version"] == 1 and reply["params"]["g_layers"] == hello["params"]["g_layers"]


def test_foreign_origin_is_refused_before_accept(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(WS, headers={"origin": "https://elsewhere.example"}),
    ):
        pass
    assert refused.value.code == 1008


def test_schema_lists_every_param_with_kind(client: TestClient) -> None:
    schema = client.get("/api/gan2d/schema").json()
    for key in ("dataset", "seed", "d_lr", "g_lr", "d_steps", "g_steps", "noise_dim", "loss"):
        assert schema["properties"][key]["x-kind"] in ("hot", "structural")
    assert client.get("/healthz").json()["status"] == "ok"
