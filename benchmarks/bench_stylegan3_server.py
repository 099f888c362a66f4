"""StyleGAN3 tab benchmark: time per image and frames/s through a real `ganlab serve`.

Starts the server on a free port with the built-in demo network and measures, for the
demo (256x256 T by default, `--demo tiny` for the 64x64 test one):
* PNG through `POST /api/stylegan3/generate` (round trip and the server's render time);
* interactive frames over `WS /ws/stylegan3`, one request in flight (what the tab does):
  frames/s, latency per frame, JPEG size;
* a flood of requests at 30 Hz for a while: how many frames come back and how many
  stale requests the server dropped (latest-wins), and the latency of the last one;
* with `--drag`, only this: dragging psi and the seed pad as the tab does (one request in
  flight, each frame answered by the newest position), with bf16 previews and without them
  (every frame fp32, as before), alternating round by round; then the release frame
  (preview false: exact fp32), asked for when the drag time is up, usually mid-frame as a
  person lets go, and how long after the release it arrives;
* with `--threads-both-ways`, only this: time per image while no GAN Lab session plays (the
  server renders on every core) and while one plays (it gives a core back), in alternating
  rounds so load from other processes hits both alike; the fastest round of each is kept.

    python benchmarks/bench_stylegan3_server.py [--demo official|tiny] [--frames 6] [--device cpu]
    python benchmarks/bench_stylegan3_server.py --threads-both-ways [--rounds 3] [--frames 2]
    nice -n 5 python benchmarks/bench_stylegan3_server.py --drag [--drag-s 10] [--rounds 2]
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
import urllib.request
from pathlib import Path

import websockets

REPO = Path(__file__).resolve().parent.parent
LAUNCH = (
    "import argparse, sys; from ganlab.commands import serve; p = argparse.ArgumentParser(); "
    "serve.register(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))"
)


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    full = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "serve", "--port", "0"],
            cwd=REPO,
            env=full,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(rb"Uvicorn running on http://[^:]+:(\d+)", log.read_bytes())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(log.read_text(errors="replace"))


def http_png(port: int, seed: int) -> tuple[float, float, int]:
    body = json.dumps({"model": "demo", "seed": seed}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/stylegan3/generate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        data = response.read()
        render_ms = float(response.headers["X-Render-Ms"])
    return (time.perf_counter() - start) * 1e3, render_ms, len(data)


def header_of(frame: bytes) -> tuple[dict, int]:
    length = int.from_bytes(frame[:4], "little")
    return json.loads(frame[4 : 4 + length]), len(frame) - 4 - length


async def next_frame(ws) -> tuple[dict, int]:
    while True:
        message = await ws.recv()
        if isinstance(message, bytes):
            return header_of(message)


async def interactive(port: int, frames: int) -> dict:
    """One request in flight, the next sent when a frame arrives (the tab's policy)."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stylegan3", max_size=2**26) as ws:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "render", "id": -1, "params": {"seed": 999}}))  # load + warm up
        await next_frame(ws)
        latencies, renders, sizes = [], [], []
        start = time.perf_counter()
        for i in range(frames):
            sent = time.perf_counter()
            await ws.send(
                json.dumps({"type": "render", "id": i, "params": {"seed": i, "translate": [i / 64, 0]}})
            )
            header, size = await next_frame(ws)
            latencies.append((time.perf_counter() - sent) * 1e3)
            renders.append(header["render_ms"])
            sizes.append(size)
        elapsed = time.perf_counter() - start
    return {
        "fps": frames / elapsed,
        "latency_ms": statistics.median(latencies),
        "render_ms": statistics.median(renders),
        "jpeg_kb": statistics.mean(sizes) / 1024,
    }


async def flood(port: int, seconds: float, hz: float = 30.0) -> dict:
    """Requests at `hz` (a slider being dragged) for `seconds`; count frames and dropped requests."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stylegan3", max_size=2**26) as ws:
        await ws.recv()
        frames, skipped, last_id = [], 0, None

        async def reader():
            nonlocal skipped
            while True:
                header, _ = await next_frame(ws)
                frames.append((time.perf_counter(), header["id"]))
                skipped += header["skipped"]
                if header["id"] == last_id:
                    return

        task = asyncio.create_task(reader())
        sent = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            await ws.send(
                json.dumps({"type": "render", "id": sent, "params": {"seed": 5, "rotate": sent % 360}})
            )
            sent += 1
            await asyncio.sleep(1 / hz)
        last_id, last_sent = sent - 1, time.perf_counter()
        await ws.send(json.dumps({"type": "render", "id": last_id, "params": {"seed": 6}}))
        await asyncio.wait_for(task, 600)
    return {
        "sent": sent + 1,
        "frames": len(frames),
        "skipped": skipped,
        "last_latency_ms": (frames[-1][0] - last_sent) * 1e3,
    }


async def _drain(ws) -> None:
    while True:
        await ws.recv()


async def _renders(ws, frames: int, seed: int) -> list[tuple[float, int]]:
    out = []
    for i in range(frames):
        await ws.send(json.dumps({"type": "render", "id": seed + i, "params": {"seed": seed + i}}))
        header, _ = await next_frame(ws)
        out.append((header["render_ms"], header["threads"]))
    return out


async def threads_both_ways(port: int, rounds: int, frames: int) -> dict[str, list[tuple[float, int]]]:
    """render_ms and threads per image with the GAN Lab session paused vs playing, alternating."""
    results: dict[str, list[tuple[float, int]]] = {"idle": [], "playing": []}
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/gan2d", max_size=2**26) as gan, \
            websockets.connect(f"ws://127.0.0.1:{port}/ws/stylegan3", max_size=2**26) as ws:
        await ws.recv()  # hello
        drain = asyncio.create_task(_drain(gan))  # the session's frames are not measured here
        await _renders(ws, 1, 999)  # build the demo, warm up
        for r in range(rounds):
            for state in ("idle", "playing"):
                await gan.send(json.dumps({"type": "play" if state == "playing" else "pause"}))
                await asyncio.sleep(1.0)  # the session's thread is busy (or idle) before the render starts
                results[state] += await _renders(ws, frames, 100 * r)
        await gan.send(json.dumps({"type": "pause"}))
        drain.cancel()
    return results


def _drag_params(control: str, step: int, seed: int) -> dict:
    """The params of the step-th position of a drag: psi sweeping, or the pad moving right.
    Each drag starts from its own seed, so no frame is in the prefix cache from an earlier one."""
    if control == "psi":
        return {"seed": seed, "truncation_psi": round(0.3 + 0.6 * ((step * 0.037) % 1), 4)}
    x = step * 0.05  # a twentieth of a seed per frame
    return {"seed": seed + int(x), "seed_offset": [round(x % 1, 4), 0.0], "truncation_psi": 0.7}


async def drag_once(ws, control: str, preview: bool, seconds: float, first_id: int, seed: int) -> dict:
    """Drag for `seconds` with the tab's policy (the next position is sent when a frame arrives),
    then release where the pointer is, as a person does: usually while a frame is still
    rendering. The tab sends the exact request at once when a preview is in flight (the server
    stops that preview), and after the frame in flight otherwise; time the exact frame."""
    frames, precisions, step = 0, set(), 0
    start = time.perf_counter()
    in_flight = False
    while (left := seconds - (time.perf_counter() - start)) > 0:
        if not in_flight:
            params = {**_drag_params(control, step, seed), "preview": preview}
            await ws.send(json.dumps({"type": "render", "id": first_id + step, "params": params}))
            in_flight, step = True, step + 1
        try:
            header, _ = await asyncio.wait_for(next_frame(ws), left)
        except TimeoutError:
            break  # released mid-frame
        frames += 1
        precisions.add(header["precision"])
        in_flight = False
    elapsed = time.perf_counter() - start
    released = time.perf_counter()
    if in_flight and not preview:  # an exact frame in flight is finished first (the tab holds the release)
        await next_frame(ws)
    release_id = first_id + step
    final = {**_drag_params(control, step - 1, seed), "preview": False}
    await ws.send(json.dumps({"type": "render", "id": release_id, "params": final}))
    while (header := (await next_frame(ws))[0])["id"] != release_id:
        pass  # the preview that was in flight, if it finished before it could give way
    return {
        "fps": frames / elapsed,
        "precisions": sorted(precisions),
        "release_ms": (time.perf_counter() - released) * 1e3,
        "release_render_ms": header["render_ms"],
        "release_precision": header["precision"],
    }


async def drag(port: int, rounds: int, seconds: float) -> dict[tuple[str, bool], list[dict]]:
    results: dict[tuple[str, bool], list[dict]] = {}
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stylegan3", max_size=2**26) as ws:
        await ws.recv()  # hello
        await _renders(ws, 1, 999)  # build the demo, warm up fp32
        await ws.send(json.dumps({"type": "render", "id": 998, "params": {"seed": 998, "preview": True}}))
        await next_frame(ws)  # warm up bf16
        next_id = 10_000
        for _ in range(rounds):
            for control in ("psi", "pad"):
                for preview in (True, False):
                    row = await drag_once(ws, control, preview, seconds, next_id, seed=next_id // 100)
                    next_id += 10_000
                    results.setdefault((control, preview), []).append(row)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", default="official", choices=["official", "tiny"])
    parser.add_argument("--frames", type=int, default=6, help="interactive frames to time")
    parser.add_argument("--images", type=int, default=3, help="PNGs to time over HTTP")
    parser.add_argument("--flood-s", type=float, default=10.0, help="seconds of 30 Hz requests")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads-both-ways", action="store_true", help="only: idle vs a playing session")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds for --threads-both-ways, --drag")
    parser.add_argument("--drag", action="store_true", help="only: dragging psi and the pad, bf16 previews or not")
    parser.add_argument("--drag-s", type=float, default=10.0, help="seconds of each drag")
    args = parser.parse_args()
    process, port = start_server({"GANLAB_SG3_DEMO": args.demo, "GANLAB_DEVICE": args.device})
    try:
        if args.drag:
            load = os.getloadavg()
            results = asyncio.run(drag(port, args.rounds, args.drag_s))
            print(f"demo={args.demo} device={args.device} {args.rounds} rounds x {args.drag_s:g} s, load before {load}")
            for (control, preview), rows in results.items():
                how = "bf16 previews" if preview else "fp32 frames  "
                fps = [r["fps"] for r in rows]
                release = [r["release_render_ms"] for r in rows]
                after = statistics.median(r["release_ms"] for r in rows)
                print(
                    f"drag {control:<3} {how}: {max(fps):.2f} frames/s best, {statistics.median(fps):.2f} median "
                    f"({'/'.join(rows[0]['precisions'])}); release frame {rows[-1]['release_precision']}, "
                    f"render {min(release):.0f} ms best, answered {after:.0f} ms after the release (median)"
                )
            print(f"load average after the run: {os.getloadavg()}")
            return
        if args.threads_both_ways:
            both = asyncio.run(threads_both_ways(port, args.rounds, args.frames))
            print(f"demo={args.demo} device={args.device} cores={len(os.sched_getaffinity(0))}")
            for state, rows in both.items():
                best = min(ms for ms, _ in rows)
                median = statistics.median(ms for ms, _ in rows)
                threads = sorted({t for _, t in rows})
                print(f"GAN Lab session {state:<8} threads {threads}: best {best:.0f} ms/img, median {median:.0f} ms")
            print(f"load average after the run: {os.getloadavg()}")
            return
        http_png(port, 12345)  # builds the demo and warms up
        pngs = [http_png(port, seed) for seed in range(args.images)]
        print(f"demo={args.demo} device={args.device} cpus={os.cpu_count()}")
        trip, render = statistics.median(p[0] for p in pngs), statistics.median(p[1] for p in pngs)
        kb = statistics.mean(p[2] for p in pngs) / 1024
        print(f"HTTP PNG: round trip {trip:.0f} ms, render {render:.0f} ms, {kb:.0f} KB")
        live = asyncio.run(interactive(port, args.frames))
        print(
            f"WS interactive: {live['fps']:.2f} frames/s, latency {live['latency_ms']:.0f} ms, "
            f"render {live['render_ms']:.0f} ms, JPEG {live['jpeg_kb']:.1f} KB"
        )
        b = asyncio.run(flood(port, args.flood_s))
        print(
            f"WS flood at 30 Hz for {args.flood_s:g} s: {b['sent']} requests -> {b['frames']} frames, "
            f"{b['skipped']} stale dropped, last request answered after {b['last_latency_ms']:.0f} ms"
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
