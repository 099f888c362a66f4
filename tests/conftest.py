"""Shared fixtures: a real `ganlab serve` process on a free port.

`start_server(env)` runs the serve command in a subprocess with `--port 0` and reads the
port uvicorn reports, so parallel runs and other services never collide. The `server`
fixture is one such process shared by the whole test session.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PORT_LINE = re.compile(rb"Uvicorn running on http://[^:]+:(\d+)")


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/gan2d"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_server(
    env: dict[str, str] | None = None, timeout_s: float = 30.0
) -> LiveServer:
    """Start `python -m ganlab serve --port 0` (the real entry point) with extra GANLAB_* variables;
    returns once it answers /healthz."""
    log = Path(tempfile.mkstemp(prefix="ganlab-serve-", suffix=".log")[1])
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ganlab", "serve", "--port", "0"],
            cwd=REPO,
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        match = PORT_LINE.search(log.read_bytes())
        if match:
            server = LiveServer(int(match.group(1)), process, log)
            urllib.request.urlopen(f"{server.url}/healthz", timeout=5).read()
            return server
        if process.poll() is not None:
            raise RuntimeError(f"ganlab serve exited early:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"ganlab serve did not start in {timeout_s} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def server() -> Iterator[LiveServer]:
    """One live server for the whole test session (default settings, a roomy session cap: every
    browser page and compare tile is a session, and a closed page's session waits out its grace
    period, paused, in case the page comes back)."""
    live = start_server({"GANLAB_MAX_SESSIONS": "128"})
    yield live
    live.stop()
