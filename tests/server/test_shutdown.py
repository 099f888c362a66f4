"""Stopping the server: `ganlab serve` exits promptly on SIGTERM or Ctrl-C, with a session open,
and Ctrl-C (which reaches every process of the group) prints no worker tracebacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import websockets

from tests.conftest import REPO, start_server


@pytest.mark.asyncio
async def test_sigterm_with_a_playing_session_exits_within_seconds():
    live = start_server({"GANLAB_WORKERS": "2"})
    try:
        async with websockets.connect(live.ws_url) as ws:
            await ws.recv()  # hello
            await ws.send('{"type": "play"}')
            await ws.recv()
            started = time.monotonic()
            live.process.terminate()
            live.process.wait(timeout=8)  # the workers used to hold it for 5 s each
            assert time.monotonic() - started < 5
    finally:
        live.stop()
    assert "restoring its sessions" not in live.log(), "an orderly stop is not a lost worker"


def test_ctrl_c_stops_every_process_quietly(tmp_path):
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ganlab", "serve", "--port", "0"], cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO), "GANLAB_WORKERS": "2"}, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Uvicorn running" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the workers load the engine
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    text = log.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-2000:]
    assert "Finished server process" in text
