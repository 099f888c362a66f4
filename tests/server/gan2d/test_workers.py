"""Sessions in worker processes (issue 15): a killed worker, a restarted server, fewer frames under load."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.gan2d.test_live_server import open_session

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


def worker_pids(server: LiveServer) -> list[int]:
    """The server's worker processes (its children running ganlab's worker)."""
    pids = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    commands = {p: Path(f"/proc/{p}/cmdline").read_bytes() for p in pids}
    return [p for p, cmd in commands.items() if b"spawn_main" in cmd and b"resource_tracker" not in cmd]


async def test_a_killed_worker_restores_its_sessions_from_their_last_snapshot() -> None:
    live = await asyncio.to_thread(start_server, {"GANLAB_WORKERS": "1", "GANLAB_SNAPSHOT_INTERVAL_S": "0.5"})
    try:
        client, hello = await open_session(live)
        await client.send({"type": "set", "params": {"d_lr": 0.2}})
        await client.expect("params")
        for _ in range(5):
            await client.send({"type": "step", "what": "epoch"})
            await client.expect("status")
        await asyncio.sleep(1.5)  # a snapshot at epoch 5 is taken
        (pid,) = worker_pids(live)
        client.texts.clear()
        os.kill(pid, signal.SIGKILL)
        await client.send({"type": "set", "params": {"d_lr": 0.2}})  # in flight while the worker is gone
        restored = await client.expect("hello", timeout=60)
        assert restored["session_id"] == hello["session_id"] and restored["resumed"] is True
        assert "restored from epoch 5" in restored["notice"] and restored["epoch"] == 5
        assert restored["params"]["d_lr"] == 0.2
        if not any(t["type"] == "params" for t in client.texts):  # its reply may come before or after the hello
            await client.expect("params", timeout=30)
        await client.send({"type": "step", "what": "epoch"})
        assert (await client.expect("status"))["epoch"] == 6
        assert worker_pids(live) and worker_pids(live) != [pid], "the dead worker was not replaced"
        await client.close()
    finally:
        live.stop()


async def test_snapshots_on_disk_bring_a_session_back_after_a_restart(tmp_path: Path) -> None:
    env = {"GANLAB_SNAPSHOT_DIR": str(tmp_path), "GANLAB_SNAPSHOT_INTERVAL_S": "0.5"}
    (tmp_path / "notes.txt").write_text("not ours")  # a shared folder: nothing else is touched
    first = await asyncio.to_thread(start_server, env)
    try:
        client, hello = await open_session(first)
        await client.send({"type": "set", "params": {"g_lr": 0.02, "dataset": "ring8"}})
        await client.expect("params")
        for _ in range(3):
            await client.send({"type": "step", "what": "epoch"})
            await client.expect("status")
        await asyncio.sleep(1.2)
        await client.close()
    finally:
        first.stop()  # a clean shutdown writes the newest state once more
    assert (tmp_path / hello["session_id"] / "state.safetensors").is_file()
    second = await asyncio.to_thread(start_server, env)
    try:
        client, again = await open_session(second, session_id=hello["session_id"])
        assert again["resumed"] is True and again["epoch"] == 3
        assert re.search(r"restored from epoch 3", again["notice"])
        assert again["params"]["g_lr"] == 0.02 and again["params"]["dataset"] == "ring8"
        assert len(client.texts[-1]["rows"]) >= 1  # the chart history came back too
        await client.close()
        other, fresh = await open_session(second, session_id="../" + hello["session_id"])
        assert fresh["resumed"] is False
        await other.close()
    finally:
        second.stop()
    assert (tmp_path / "notes.txt").read_text() == "not ours"


async def test_many_sessions_on_one_worker_get_fewer_frames_and_are_told() -> None:
    # Frames may take 1% of the worker's core: two playing sessions must each drop well below 30/s.
    live = await asyncio.to_thread(start_server, {"GANLAB_WORKERS": "1", "GANLAB_FRAME_SHARE": "0.01"})
    try:
        clients = [(await open_session(live))[0] for _ in range(2)]
        for client in clients:
            await client.send({"type": "play"})
        notice = await clients[0].expect("frame_rate", timeout=20)
        while "2 sessions" not in (notice["reason"] or ""):  # the first may come while one session played
            notice = await clients[0].expect("frame_rate", timeout=20)
        assert 5 <= notice["frame_hz"] < 30 and notice["max_frame_hz"] == 30
        await clients[0].frame(frame_hz=notice["frame_hz"])
        start = time.monotonic()
        clients[0].frames.clear()
        await clients[0].drain(2.0)
        rate = len(clients[0].frames) / (time.monotonic() - start)
        announced = max(h["frame_hz"] for h in clients[0].frames)  # it may be re-measured meanwhile
        assert 2 <= rate <= announced * 1.3 + 1, (rate, announced)
        assert clients[0].frames[-1]["state"] == "playing"
        for client in clients:
            await client.close()
    finally:
        live.stop()


async def test_stylegan3_rendering_leaks_no_threads_into_sessions() -> None:
    """Renders set torch's thread count in the web process; sessions train elsewhere, untouched."""
    import json
    import urllib.request

    env = {"GANLAB_WORKERS": "1", "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"}
    live = await asyncio.to_thread(start_server, env)
    try:
        client, _ = await open_session(live)
        await client.send({"type": "play"})
        await client.drain(1.0)
        (pid,) = worker_pids(live)
        threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
        request = urllib.request.Request(f"{live.url}/api/stylegan3/generate", data=json.dumps({"seed": 3}).encode(),
                                         headers={"Content-Type": "application/json"})

        def render() -> bytes:  # off the test's event loop, which must keep answering pings
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.read()

        assert (await asyncio.to_thread(render))[:4] == b"\x89PNG"
        await client.drain(1.0)
        assert len(list(Path(f"/proc/{pid}/task").iterdir())) == threads, "the render added threads to a worker"
        assert b"libtorch" not in Path(f"/proc/{pid}/maps").read_bytes(), "the GAN Lab worker loaded torch"
        await client.close()
    finally:
        live.stop()
