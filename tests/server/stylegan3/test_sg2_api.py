"""The HTTP API and the websocket with StyleGAN2 networks: official pixels, noise modes, no transform."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, pixels, receive_until, request, ws_open

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "stylegan3"))
from sg2_fixtures import load_sg2_fixture  # noqa: E402
from sg2_pickles import sg2_snapshot  # noqa: E402
from sg3_pickles import dumps  # noqa: E402

pytestmark = [pytest.mark.timeout(120)]
PKL = "stylegan2-tiny-32x32.pkl"


@pytest.fixture(scope="module")
def fx():
    return load_sg2_fixture("official_sg3_skip32")


@pytest.fixture(scope="module")
def sg2(tmp_path_factory, fx) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    (models / PKL).write_bytes(dumps(sg2_snapshot(fx.generator(), fx.init_kwargs, ada=False)))
    live = start_server({"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"})
    yield live
    live.stop()


def generate(server, **params):
    return request(server, "/api/stylegan3/generate", {"model": PKL, **params})


def test_listed_and_described_as_stylegan2(sg2: LiveServer) -> None:
    models = {m["id"]: m for m in json.loads(request(sg2, "/api/stylegan3/models")[1])}
    assert (models[PKL]["config"], models[PKL]["resolution"]) == ("StyleGAN2", 32)
    status, body, _ = request(sg2, f"/api/stylegan3/models/{PKL}/layers")
    info = json.loads(body)
    assert status == 200 and info["architecture"] == "StyleGAN2" and info["num_ws"] == 8
    assert [layer["name"] for layer in info["layers"]][:3] == ["b4.conv1", "b4.torgb", "b8.conv0"]


def test_generate_matches_official_pixels_for_const_and_none_noise(sg2: LiveServer, fx) -> None:
    for case, mode in ((0, "const"), (1, "none")):
        status, png, _ = generate(sg2, seed=1, noise_mode=mode)
        ref = (fx.tensors[f"case{case}.img"][1].permute(1, 2, 0).numpy() * 127.5 + 128).clip(0, 255)
        assert status == 200 and np.abs(pixels(png) - np.floor(ref)).max() <= 1.0, mode
    a, b = generate(sg2, seed=1, noise_mode="random")[1], generate(sg2, seed=1, noise_mode="random")[1]
    assert a != b


@pytest.mark.parametrize(("params", "field"), [({"translate": [0.1, 0]}, "translate"), ({"rotate": 10}, "rotate")])
def test_transform_is_refused_for_stylegan2(sg2: LiveServer, params: dict, field: str) -> None:
    status, body, _ = generate(sg2, **params)
    assert status == 422 and "StyleGAN2 has no input transform" in body.decode() and field in body.decode()


def test_bad_noise_mode_names_the_field(sg2: LiveServer) -> None:
    status, body, _ = generate(sg2, noise_mode="loud")
    assert status == 422 and json.loads(body)["detail"][0]["loc"][-1] == "noise_mode"


def test_layer_view_and_mixing_over_num_ws(sg2: LiveServer) -> None:
    status, png, _ = generate(sg2, layer="b16.conv0", layer_channel=3)
    assert status == 200 and pixels(png).shape == (16, 16, 3)
    plain = generate(sg2, seed=2)[1]
    assert generate(sg2, seed=2, mix_seed=5, mix_ws=[6, 7])[1] != plain
    status, body, _ = generate(sg2, mix_seed=5, mix_ws=[8])
    assert status == 422 and "mix_ws" in body.decode()


@pytest.mark.asyncio
async def test_websocket_renders_a_stylegan2_frame(sg2: LiveServer) -> None:
    ws, _ = await ws_open(sg2)
    params = {"model": PKL, "seed": 3, "noise_mode": "none"}
    await ws.send(json.dumps({"type": "render", "id": 1, "params": params}))
    header, jpeg = (await receive_until(ws, frame_with(1)))[-1]
    assert header["seed"] == 3 and jpeg[:2] == b"\xff\xd8"
    await ws.send(json.dumps({"type": "render", "id": 2, "params": {**params, "rotate": 5}}))
    error = (await receive_until(ws, lambda m: isinstance(m, dict) and m.get("type") == "error"))[-1]
    assert error["field"] == "rotate" and "no input transform" in error["message"]
    await ws.close()
