"""Drag previews and Force FP32 end to end, on a real `ganlab serve` over its websocket.

A preview render (what the tab sends while a control is dragged) comes back in bf16; the
release render (preview false) and any render with force_fp32 come back in fp32, and their
frames are byte for byte the frame of a forced fp32 render. A mixing change of fine layers
reuses the early stages and still gives the uncached frame.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, receive_until, ws_open

pytestmark = [pytest.mark.timeout(90), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> LiveServer:
    env = {
        "GANLAB_MODELS_DIR": str(tmp_path_factory.mktemp("models")),
        "GANLAB_SG3_DEMO": "tiny",
        "GANLAB_DEVICE": "cpu",
        "GANLAB_SG3_BF16": "1",  # the bf16 path on any CPU (emulated where it has no bf16 units)
    }
    live = start_server(env)
    yield live
    live.stop()


async def frame(ws, id_, **params) -> tuple[dict, bytes]:
    await ws.send(json.dumps({"type": "render", "id": id_, "params": {"seed": 11, "truncation_psi": 0.7, **params}}))
    return (await receive_until(ws, frame_with(id_)))[-1]


async def test_preview_is_bf16_and_the_release_frame_is_the_exact_fp32_one(server: LiveServer) -> None:
    ws, hello = await ws_open(server)
    assert hello["device"]["preview_precision"] == "bf16"
    forced, forced_jpeg = await frame(ws, "forced", force_fp32=True)
    assert forced["precision"] == "fp32"
    drag = [await frame(ws, f"drag{i}", preview=True, seed_offset=[0.1 * i, 0]) for i in (1, 2)]
    assert [h["precision"] for h, _ in drag] == ["bf16", "bf16"]
    preview, preview_jpeg = await frame(ws, "drag-last", preview=True)
    released, released_jpeg = await frame(ws, "release", preview=False)
    assert (preview["precision"], released["precision"]) == ("bf16", "fp32")
    assert released_jpeg == forced_jpeg and preview_jpeg != forced_jpeg
    kept, kept_jpeg = await frame(ws, "forced-preview", preview=True, force_fp32=True)  # the switch wins
    assert kept["precision"] == "fp32" and kept_jpeg == forced_jpeg
    await ws.close()


async def test_mixing_fine_layers_reuses_early_stages_with_the_same_frame(server: LiveServer) -> None:
    ws, _ = await ws_open(server)
    await ws.send(json.dumps({"type": "load", "id": "load", "model": "demo"}))
    info = (await receive_until(ws, lambda m: isinstance(m, dict) and m["type"] == "model"))[-1]["info"]
    await frame(ws, "base", seed=21)
    mixed, mixed_jpeg = await frame(ws, "mix", seed=21, mix_seed=5, mix_ws=list(range(8, 16)))
    assert mixed["reused_stages"] == 8 and mixed["precision"] == "fp32"
    await frame(ws, "other", seed=22, truncation_psi=0.5)  # different ws: nothing to reuse
    again, again_jpeg = await frame(ws, "mix-again", seed=21, mix_seed=5, mix_ws=list(range(8, 16)))
    assert again["reused_stages"] == 16 and again_jpeg == mixed_jpeg  # whole render cached, same frame
    layer, _ = await frame(ws, "layer", seed=21, mix_seed=5, mix_ws=list(range(8, 16)), layer=info["layers"][6]["name"])
    assert layer["reused_stages"] == 7  # input + L0..L5: straight from the cache
    await ws.close()
