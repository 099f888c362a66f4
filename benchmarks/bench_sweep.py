"""Sweep throughput: runs per minute with 1 worker vs 2 workers, in one process.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 16] [--epochs 6000] [--workers 2]

Both measurements run the same configs (GAN Lab's preset on ring8, distinct seeds) through
`run_sweep` into fresh temporary directories, with the reports off so only training is
timed. One worker runs in this process; more workers use the spawn process pool, so the
parallel figure includes the pool's start-up (each worker imports torch once).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def measure(runs: int, epochs: int, workers: int) -> float:
    """Runs per minute for one fresh sweep of `runs` configs on `workers` workers."""
    from ganlab.gan2d.sweep import SweepSpec, run_sweep

    spec = SweepSpec(dataset="ring8", grid={"d_lr": ["0.1"]}, seeds=runs, epochs=epochs, every=epochs)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        outcome = run_sweep(spec, out, workers=workers, reports=False)
        elapsed = time.perf_counter() - start
    assert outcome.executed == runs
    return 60.0 * runs / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"{args.runs} runs x {args.epochs} epochs (gan_lab preset, ring8); {os.cpu_count()} cores; "
          f"python {sys.version.split()[0]}, torch {torch.__version__}")
    # Other processes on the machine take cores from the pool: show the load so a low ratio
    # can be told apart from a slow pool.
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    serial = measure(args.runs, args.epochs, 1)
    print(f"1 worker : {serial:7.1f} runs/min")
    parallel = measure(args.runs, args.epochs, args.workers)
    print(f"{args.workers} workers: {parallel:7.1f} runs/min")
    print(f"speed-up : {parallel / serial:.2f}x   (load average after: {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
