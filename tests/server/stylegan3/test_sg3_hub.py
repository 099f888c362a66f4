"""The model hub in a real `ganlab serve`, with the catalog pointed at a loopback file server.

Downloads over the StyleGAN3 websocket: progress, the finished model rendering, two sockets
sharing one download, cancel and failures; the HTTP routes; render progress per layer; and the
CPU thread policy that gives a core back to a playing GAN Lab session.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path

import pytest
import websockets

from ganlab.stylegan3.hub.catalog import CATALOG
from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import frame_with, receive_until, request, ws_open
from tests.stylegan3.hubfiles import booby_trapped_pickle, micro_pickle
from tests.stylegan3.hubserver import HubServer

pytestmark = [pytest.mark.timeout(120)]
FILES = "stylegan3/versions/1/files/"


@pytest.fixture(scope="module")
def files():
    with HubServer() as server:
        yield server


@pytest.fixture(scope="module")
def sg3(tmp_path_factory, files: HubServer) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    env = {
        "GANLAB_MODELS_DIR": str(models),
        "GANLAB_SG3_DEMO": "tiny",
        "GANLAB_DEVICE": "cpu",
        "GANLAB_HUB_BASE_URL": files.url,
        "GANLAB_HUB_RETRY_DELAY_S": "0.01",
        "GANLAB_SG3_PROGRESS_AFTER_S": "0",
    }
    live = start_server(env)
    live.models_dir = models
    yield live
    live.stop()


def is_download(key: str, *states: str):
    return lambda m: isinstance(m, dict) and m["type"] == "download" and m["download"]["key"] == key and (
        not states or m["download"]["state"] in states
    )


def downloads(seen: list, key: str) -> list[dict]:
    return [m["download"] for m in seen if is_download(key)(m)]


def hidden_or_visible(folder: Path, stem: str) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in folder.rglob(f"*{stem}*") if p.suffix != ".lock"]


def test_hub_lists_the_catalog_with_what_is_here(sg3: LiveServer, files: HubServer) -> None:
    status, body, _ = request(sg3, "/api/stylegan3/hub")
    hub = json.loads(body)
    assert status == 200 and len(hub["models"]) == len(CATALOG) and hub["downloads"] == []
    first = hub["models"][0]
    assert first["name"] == "stylegan3-t-ffhqu-256x256" and first["recommended"] and not first["present"]
    assert first["url"] == files.url + FILES + "stylegan3-t-ffhqu-256x256.pkl"
    assert "non-commercial" in first["licence"]["summary"] and first["size_bytes"] > 100e6


@pytest.mark.asyncio
async def test_two_sockets_share_one_download_and_the_model_renders(sg3: LiveServer, files: HubServer) -> None:
    name = "stylegan3-t-ffhqu-256x256"
    files.add(FILES + f"{name}.pkl", micro_pickle(), bps=300_000)  # about 2 s
    a, _ = await ws_open(sg3)
    b, _ = await ws_open(sg3)
    await a.send(json.dumps({"type": "download", "id": 1, "source": name}))
    await receive_until(b, is_download(f"{name}.pkl"))  # b hears of it without asking
    await b.send(json.dumps({"type": "download", "id": 2, "source": name}))
    seen_a = await receive_until(a, is_download(f"{name}.pkl", "done", "failed"), timeout=60)
    seen_b = await receive_until(b, is_download(f"{name}.pkl", "done", "failed"), timeout=60)
    final = seen_a[-1]["download"]
    assert final["state"] == "done" and final["model"] == f"{name}.pkl", final
    assert len(files.hits(FILES + f"{name}.pkl")) == 1 and seen_b[-1]["download"]["model"] == final["model"]
    moving = [d for d in downloads(seen_a, f"{name}.pkl") if 0 < d["done"] < d["total"]]
    assert moving and any(d["rate_bps"] > 0 for d in moving) and moving[-1]["total_known"]
    assert any(d["phase"] == "checking" for d in downloads(seen_a, f"{name}.pkl"))
    assert final["model"] in [m["id"] for m in seen_a[-1]["download"]["models"]]
    await a.send(json.dumps({"type": "render", "id": "r", "params": {"model": final["model"], "seed": 1}}))
    seen = await receive_until(a, frame_with("r"))
    header = seen[-1][0]
    assert (header["width"], header["height"]) == (32, 32) and header["threads"] >= 1
    progress = [m for m in seen if isinstance(m, dict) and m.get("phase") == "render"]
    assert progress and progress[0]["layer"] == "input" and all(m["layer_count"] == 16 for m in progress)
    hub = json.loads(request(sg3, "/api/stylegan3/hub")[1])
    assert hub["models"][0]["present"] and hub["models"][0]["model_id"] == f"{name}.pkl"
    await a.close()
    await b.close()


@pytest.mark.asyncio
async def test_cancel_leaves_nothing_behind(sg3: LiveServer, files: HubServer) -> None:
    name = "stylegan3-r-ffhqu-256x256"
    files.add(FILES + f"{name}.pkl", micro_pickle(), bps=100_000)
    ws, _ = await ws_open(sg3)
    await ws.send(json.dumps({"type": "download", "id": 1, "source": name}))
    await receive_until(ws, lambda m: is_download(f"{name}.pkl")(m) and m["download"]["done"] > 0)
    await ws.send(json.dumps({"type": "cancel_download", "id": 2, "key": f"{name}.pkl"}))
    seen = await receive_until(ws, is_download(f"{name}.pkl", "cancelled", "done", "failed"))
    assert seen[-1]["download"]["state"] == "cancelled"
    assert hidden_or_visible(sg3.models_dir, name) == []
    await ws.close()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "name, served, kind, words",
    [
        ("stylegan3-t-afhqv2-512x512", {"status": 404}, "http", "was not found (HTTP 404)"),
        ("stylegan3-r-afhqv2-512x512", {"status": 403}, "http", "refused access"),
        ("stylegan3-t-ffhq-1024x1024", {"data": b"<html>sign in</html>" * 40}, "not_network", "not a network"),
        ("stylegan3-r-ffhq-1024x1024", {"trap": True}, "not_network", "system"),
    ],
)
async def test_failures_are_reported_and_leave_nothing(sg3, files, tmp_path, name, served, kind, words) -> None:
    marker = tmp_path / "pwned"
    data = booby_trapped_pickle(marker) if served.pop("trap", False) else served.pop("data", b"")
    files.add(FILES + f"{name}.pkl", data, **served)
    ws, _ = await ws_open(sg3)
    await ws.send(json.dumps({"type": "download", "id": 1, "source": name}))
    seen = await receive_until(ws, is_download(f"{name}.pkl", "failed", "done"))
    error = seen[-1]["download"]["error"]
    assert seen[-1]["download"]["state"] == "failed" and error["kind"] == kind and words in error["message"]
    assert error["hint"] and hidden_or_visible(sg3.models_dir, name) == [] and not marker.exists()
    await ws.close()


@pytest.mark.asyncio
async def test_bad_sources_get_an_error_naming_the_field(sg3: LiveServer) -> None:
    ws, _ = await ws_open(sg3)
    for source in ("stylegan3-t-ffhq-256x256", "http://example.com/x.pkl", 7):
        await ws.send(json.dumps({"type": "download", "id": "x", "source": source}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert (error["type"], error["field"]) == ("error", "source"), error
    assert "did you mean" in error["message"] or "hub model name" in error["message"]
    await ws.close()


def test_http_download_routes_check_the_origin(sg3: LiveServer, files: HubServer) -> None:
    def post(origin: str | None):
        req = urllib.request.Request(
            sg3.url + "/api/stylegan3/downloads",
            data=json.dumps({"source": "stylegan3-t-metfaces-1024x1024"}).encode(),
            headers={"Content-Type": "application/json", **({"Origin": origin} if origin else {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    files.add(FILES + "stylegan3-t-metfaces-1024x1024.pkl", micro_pickle())
    assert post("http://evil.example")[0] == 403
    status, job = post(None)
    assert status == 202 and job["key"] == "stylegan3-t-metfaces-1024x1024.pkl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = json.loads(request(sg3, "/api/stylegan3/downloads")[1])
        if next(j for j in jobs if j["key"] == job["key"])["state"] != "downloading":
            break
        time.sleep(0.2)
    assert next(j for j in jobs if j["key"] == job["key"])["state"] == "done"


@pytest.mark.asyncio
async def test_a_playing_gan_lab_session_gets_a_core_back(sg3: LiveServer) -> None:
    device = json.loads(request(sg3, "/api/stylegan3/device")[1])
    cores = device["threads"]
    async with websockets.connect(f"ws://127.0.0.1:{sg3.port}/ws/gan2d", open_timeout=10) as gan:
        assert json.loads(await asyncio.wait_for(gan.recv(), 10))["type"] == "hello"
        await gan.send(json.dumps({"type": "play"}))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            playing = json.loads(request(sg3, "/api/stylegan3/device")[1])["threads"]
            if playing != cores:
                break
            await asyncio.sleep(0.1)
        assert playing == max(1, cores - 1)
        ws, _ = await ws_open(sg3)
        await ws.send(json.dumps({"type": "render", "id": "t", "params": {"seed": 2}}))
        header = (await receive_until(ws, frame_with("t")))[-1][0]
        assert header["threads"] == playing
        await ws.close()
        await gan.send(json.dumps({"type": "pause"}))


def test_render_reports_every_synthesis_stage_in_order() -> None:
    import torch

    from ganlab.server.stylegan3.params import RenderParams
    from ganlab.server.stylegan3.render import render
    from tests.stylegan3.hubfiles import micro_generator

    G = micro_generator()
    stages: list[tuple[int, int, str]] = []
    render(G, RenderParams(seed=1), torch.device("cpu"), lambda i, n, name: stages.append((i, n, name)))
    names = ["input", *G.synthesis.layer_names]
    assert stages == [(i, len(names), name) for i, name in enumerate(names)]
    stages.clear()
    render(G, RenderParams(layer=names[3]), torch.device("cpu"), lambda i, n, name: stages.append((i, n, name)))
    assert [s[2] for s in stages] == names[:4]  # a layer view stops there
    assert not G.synthesis.input._forward_pre_hooks  # the hooks are gone afterwards
