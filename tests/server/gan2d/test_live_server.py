"""Integration tests: a real `ganlab serve` process and a real websockets client."""

from __future__ import annotations

import asyncio
import io
import json
import time
import urllib.error
import urllib.request
import zipfile

import pytest
import websockets

from tests.conftest import LiveServer, start_server
from tests.server.gan2d.wsclient import GanClient

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def get(url: str) -> tuple[int, bytes, str]:
    """(status, body, content type); HTTP errors are returned, and their sockets closed, too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), error.headers.get("content-type", "")


async def open_session(server: LiveServer, **query: str) -> tuple[GanClient, dict]:
    url = server.ws_url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    client = await GanClient.connect(url)
    hello = await client.expect("hello")
    await client.expect("history")
    return client, hello


async def test_http_endpoints(server: LiveServer) -> None:
    status, body, _ = get(server.url + "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    schema = json.loads(get(server.url + "/api/gan2d/schema")[1])
    assert schema["properties"]["d_lr"]["x-kind"] == "hot"
    assert schema["properties"]["g_width"]["x-kind"] == "structural"
    assert "gan_lab" in schema["presets"] and any(d["id"] == "ring8" for d in schema["datasets"])
    assert get(server.url + "/docs")[0] == 200
    paths = json.loads(get(server.url + "/openapi.json")[1])["paths"]
    assert {"/healthz", "/api/gan2d/schema", "/api/gan2d/sessions/{session_id}/model"} <= set(paths)
    status, body, kind = get(server.url + "/")
    assert status == 200 and "text/html" in kind and b"GAN Lab" in body


async def test_play_gives_frames(server: LiveServer) -> None:
    client, hello = await open_session(server)
    assert hello["state"] == "paused" and hello["resumed"] is False
    first = await client.frame()  # the attach frame: epoch 0, every layer present
    assert first["epoch"] == 0
    expected = {
        "real",
        "real_d",
        "fake",
        "fake_d",
        "d_grid",
        "gradients",
        "noise",
        "manifold",
        "manifold_opacity",
    }
    assert expected <= set(client.arrays)
    assert client.arrays["d_grid"].shape == (64, 64)
    await client.send({"type": "play"})
    await client.expect("status", state="playing")
    start = time.monotonic()
    await client.drain(1.5)
    elapsed = time.monotonic() - start
    epochs = [f["epoch"] for f in client.frames]
    assert len(client.frames) >= 10, "fewer than ~7 frames/s"
    assert len(client.frames) <= 31 * elapsed + 3, "more frames than GANLAB_FRAME_HZ allows"
    assert epochs == sorted(epochs) and epochs[-1] > 50
    await client.close()


async def test_patch_is_echoed_and_takes_effect(server: LiveServer) -> None:
    client, hello = await open_session(server)
    await client.send({"type": "set", "params": {"d_lr": 0.3}})
    reply = await client.expect("params")
    assert reply["params"]["d_lr"] == 0.3 and reply["params_version"] == hello["params_version"] + 1
    assert reply["rebuilt"] is False and reply["run_id"] == hello["run_id"]
    await client.frame(params_version=reply["params_version"])
    await client.send({"type": "set", "params": {"g_width": 12}})
    rebuilt = await client.expect("params")
    assert rebuilt["rebuilt"] is True and rebuilt["run_id"] > hello["run_id"]
    header = await client.frame(run_id=rebuilt["run_id"])
    assert header["epoch"] == 0 and header["params_version"] == rebuilt["params_version"]
    await client.close()


async def test_pause_stops_and_step_advances_exactly(server: LiveServer) -> None:
    client, _ = await open_session(server)
    await client.send({"type": "play"})
    await client.drain(0.4)
    await client.send({"type": "pause"})
    paused = await client.expect("status", state="paused")
    await client.drain(0.3)
    last_epoch = client.frames[-1]["epoch"]
    assert last_epoch == paused["epoch"]
    client.frames.clear()
    await client.drain(0.5)
    assert all(f["epoch"] == last_epoch for f in client.frames), "epochs kept counting while paused"

    await client.send({"type": "step", "what": "epoch"})
    stepped = await client.expect("status")
    assert stepped["epoch"] == last_epoch + 1 and stepped["state"] == "paused"
    header = await client.frame(epoch=last_epoch + 1)
    await client.send({"type": "step", "what": "d"})
    d_step = await client.expect("status")
    assert d_step["step"] == stepped["step"] + 1 and d_step["epoch"] == stepped["epoch"]
    assert (await client.frame(step=d_step["step"]))["phase"] == "d"
    await client.send({"type": "step", "what": "g"})
    assert (await client.frame(step=d_step["step"] + 1))["phase"] == "g"
    await client.send({"type": "reset"})
    reset = await client.expect("status")
    assert reset["epoch"] == 0 and reset["step"] == 0
    assert (await client.frame(epoch=0))["run_id"] > header["run_id"]
    await client.close()


async def test_reconnect_resumes_session_with_history(server: LiveServer) -> None:
    client, hello = await open_session(server)
    await client.send({"type": "set", "params": {"g_lr": 0.01}})
    await client.expect("params")
    await client.send({"type": "play"})
    await client.drain(0.6)
    await client.send({"type": "pause"})
    paused = await client.expect("status", state="paused")
    await client.close()

    again, resumed = await open_session(server, session_id=hello["session_id"])
    assert resumed["resumed"] is True and resumed["session_id"] == hello["session_id"]
    assert resumed["params"]["g_lr"] == 0.01 and resumed["epoch"] == paused["epoch"]
    history = again.texts[-1]
    assert history["type"] == "history" and len(history["rows"]) >= 3
    assert history["rows"][-1]["epoch"] <= paused["epoch"] and {"d_loss", "kl", "js"} <= set(
        history["rows"][-1]
    )
    assert (await again.frame())["epoch"] == paused["epoch"]
    await again.close()


async def test_bad_inputs_get_errors_and_session_carries_on(server: LiveServer) -> None:
    client, hello = await open_session(server)
    version = hello["params_version"]
    cases = [
        ({"type": "set", "params": {"d_lr": 99}}, "d_lr"),
        ({"type": "set", "params": {"no_such_knob": 1}}, "no_such_knob"),
        ({"type": "set", "params": {"dataset": "nope"}}, "dataset"),
        ({"type": "step", "what": "both"}, "what"),
        ({"type": "warp"}, "unknown command"),
        ({"type": "points", "points": [[0.1, "x"]]}, "points"),
        ({"type": "speed", "max_epochs_per_s": -1}, "max_epochs_per_s"),
        ("{not json", "malformed JSON"),
        ("[1, 2]", "JSON object"),
        (b"\x00\x01", "binary"),
        (json.dumps({"type": "set", "params": {"seed": 1}, "pad": "x" * 2_100_000}), "too large"),
    ]
    for message, needle in cases:
        if isinstance(message, bytes):
            await client.ws.send(message)
        else:
            await client.send(message)
        error = await client.expect("error")
        assert needle in error["message"] or error.get("field") == needle, (message, error)
    await client.send({"type": "set", "params": {"d_steps": 3}})
    ok = await client.expect("params")
    assert ok["params_version"] == version + 1, "a rejected message changed the params"
    assert ok["params"]["d_lr"] == hello["params"]["d_lr"] and ok["run_id"] == hello["run_id"]
    await client.close()


async def test_points_switch_to_drawn_dataset(server: LiveServer) -> None:
    client, _ = await open_session(server)
    points = [[0.2 + 0.01 * i, 0.8 - 0.01 * i] for i in range(40)]
    await client.send({"type": "points", "points": points})
    reply = await client.expect("params")
    assert reply["params"]["dataset"] == "drawn" and reply["rebuilt"] is True
    await client.frame(run_id=reply["run_id"])
    real = client.arrays["real"]
    assert abs(float(real[:, 0].mean()) - 0.395) < 0.05 and abs(float(real[:, 1].mean()) - 0.605) < 0.05
    await client.close()


async def test_speed_limit_and_slow_motion(server: LiveServer) -> None:
    client, _ = await open_session(server)
    await client.send({"type": "speed", "max_epochs_per_s": 20})
    assert (await client.expect("status"))["max_epochs_per_s"] == 20
    await client.send({"type": "play"})
    start = await client.frame()
    await client.drain(1.0)
    rate = (client.frames[-1]["epoch"] - start["epoch"]) / 1.0
    assert 8 <= rate <= 30, rate
    await client.send({"type": "speed", "max_epochs_per_s": 4, "slow_motion": True})
    await client.expect("status", slow_motion=True)
    client.frames.clear()
    await client.drain(1.2)
    phases = [f["phase"] for f in client.frames]
    assert "d" in phases and "g" in phases, phases  # each optimizer step gets its own frame
    await client.close()


async def test_foreign_origin_is_refused(server: LiveServer) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await websockets.connect(server.ws_url, origin="http://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    own = await GanClient.connect(server.ws_url, origin=f"http://127.0.0.1:{server.port}")
    assert (await own.expect("hello"))["type"] == "hello"
    await own.close()


async def test_downloads(server: LiveServer) -> None:
    client, hello = await open_session(server)
    await client.send({"type": "step", "what": "epoch"})
    await client.expect("status")
    await client.frame(epoch=1)
    base = f"{server.url}/api/gan2d/sessions/{hello['session_id']}"
    status, body, kind = await asyncio.to_thread(get, base + "/model")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert (
        status == 200
        and any(n.endswith(".safetensors") for n in names)
        and any(n.endswith(".json") for n in names)
    )
    status, body, kind = await asyncio.to_thread(get, base + "/history.csv")
    assert body.decode().splitlines()[0].startswith("epoch,step,d_loss,g_loss,kl,js")
    assert (await asyncio.to_thread(get, f"{server.url}/api/gan2d/sessions/nope/model"))[0] == 404
    await client.close()


async def test_session_cap_and_grace_period() -> None:
    small = await asyncio.to_thread(
        start_server, {"GANLAB_MAX_SESSIONS": "1", "GANLAB_SESSION_GRACE_S": "0.6"}
    )
    try:
        first, hello = await open_session(small)
        second = await GanClient.connect(small.ws_url)
        refusal = await second.expect("error")
        assert refusal["code"] == "server_full" and "GANLAB_MAX_SESSIONS=1" in refusal["message"]
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await second.ws.recv()
        assert second.ws.close_code == 1013
        await second.close()
        await first.close()
        start = time.monotonic()
        while json.loads((await asyncio.to_thread(get, small.url + "/healthz"))[1])["sessions"]:
            assert time.monotonic() - start < 10, "the detached session outlived its grace period"
            await asyncio.sleep(0.1)
        assert time.monotonic() - start >= 0.4, "the session was dropped before its grace period"
        third, again = await open_session(small, session_id=hello["session_id"])
        assert again["resumed"] is False and "expired" in again["notice"]
        await third.close()
    finally:
        small.stop()


DIVERGING = {"loss": "wasserstein_gp", "gp_weight": 0, "d_lr": 10, "g_lr": 10, "g_output": "linear"}


async def test_divergence_stops_training_until_reset(server: LiveServer) -> None:
    client, _ = await open_session(server)
    await client.send({"type": "set", "params": DIVERGING})
    await client.expect("params")
    await client.send({"type": "play"})
    diverged = await client.expect("status", state="diverged")
    assert "diverged" in diverged["message"] and "d_lr=10" in diverged["message"]
    header = await client.frame(state="diverged")
    assert header["losses"]["d_loss"] is None or header["losses"]["g_loss"] is None
    await client.send({"type": "play"})
    assert "reset" in (await client.expect("error"))["message"]
    await client.send({"type": "reset"})
    reset = await client.expect("status")
    assert reset["state"] == "paused" and reset["epoch"] == 0 and reset["message"] is None
    await client.close()


async def test_slow_client_does_not_slow_training(server: LiveServer) -> None:
    client, _ = await open_session(server)
    await client.send({"type": "play"})
    start = await client.frame(state="playing")
    await asyncio.sleep(2.0)  # read nothing: frames pile up nowhere but in one slot on the server
    await client.send({"type": "pause"})
    paused = await client.expect("status", state="paused", timeout=10)
    assert paused["epoch"] - start["epoch"] > 200, "training waited for the client"
    await client.close()


async def test_second_socket_takes_over_a_session(server: LiveServer) -> None:
    first, hello = await open_session(server)
    second, resumed = await open_session(server, session_id=hello["session_id"])
    assert resumed["resumed"] is True
    assert (await first.expect("error"))["code"] == "replaced"
    with pytest.raises(websockets.exceptions.ConnectionClosed):
        await first.drain(5)
        await first.ws.recv()
    assert first.ws.close_code == 4001
    await second.send({"type": "step"})
    assert (await second.expect("status"))["epoch"] == 1
    await second.close()


async def test_resume_command_moves_the_socket(server: LiveServer) -> None:
    old, hello = await open_session(server)
    await old.send({"type": "step"})
    await old.expect("status")
    await old.close()
    client, fresh = await open_session(server)
    await client.send({"type": "resume", "session_id": "no-such-session"})
    assert (await client.expect("error"))["field"] == "session_id"
    await client.send({"type": "resume", "session_id": hello["session_id"]})
    resumed = await client.expect("hello")
    assert resumed["session_id"] == hello["session_id"] and resumed["epoch"] == 1
    base = f"{server.url}/api/gan2d/sessions/{fresh['session_id']}/history.csv"
    assert (await asyncio.to_thread(get, base))[0] == 404  # the session it left is gone
    await client.close()


async def test_manifold_slice_axes(server: LiveServer) -> None:
    client, hello = await open_session(server)
    assert hello["manifold_axes"] == [0, 1]
    await client.send({"type": "view", "manifold_axes": [0, 3]})
    assert (await client.expect("error"))["field"] == "manifold_axes"  # noise_dim is 2
    await client.send({"type": "set", "params": {"noise_dim": 5}})
    await client.expect("params")
    await client.send({"type": "view", "manifold_axes": [2, 4]})
    header = await client.frame(manifold_axes=[2, 4])
    assert client.arrays["manifold"].shape == (21 * 21, 2) and header["noise_dim"] == 5
    await client.close()


async def test_ganlab_serve_cli_entry_point() -> None:
    live = await asyncio.to_thread(start_server, {"GANLAB_MAX_SESSIONS": "2"})
    try:
        health = json.loads((await asyncio.to_thread(get, live.url + "/healthz"))[1])
        assert health["status"] == "ok" and health["sessions"] == 0
        assert "127.0.0.1" in live.log()  # loopback by default
    finally:
        live.stop()
