"""Broken, hostile and linked-out files in the models folder, on a real `ganlab serve` (issue 9).

The list still answers, naming each broken file and why; a refused model is a 4xx with the
reason on HTTP and a clear `error` on the websocket; a link that leads outside the folder is
never followed; and reading many headers never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import struct
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import MICRO, generate, request, save_micro_network, ws_open

pytestmark = [pytest.mark.timeout(120)]


class _Boom:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _hostile_safetensors(path: Path, config: dict) -> None:
    import torch
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(1)}, str(path), metadata={"format": "ganlab-stylegan3", "version": "1",
                                                         "ganlab.config": json.dumps(config)})  # fmt: skip


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    outside = tmp_path_factory.mktemp("elsewhere")
    save_micro_network(models / "good.safetensors")
    (models / "bad-header.safetensors").write_bytes(struct.pack("<Q", 2**62) + b'{"__metadata__": {}}')
    (models / "not-json.safetensors").write_bytes(struct.pack("<Q", 12) + b"{not json!!}")
    _hostile_safetensors(models / "huge.safetensors", {**MICRO, "mapping_kwargs": {"num_layers": 100_000}})
    marker = outside / "pwned"
    (models / "trap.pkl").write_bytes(pickle.dumps({"G_ema": _Boom(marker)}, protocol=4))
    save_micro_network(outside / "secret.safetensors")
    (models / "link-out.safetensors").symlink_to(outside / "secret.safetensors")
    (models / "linked-dir").symlink_to(outside, target_is_directory=True)
    (models / "link-in.safetensors").symlink_to(models / "good.safetensors")
    env = {"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"}
    live = start_server(env)
    live.marker = marker
    yield live
    live.stop()


def _listing(server: LiveServer) -> dict[str, dict]:
    status, body, _ = request(server, "/api/stylegan3/models")
    assert status == 200, body
    return {m["id"]: m for m in json.loads(body)}


def test_broken_files_are_listed_with_the_reason(broken: LiveServer) -> None:
    models = _listing(broken)
    assert models["good.safetensors"]["broken"] is None and models["good.safetensors"]["resolution"] == 32
    assert models["link-in.safetensors"]["broken"] is None  # a link inside the folder is fine
    assert "larger than" in models["bad-header.safetensors"]["broken"]
    assert "not valid JSON" in models["not-json.safetensors"]["broken"]
    assert "mapping_kwargs.num_layers=100000" in models["huge.safetensors"]["broken"]
    for linked in ("link-out.safetensors", "linked-dir/secret.safetensors"):
        assert "outside the models folder" in models[linked]["broken"], models[linked]


@pytest.mark.parametrize(
    ("model", "status", "reason"),
    [
        ("huge.safetensors", 422, "mapping_kwargs.num_layers=100000 is out of bounds"),
        ("trap.pkl", 422, "refusing to load global"),
        ("bad-header.safetensors", 422, "larger than"),
        ("link-out.safetensors", 403, "outside the models folder"),
        ("linked-dir/secret.safetensors", 403, "outside the models folder"),
    ],
)
def test_refused_models_are_4xx_on_generate_and_layers(broken: LiveServer, model, status, reason) -> None:
    for got, body, _ in (
        generate(broken, model=model),
        request(broken, f"/api/stylegan3/models/{model}/layers"),
    ):
        detail = json.loads(body)["detail"][0]
        assert (got, detail["loc"][-1]) == (status, "model") and reason in detail["msg"], body
    assert not broken.marker.exists()


def test_a_refused_load_marks_the_model_broken_in_the_list(broken: LiveServer) -> None:
    generate(broken, model="trap.pkl")
    assert "refusing to load global" in _listing(broken)["trap.pkl"]["broken"]
    assert generate(broken, model="good.safetensors", class_idx=0)[0] == 200  # the others still work


@pytest.mark.asyncio
async def test_websocket_load_of_a_refused_model_is_a_clear_error(broken: LiveServer) -> None:
    ws, hello = await ws_open(broken)
    assert {m["id"]: m["broken"] for m in hello["models"]}["good.safetensors"] is None
    await ws.send(json.dumps({"type": "load", "id": "x", "model": "huge.safetensors"}))
    while (message := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] == "progress":
        pass
    assert (message["type"], message["id"], message["field"]) == ("error", "x", "model"), message
    assert "out of bounds" in message["message"]
    await ws.send(json.dumps({"type": "render", "id": "y", "params": {"seed": 1}}))  # still open, still renders
    while isinstance(reply := await asyncio.wait_for(ws.recv(), 30), str):
        assert json.loads(reply)["type"] in ("progress", "model"), reply
    await ws.close()


# ---- headers are read off the event loop ----------------------------------------------------
HEADER_FILES = 30


@pytest.fixture(scope="module")
def crowded(tmp_path_factory) -> LiveServer:
    """A models folder of files whose (valid, ~1 MB) headers take a while to parse."""
    models = tmp_path_factory.mktemp("crowded")
    pad = json.dumps({"__metadata__": {"note": "x"}, "pad": [1.0 / 3] * 50_000}).encode()
    for i in range(HEADER_FILES):
        (models / f"slow-{i:03d}.safetensors").write_bytes(struct.pack("<Q", len(pad)) + pad)
    live = start_server({"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"})
    yield live
    live.stop()


def _poll_health(server: LiveServer, stop: threading.Event, gaps: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        assert request(server, "/healthz")[0] == 200
        gaps.append(time.perf_counter() - start)
        time.sleep(0.01)


@pytest.mark.asyncio
async def test_reading_headers_does_not_block_other_requests(crowded: LiveServer) -> None:
    start = time.perf_counter()
    assert len(_listing(crowded)) == HEADER_FILES + 1
    listing_s = time.perf_counter() - start  # one listing, on a worker thread
    ws, _ = await ws_open(crowded)  # the engine is started: later sockets only list
    await ws.close()
    stop, gaps = threading.Event(), []
    poller = threading.Thread(target=_poll_health, args=(crowded, stop, gaps))
    poller.start()
    try:
        for _ in range(3):  # each socket's hello lists every model
            ws, hello = await ws_open(crowded)
            assert len(hello["models"]) == HEADER_FILES + 1
            await ws.close()
    finally:
        stop.set()
        await asyncio.to_thread(poller.join)
    print(f"listing {listing_s:.3f} s, longest /healthz {max(gaps):.3f} s over {len(gaps)} requests")
    # Were the headers read on the event loop, /healthz would wait a whole listing at least once.
    assert len(gaps) > 3 and max(gaps) < max(0.3, listing_s / 2), (max(gaps), listing_s)
