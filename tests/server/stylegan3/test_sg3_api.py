"""StyleGAN3 HTTP and websocket API on a real `ganlab serve` process.

The server runs the tiny demo (GANLAB_SG3_DEMO=tiny, 64x64, same code path) so the suite
stays fast on a 2-core CPU, and a models folder holding one micro conditional network.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import os
import pickle
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import websockets
from PIL import Image

from tests.conftest import LiveServer, start_server

pytestmark = pytest.mark.timeout(120)
MICRO = dict(
    z_dim=16,
    c_dim=3,
    w_dim=16,
    img_resolution=32,
    img_channels=3,
    mapping_kwargs=dict(num_layers=2),
    channel_base=512,
    channel_max=16,
)


def save_micro_network(path: Path) -> None:
    """A small conditional StyleGAN3-T in ganlab's .safetensors format."""
    import torch

    from ganlab.stylegan3 import Generator
    from ganlab.stylegan3.loader import save_safetensors

    torch.manual_seed(1)
    save_safetensors(Generator(**MICRO), path)


@pytest.fixture(scope="module")
def sg3(tmp_path_factory) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    save_micro_network(models / "micro-t-32x32.safetensors")
    env = {
        "GANLAB_MODELS_DIR": str(models),
        "GANLAB_SG3_DEMO": "tiny",
        "GANLAB_SG3_MAX_UPLOAD_MB": "1",
        "GANLAB_DEVICE": "cpu",
    }
    live = start_server(env)
    live.models_dir = models
    yield live
    live.stop()


def request(server: LiveServer, path: str, body=None):
    """(status, body bytes, headers) of a GET, or a POST of JSON `body`; 4xx/5xx are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def generate(server: LiveServer, **params):
    return request(server, "/api/stylegan3/generate", {"model": "demo", **params})


def error_field(body: bytes) -> str:
    return json.loads(body)["detail"][0]["loc"][-1]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)


def test_lists_demo_and_files(sg3: LiveServer) -> None:
    status, body, _ = request(sg3, "/api/stylegan3/models")
    models = {m["id"]: m for m in json.loads(body)}
    assert status == 200 and list(models)[0] == "demo"
    demo = models["demo"]
    assert (
        demo["untrained"]
        and demo["resolution"] == 64
        and demo["config"] == "T"
        and demo["conditional"] is False
    )
    micro = models["micro-t-32x32.safetensors"]
    assert (micro["resolution"], micro["config"], micro["conditional"], micro["loaded"]) == (
        32,
        "T",
        True,
        False,
    )
    assert micro["size_bytes"] > 0


def test_generate_png_is_deterministic_and_follows_psi(sg3: LiveServer) -> None:
    status, png, headers = generate(sg3, seed=7)
    assert status == 200 and headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png))
    assert image.size == (64, 64) and image.mode == "RGB"
    assert json.loads(image.text["ganlab.settings"])["seed"] == 7
    assert "seed7" in headers["content-disposition"] and float(headers["x-render-ms"]) > 0
    assert pixels(png).std() > 10  # an image, not a flat colour
    assert generate(sg3, seed=7)[1] == png
    other = generate(sg3, seed=7, truncation_psi=0.3)[1]
    assert np.abs(pixels(other) - pixels(png)).mean() > 2
    assert np.abs(pixels(generate(sg3, seed=8)[1]) - pixels(png)).mean() > 2


def test_translate_moves_content_right(sg3: LiveServer) -> None:
    base = pixels(generate(sg3, seed=3)[1]).mean(axis=2)
    moved = pixels(generate(sg3, seed=3, translate=[0.125, 0])[1]).mean(axis=2)  # 8 pixels at 64
    errors = {s: np.abs(moved[:, 12 + s : 52 + s] - base[:, 12:52]).mean() for s in range(-10, 11)}
    assert min(errors, key=errors.get) == 8


def test_layer_view_and_mixing(sg3: LiveServer) -> None:
    status, body, _ = request(sg3, "/api/stylegan3/models/demo/layers")
    layers = json.loads(body)["layers"]
    assert status == 200 and layers[0]["name"] == "input" and len(layers) == 16
    name = layers[3]["name"]
    status, png, _ = generate(sg3, layer=name, layer_channel=2, layer_rgb=True)
    assert status == 200 and Image.open(io.BytesIO(png)).size == (layers[3]["size"],) * 2
    plain = generate(sg3, seed=1)[1]
    mixed = generate(sg3, seed=1, mix_seed=99, mix_ws=list(range(8, 16)))[1]
    assert mixed != plain


def test_conditional_model(sg3: LiveServer) -> None:
    status, png, _ = generate(sg3, model="micro-t-32x32.safetensors", class_idx=2)
    assert status == 200 and Image.open(io.BytesIO(png)).size == (32, 32)
    for params, field in [({"class_idx": 3}, "class_idx"), ({}, "class_idx")]:
        status, body, _ = generate(sg3, model="micro-t-32x32.safetensors", **params)
        assert status == 422 and error_field(body) == field


@pytest.mark.parametrize(
    "params, status, field",
    [
        ({"truncation_psi": 2.5}, 422, "truncation_psi"),
        ({"truncation_psi": -1.5}, 422, "truncation_psi"),
        ({"model": "nope.pkl"}, 404, "model"),
        ({"model": "../micro-t-32x32.safetensors"}, 422, "model"),
        ({"model": "sub/../../etc/passwd.pkl"}, 422, "model"),
        ({"model": "/etc/passwd"}, 422, "model"),
        ({"class_idx": 1}, 422, "class_idx"),
        ({"truncation_cutoff": 17}, 422, "truncation_cutoff"),
        ({"seed": -1}, 422, "seed"),
        ({"layer": "L99_1_1"}, 422, "layer"),
        ({"mix_seed": 1, "mix_ws": [16]}, 422, "mix_ws"),
        ({"bogus": 1}, 422, "bogus"),
    ],
)
def test_bad_input_names_the_field(sg3: LiveServer, params: dict, status: int, field: str) -> None:
    got, body, _ = generate(sg3, **params)
    assert (got, error_field(body)) == (status, field)


def test_layers_path_traversal_refused(sg3: LiveServer) -> None:
    status, body, _ = request(sg3, "/api/stylegan3/models/..%2F..%2Fetc%2Fpasswd.pkl/layers")
    assert status in (400, 404) and error_field(body) == "model"


class _Boom:
    """Unpickling this would run a shell command that creates a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def upload(server: LiveServer, filename: str, data: bytes):
    """POST the file as the raw body. The server may answer 413 and close before reading it all,
    so a broken pipe while sending is expected there; the response is read regardless."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", f"/api/stylegan3/models?filename={filename}")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(len(data)))
    conn.endheaders()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.send(data)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, response.headers


def test_booby_trapped_upload_runs_nothing(sg3: LiveServer, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for protocol in (2, 4):
        trap = pickle.dumps({"G_ema": _Boom(marker)}, protocol=protocol)
        status, body, _ = upload(sg3, "evil.pkl", trap)
        assert status == 422 and error_field(body) == "file"
        assert "system" in json.loads(body)["detail"][0]["msg"]
    assert not marker.exists()
    assert not any(p.name.startswith("evil") for p in sg3.models_dir.rglob("*"))
    assert request(sg3, "/healthz")[0] == 200


@pytest.mark.parametrize(
    "filename, data, status, field",
    [
        ("junk.pkl", b"\x80\x04not really a pickle" * 10, 422, "file"),
        ("junk.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ", 422, "file"),
        ("big.pkl", b"\0" * (1_100_000), 413, "file"),
        ("notes.txt", b"hello", 422, "filename"),
    ],
)
def test_bad_uploads_refused(sg3: LiveServer, filename: str, data: bytes, status: int, field: str) -> None:
    got, body, _ = upload(sg3, filename, data)
    assert (got, error_field(body)) == (status, field)
    assert not [p for p in sg3.models_dir.rglob("*") if p.name.startswith(("junk", "big", "notes", "."))]


def test_valid_upload_is_listed_and_renders(sg3: LiveServer, tmp_path: Path) -> None:
    save_micro_network(tmp_path / "mine.safetensors")
    status, body, _ = upload(sg3, "mine.safetensors", (tmp_path / "mine.safetensors").read_bytes())
    entry = json.loads(body)
    assert status == 201 and entry["id"] == "uploads/mine.safetensors" and entry["loaded"]
    ids = [m["id"] for m in json.loads(request(sg3, "/api/stylegan3/models")[1])]
    assert "uploads/mine.safetensors" in ids
    assert generate(sg3, model="uploads/mine.safetensors", class_idx=0)[0] == 200


# ---- websocket ----------------------------------------------------------------------------------


async def ws_open(server: LiveServer):
    """A connected socket and its `hello` (the very first socket may hear `starting` before it)."""
    ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/stylegan3", open_timeout=10)
    hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
    if hello["type"] == "starting":
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
    return ws, hello


def split_frame(data: bytes) -> tuple[dict, bytes]:
    length = int.from_bytes(data[:4], "little")
    return json.loads(data[4 : 4 + length]), data[4 + length :]


async def receive_until(ws, done, timeout: float = 60.0) -> list:
    """Messages (dicts, or (header, jpeg) for frames) until `done(message)` is true."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        raw = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
        message = split_frame(raw) if isinstance(raw, bytes) else json.loads(raw)
        seen.append(message)
        if done(message):
            return seen


def frame_with(id_):
    return lambda m: isinstance(m, tuple) and m[0]["id"] == id_


@pytest.mark.asyncio
async def test_ws_latest_request_wins(sg3: LiveServer) -> None:
    ws, hello = await ws_open(sg3)
    assert hello["type"] == "hello" and hello["device"]["type"] == "cpu"
    for i in range(10):
        await ws.send(json.dumps({"type": "render", "id": i, "params": {"seed": i}}))
    seen = await receive_until(ws, frame_with(9))
    frames = [m for m in seen if isinstance(m, tuple)]
    assert len(frames) <= 3, [h for h, _ in frames]  # the queued ones in between were dropped
    assert sum(h["skipped"] for h, _ in frames) == 10 - len(frames)
    header, jpeg = frames[-1]
    assert header["seed"] == 9 and jpeg[:2] == b"\xff\xd8" and Image.open(io.BytesIO(jpeg)).size == (64, 64)
    await ws.close()


@pytest.mark.asyncio
async def test_ws_errors_progress_and_jobs(sg3: LiveServer) -> None:
    ws, _ = await ws_open(sg3)
    await ws.send(json.dumps({"type": "render", "id": "a", "params": {"truncation_psi": 5}}))
    error = json.loads(await ws.recv())
    assert (error["type"], error["id"], error["field"]) == ("error", "a", "truncation_psi")
    await ws.send(json.dumps({"type": "render", "id": "b", "params": {"model": "../x.pkl"}}))
    assert json.loads(await ws.recv())["field"] == "model"
    save_micro_network(sg3.models_dir / "fresh.safetensors")  # not loaded by any other test
    await ws.send(json.dumps({"type": "load", "id": "c", "model": "fresh.safetensors"}))
    seen = await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "model")
    phases = [m["phase"] for m in seen if m["type"] == "progress"]
    assert phases[0] == "loading" and phases[-1] == "ready" and seen[-1]["info"]["c_dim"] == 3
    await ws.send(
        json.dumps({"type": "interpolate", "id": "d", "params": {"seed": 1}, "to_seed": 2, "steps": 3})
    )
    seen = await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "done")
    assert [m[0]["index"] for m in seen if isinstance(m, tuple)] == [0, 1, 2] and not seen[-1]["superseded"]
    await ws.send(json.dumps({"type": "grid", "id": "e", "params": {"seed": 1}, "rows": 4, "cols": 4}))
    await ws.send(json.dumps({"type": "render", "id": "f", "params": {"seed": 5}}))
    seen = await receive_until(ws, frame_with("f"))
    # The grid gives way (or never starts, when "f" replaces it while it waits) at the next layer
    # once "f" is in; on a loaded machine "f" may be read only after a tiny frame or two.
    grid_frames = [m for m in seen if isinstance(m, tuple) and m[0]["id"] == "e"]
    assert len(grid_frames) <= 2, [m[0]["index"] for m in grid_frames]
    await ws.close()


@pytest.mark.asyncio
async def test_server_stays_responsive_while_rendering(sg3: LiveServer) -> None:
    ws, _ = await ws_open(sg3)
    await ws.send(json.dumps({"type": "grid", "id": "g", "params": {"seed": 10}, "rows": 4, "cols": 4}))
    await receive_until(ws, frame_with("g"))  # the render thread is now busy with the grid
    worst = 0.0
    for _ in range(5):
        start = time.monotonic()
        status = (await asyncio.to_thread(request, sg3, "/healthz"))[0]
        worst = max(worst, time.monotonic() - start)
        assert status == 200
    async with websockets.connect(f"ws://127.0.0.1:{sg3.port}/ws/gan2d", open_timeout=5) as gan:
        hello = json.loads(await asyncio.wait_for(gan.recv(), 5))
        assert hello["type"] == "hello"
    assert worst < 0.5
    await ws.close()
