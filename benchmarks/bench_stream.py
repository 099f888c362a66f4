"""Streaming benchmark: a real `ganlab serve` process and real websocket clients.

For each session count, opens that many sessions at the gan_lab preset (every layer is
always streamed), plays them for a while, and reports per-session frames/s, epochs/s and
bytes per frame. Usage:

    python benchmarks/bench_stream.py --seconds 10 --sessions 1,2,4,8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from ganlab.server.gan2d.frames import decode_frame  # noqa: E402

LAUNCH = (
    "import argparse, sys; from ganlab.commands import serve; p = argparse.ArgumentParser(); "
    "serve.register(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))"
)


def start_server(max_sessions: int, frame_hz: float) -> tuple[subprocess.Popen, int]:
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    env = {
        **os.environ,
        "GANLAB_MAX_SESSIONS": str(max_sessions),
        "GANLAB_FRAME_HZ": str(frame_hz),
        "PYTHONPATH": str(REPO),
    }
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "serve", "--port", "0", "--log-level", "info"],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    for _ in range(600):
        match = re.search(rb"Uvicorn running on http://[^:]+:(\d+)", log.read_bytes())
        if match:
            return proc, int(match.group(1))
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(log.read_text())


async def one_session(port: int, seconds: float, warmup_s: float) -> dict:
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/gan2d", compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "set", "params": {"dataset": "gaussians"}}))
        await ws.send(json.dumps({"type": "play"}))
        t_end_warm = time.monotonic() + warmup_s
        frames, nbytes, first, last = 0, 0, None, None
        while True:
            raw = await ws.recv()
            now = time.monotonic()
            if not isinstance(raw, bytes):
                continue
            header, _ = decode_frame(raw)
            if now < t_end_warm:
                continue
            if first is None:
                first = (now, header["epoch"])
                continue
            frames += 1
            nbytes += len(raw)
            last = (now, header["epoch"])
            if now - first[0] >= seconds:
                break
        elapsed = last[0] - first[0]
        return {
            "frames_per_s": frames / elapsed,
            "epochs_per_s": (last[1] - first[1]) / elapsed,
            "bytes_per_frame": nbytes / max(frames, 1),
        }


async def run(port: int, sessions: int, seconds: float) -> list[dict]:
    return await asyncio.gather(*(one_session(port, seconds, warmup_s=1.0) for _ in range(sessions)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sessions", default="1,2,4")
    parser.add_argument("--frame-hz", type=float, default=30.0, help="GANLAB_FRAME_HZ for the server")
    args = parser.parse_args()
    counts = [int(c) for c in args.sessions.split(",")]
    proc, port = start_server(sum(counts), args.frame_hz)  # closed sessions linger for their grace period
    try:
        print(f"GANLAB_FRAME_HZ={args.frame_hz:g}, {args.seconds:g} s per row, load {os.getloadavg()[0]:.1f}")
        columns = ("sessions", "min fps", "mean fps", "min ep/s", "mean ep/s", "KB/frame")
        print(" ".join(f"{c:>9}" for c in columns))
        for count in counts:
            results = asyncio.run(run(port, count, args.seconds))
            fps = [r["frames_per_s"] for r in results]
            eps = [r["epochs_per_s"] for r in results]
            kb = statistics.mean(r["bytes_per_frame"] for r in results) / 1024
            print(
                f"{count:>8} {min(fps):>8.1f} {statistics.mean(fps):>9.1f} {min(eps):>9.0f} "
                f"{statistics.mean(eps):>10.0f} {kb:>9.1f}",
                flush=True,
            )
            time.sleep(1.0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
