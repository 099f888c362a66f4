"""Engine speed at the gan_lab preset on one thread: epochs/s of the fast numpy path against
the PyTorch autograd reference path (the baseline, run in the same process), the cost of one
full set of visual fields, and the cost of the metrics.

    .venv/bin/python benchmarks/bench_engine.py [--seconds 5]

GAN Lab itself, measured on the same kind of machine in headless Chromium, trains about 30
epochs/s in normal play and 60–110 epochs/s with its frame pacing removed
(shared/reference/ganlab.md §3); the ratios against those are printed too.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganlab.gan2d import Trainer, from_preset
from ganlab.gan2d.threads import single_thread

GAN_LAB_PLAY = 30.0  # epochs/s, GAN Lab's normal play on this machine
GAN_LAB_UNPACED = 110.0  # epochs/s, GAN Lab's best unpaced figure (tfjs CPU backend)


def epochs_per_s(backend: str, seconds: float, **overrides) -> float:
    t = Trainer(from_preset("gan_lab", overrides), backend=backend)
    t.train(200)  # warm-up: first pool draws, allocator
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        t.train(200)
        done += 200
    return done / (time.perf_counter() - start)


def per_call_ms(fn, seconds: float) -> float:
    fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    args = ap.parse_args()
    single_thread()
    print(f"torch {torch.__version__}, 1 thread, gan_lab preset (batch 150, 2x8 MLPs, k_D=2, k_G=1)")
    ref = epochs_per_s("torch", args.seconds)
    fast = epochs_per_s("numpy", args.seconds)
    print(f"reference (torch autograd): {ref:8.0f} epochs/s")
    print(f"fast (numpy):               {fast:8.0f} epochs/s  = {fast / ref:.1f}x reference, "
          f"{fast / GAN_LAB_PLAY:.0f}x GAN Lab play, {fast / GAN_LAB_UNPACED:.0f}x GAN Lab unpaced")
    for name, kw in (("noise_dim=256", {"noise_dim": 256}), ("64-wide, batch 512", {"g_width": 64, "d_width": 64,
                                                                                   "batch_size": 512})):
        print(f"fast, {name:24} {epochs_per_s('numpy', args.seconds / 2, **kw):8.0f} epochs/s")
    t = Trainer(from_preset("gan_lab"))
    t.train(500)
    print(f"one set of visual fields (64x64 D grid, 21x21 manifold, 300 fakes + arrows): "
          f"{per_call_ms(t.fields, args.seconds / 2):.2f} ms")
    print(f"metrics (KL/JS on 2,500 fixed fakes + mode metrics): {per_call_ms(t.metrics, args.seconds / 2):.2f} ms")


if __name__ == "__main__":
    main()
