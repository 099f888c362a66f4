"""The analysis views and latent-direction edits through the real server (HTTP and websocket)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, generate, pixels, receive_until, request, ws_open

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    env = {"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"}
    live = start_server(env)
    live.models_dir = models
    yield live
    live.stop()


def test_fft_view_draws_a_spectrum_beside_the_image(server: LiveServer) -> None:
    image = pixels(generate(server, seed=4)[1])
    status, png, _ = generate(server, seed=4, fft=True, fft_range_db=40, fft_beta=6)
    both = pixels(png)
    assert status == 200 and both.shape == (64, 128, 3)
    assert np.array_equal(both[:, :64], image)
    spectrum = both[:, 64:]
    assert np.abs(spectrum - image).mean() > 20 and spectrum.std() > 5
    wider = pixels(generate(server, seed=4, fft=True, fft_range_db=90, fft_beta=6)[1])[:, 64:]
    assert np.abs(wider - spectrum).mean() > 2  # the dB range changes the colours


def test_untransform_brings_translated_content_back(server: LiveServer) -> None:
    base = pixels(generate(server, seed=3)[1])
    moved = pixels(generate(server, seed=3, translate=[0.125, 0])[1])
    back = pixels(generate(server, seed=3, translate=[0.125, 0], untransform=True)[1])
    inner = (slice(12, 52), slice(12, 52))
    assert np.abs(back - base)[inner].mean() < np.abs(moved - base)[inner].mean() / 4
    rounded = pixels(generate(server, seed=3, translate=[0.1235, 0], translate_round=True)[1])
    assert np.abs(rounded - moved).mean() < 1.0  # 7.9 pixels rounds to the same 8


def test_bad_view_and_edit_values_name_the_field(server: LiveServer) -> None:
    for params, field in [({"fft_range_db": 0}, "fft_range_db"), ({"fft_beta": 60}, "fft_beta"),
                          ({"layer_order": "loud"}, "layer_order"), ({"edit_amounts": [30]}, "edit_amounts"),
                          ({"edit_layers": "custom", "edit_first": 9, "edit_last": 3}, "edit_last"),
                          ({"edit_amounts": [1.0] * 30}, "edit_amounts")]:
        status, body, _ = generate(server, **params)
        assert status == 422 and field in json.loads(body)["detail"][0]["loc"], (params, body)


def test_directions_over_http(server: LiveServer) -> None:
    status, body, _ = request(server, "/api/stylegan3/models/demo/directions")
    info = json.loads(body)
    assert status == 200 and info["count"] == 20 and info["n_samples"] == 10_000
    assert info["ranges"] == {"all": [0, 15], "coarse": [0, 3], "middle": [4, 6], "fine": [7, 15]}
    assert info["explained_ratio"] == sorted(info["explained_ratio"], reverse=True)
    assert len(list((server.models_dir / ".directions").glob(f"{info['key']}-*.npz"))) == 1
    status, data, headers = request(server, "/api/stylegan3/models/demo/directions.npz")
    with np.load(io.BytesIO(data)) as npz:
        assert status == 200 and npz["components"].shape == (20, 512)
    assert "directions.npz" in headers["content-disposition"]
    again = json.loads(request(server, "/api/stylegan3/models/demo/directions")[1])
    assert again["cached"] and again["key"] == info["key"]


@pytest.mark.asyncio
async def test_ws_directions_edit_and_layer_stats(server: LiveServer) -> None:
    ws, _ = await ws_open(server)
    await ws.send(json.dumps({"type": "directions", "id": 1, "model": "demo"}))
    seen = await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "directions")
    assert seen[-1]["info"]["count"] == 20 and seen[-1]["model"] == "demo"

    async def render(id_, **params):
        await ws.send(json.dumps({"type": "render", "id": id_, "params": {"seed": 5, **params}}))
        header, jpeg = (await receive_until(ws, frame_with(id_)))[-1]
        return header, np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.float32)

    _, plain = await render(2)
    _, edited = await render(3, edit_amounts=[0, 4.0])
    _, coarse = await render(4, edit_amounts=[0, 4.0], edit_layers="coarse")
    assert np.abs(edited - plain).mean() > 3 and np.abs(coarse - edited).mean() > 1
    header, _ = await render(5, layer="L2_36_64", layer_order="energy", layer_rgb=True)
    layer = header["layer"]
    assert layer["shown"] == [c for c, _ in layer["top"][:3]] and layer["order"] == "energy"
    assert layer["all"]["max_abs"] >= layer["selected"]["max_abs"] > 0
    assert [p["index"] for p in layer["per_channel"]] == layer["shown"]
    await ws.close()


@pytest.mark.asyncio
async def test_ws_directions_report_progress_and_survive_a_newer_render(server: LiveServer) -> None:
    from tests.server.stylegan3.test_sg3_api import save_micro_network

    save_micro_network(server.models_dir / "fresh-micro.safetensors")
    ws, _ = await ws_open(server)
    await ws.send(json.dumps({"type": "directions", "id": "d", "model": "fresh-micro.safetensors"}))
    await ws.send(json.dumps({"type": "render", "id": "r", "params": {"seed": 1}}))  # must not drop "d"
    seen = await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "directions")
    progress = [m for m in seen if isinstance(m, dict) and m.get("phase") == "directions"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == 10_000
    assert seen[-1]["info"]["num_ws"] == 16 and not seen[-1]["info"]["cached"]
    if not any(isinstance(m, tuple) and m[0]["id"] == "r" for m in seen):
        await receive_until(ws, frame_with("r"))
    await ws.send(json.dumps({"type": "directions", "id": "e", "model": "missing.pkl"}))
    error = (await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "error"))[-1]
    assert error["id"] == "e" and error["field"] == "model"
    await ws.close()
