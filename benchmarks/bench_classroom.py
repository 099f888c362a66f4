"""Classroom benchmark: N real websocket clients on one `ganlab serve`, as a class of students would.

Each client opens a GAN Lab session at the default (GAN Lab) settings, plays, and sends a `set`
(a learning rate) every few seconds, timing its reply. By default it trains as fast as the CPU
allows (the worst case for the server); `--speed 100` sends the page's own default speed cap
(100 epochs/s) first, as a real class would. For each N it reports the frame rate the server
set, per-session frames/s and epochs/s (the slowest and the mean), the worst `set` reply, and
the server's resident memory (web process plus its worker processes). With `--baseline` the
same counts also run with GANLAB_WORKERS=0 (every session in the web process, on one core),
and the ratios are printed. Usage:

    nice -n 10 python benchmarks/bench_classroom.py --sessions 1,10,20,30,40 --seconds 20 --baseline

The soak test is the same with one count held long: `--sessions 30 --seconds 600`. Its row
then shows the memory at the start and end of the measured window and the worst gap between
two frames any client saw (a stall). The clients share the server's cores here, where a real
class brings its own machines, so the server runs at `--server-nice` 5 by default: otherwise
a starved client's own pauses would be counted as the server's stalls.
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
import threading
import time
from pathlib import Path

import websockets

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from ganlab.server.gan2d.frames import decode_frame  # noqa: E402


def start_server(max_sessions: int, workers: int | None, server_nice: int) -> tuple[subprocess.Popen, int]:
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    env = {**os.environ, "GANLAB_MAX_SESSIONS": str(max_sessions), "PYTHONPATH": str(REPO)}
    if workers is not None:
        env["GANLAB_WORKERS"] = str(workers)
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ganlab", "serve", "--port", "0", "--log-level", "info"],
            cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.nice(server_nice)) if server_nice else None,
        )
    for _ in range(1200):
        match = re.search(rb"Uvicorn running on http://[^:]+:(\d+)", log.read_bytes())
        if match:
            return proc, int(match.group(1))
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(log.read_text())


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


async def student(port: int, seconds: float, warmup_s: float, set_every_s: float, speed: float | None) -> dict:
    url = f"ws://127.0.0.1:{port}/ws/gan2d"
    async with websockets.connect(url, max_size=None, compression=None, open_timeout=60) as ws:
        if speed is not None:
            await ws.send(json.dumps({"type": "speed", "max_epochs_per_s": speed, "slow_motion": False}))
        pending: dict[float, float] = {}  # d_lr sent -> when
        replies: list[float] = []
        frames, first, last, gap, previous, announced = 0, None, None, 0.0, None, float("nan")
        await ws.send(json.dumps({"type": "play"}))
        start = time.monotonic()
        next_set, lr = start + warmup_s, 0.1
        while (now := time.monotonic()) < start + warmup_s + seconds:
            if now >= next_set:
                lr = 0.05 if lr == 0.1 else 0.1
                pending[lr] = time.monotonic()
                await ws.send(json.dumps({"type": "set", "params": {"d_lr": lr}}))
                next_set = now + set_every_s
            try:
                wait_s = max(0.01, min(next_set, start + warmup_s + seconds) - now)
                raw = await asyncio.wait_for(ws.recv(), timeout=wait_s)
            except TimeoutError:
                continue
            if isinstance(raw, bytes):
                if time.monotonic() >= start + warmup_s:
                    header, _ = decode_frame(raw)
                    frames += 1
                    gap = max(gap, time.monotonic() - previous) if previous else gap
                    previous = time.monotonic()
                    first = first or (time.monotonic(), header["epoch"])
                    last = (time.monotonic(), header["epoch"])
                    announced = header.get("frame_hz", float("nan"))
            else:
                message = json.loads(raw)
                if message["type"] == "params" and message["params"]["d_lr"] in pending:
                    replies.append(time.monotonic() - pending.pop(message["params"]["d_lr"]))
    span = (last[0] - first[0]) if first and last and last[0] > first[0] else float("nan")
    return {
        "fps": frames / seconds,
        "eps": (last[1] - first[1]) / span if span == span else 0.0,
        "worst_set_ms": 1000 * max(replies) if replies else float("nan"),
        "unanswered": len(pending),
        "gap_s": gap,
        "announced_hz": announced,
    }


async def classroom(port: int, n: int, seconds: float, speed: float | None) -> list[dict]:
    return await asyncio.gather(*(student(port, seconds, 3.0, 3.0, speed) for _ in range(n)))


def _sample_rss(pid: int, samples: list[float], seconds: float) -> None:
    """RSS every 2 s while a count runs (the second sample is after the warm-up)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append(tree_rss_mb(pid))
        time.sleep(2.0)


def measure(counts: list[int], seconds: float, workers: int | None, speed: float | None,
            server_nice: int) -> dict[int, dict]:
    proc, port = start_server(sum(counts) + 5, workers, server_nice)  # closed sessions linger for their grace period
    out = {}
    try:
        for n in counts:
            samples: list[float] = []
            sampler = threading.Thread(target=_sample_rss, args=(proc.pid, samples, 3.0 + seconds), daemon=True)
            sampler.start()
            rows = asyncio.run(classroom(port, n, seconds, speed))
            sampler.join()
            out[n] = {
                "min_fps": min(r["fps"] for r in rows), "mean_fps": statistics.mean(r["fps"] for r in rows),
                "min_eps": min(r["eps"] for r in rows), "mean_eps": statistics.mean(r["eps"] for r in rows),
                "worst_set_ms": max(r["worst_set_ms"] for r in rows), "rss_mb": tree_rss_mb(proc.pid),
                "unanswered": sum(r["unanswered"] for r in rows),
                "rss_start_mb": samples[min(len(samples) - 1, 1)] if samples else float("nan"),
                "worst_gap_s": max(r["gap_s"] for r in rows),
                "announced_hz": statistics.mean(r["announced_hz"] for r in rows),
            }
            time.sleep(1.0)  # detached sessions pause at once; they linger only as memory
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def print_table(title: str, rows: dict[int, dict], baseline: dict[int, dict] | None = None) -> None:
    print(f"\n{title}")
    head = ("| sessions | frames/s set | min fps | mean fps | min ep/s | mean ep/s | worst set (ms) "
            "| worst frame gap (s) | RSS start → end (MB) |")
    print(head + (" fps vs one process | ep/s vs one process |" if baseline else ""))
    print("|" + "---|" * (9 + (2 if baseline else 0)))
    for n, r in rows.items():
        line = (f"| {n} | {r['announced_hz']:.1f} | {r['min_fps']:.1f} | {r['mean_fps']:.1f} "
                f"| {r['min_eps']:.0f} | {r['mean_eps']:.0f} "
                f"| {r['worst_set_ms']:.0f} | {r['worst_gap_s']:.2f} | {r['rss_start_mb']:.0f} → {r['rss_mb']:.0f} |")
        if baseline and n in baseline:
            b = baseline[n]
            fps_ratio = r["mean_fps"] / max(b["mean_fps"], 1e-9)
            line += f" {fps_ratio:.2f}x | {r['mean_eps'] / max(b['mean_eps'], 1e-9):.2f}x |"
        print(line + (f"  ({r['unanswered']} set unanswered)" if r["unanswered"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10,20,30,40")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=None, help="GANLAB_WORKERS (default: one per core)")
    parser.add_argument("--baseline", action="store_true", help="also run with GANLAB_WORKERS=0 and print ratios")
    parser.add_argument("--server-nice", type=int, default=5,
                        help="run the server this much nicer than the clients (default 5): the clients stand in "
                        "for a class's own machines, so they must not be starved by the server they measure; "
                        "0 gives both the same priority")
    parser.add_argument("--speed", type=float, default=None,
                        help="epochs/s cap each client asks for (the page's default is 100); default: full speed")
    args = parser.parse_args()
    counts = [int(c) for c in args.sessions.split(",")]
    speed = f"{args.speed:g} epochs/s" if args.speed else "full speed"
    print(f"cores: {os.cpu_count()}, clients train at {speed}, server nice +{args.server_nice} relative to the "
          f"clients, load average before: {os.getloadavg()[0]:.2f}")
    pool = measure(counts, args.seconds, args.workers, args.speed, args.server_nice)
    baseline = measure(counts, args.seconds, 0, args.speed, args.server_nice) if args.baseline else None
    print_table(f"worker pool (GANLAB_WORKERS={args.workers or os.cpu_count()})", pool, baseline)
    if baseline:
        print_table("all sessions in the web process (GANLAB_WORKERS=0)", baseline)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
