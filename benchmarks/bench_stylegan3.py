"""StyleGAN3 generator speed and memory: ganlab fast path vs ganlab reference path (vs official code).

Builds official-shaped configs with random weights and reports, per config and implementation,
ms per image at batch 1, images/s, peak memory and achieved GFLOP/s against a plain fp32 matmul
measured in the same run. Each measurement runs in its own subprocess so peak memory (max RSS
on CPU, max allocated on CUDA) belongs to that implementation alone.

    .venv/bin/python benchmarks/bench_stylegan3.py                       # 256-T, fast vs ref, CPU
    .venv/bin/python benchmarks/bench_stylegan3.py --configs 256t,1024t,1024r --repeats 2
    GANLAB_SG3_OFFICIAL=/path/to/stylegan3[:/path/to/shims] .venv/bin/python benchmarks/bench_stylegan3.py

GANLAB_SG3_OFFICIAL (os.pathsep-separated) is prepended to sys.path in the worker to import
NVIDIA's `training.networks_stylegan3` from a scratch checkout; its CPU fallback ops are timed
with our weights copied in. Nothing from that checkout is imported by ganlab itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BASE = dict(z_dim=512, c_dim=0, w_dim=512, img_channels=3, mapping_kwargs=dict(num_layers=2))
CONFIGS = {
    "256t": dict(BASE, img_resolution=256, channel_base=16384, channel_max=512),
    "1024t": dict(BASE, img_resolution=1024, channel_base=32768, channel_max=512),
    "1024r": dict(
        BASE,
        img_resolution=1024,
        channel_base=65536,
        channel_max=1024,
        conv_kernel=1,
        use_radial_filters=True,
    ),
}


def model_macs(G) -> float:
    """Multiply-accumulates of one forward: convs plus non-zero filter taps (polyphase count)."""
    total = 0.0
    for name in G.synthesis.layer_names:
        layer = getattr(G.synthesis, name)
        s, k = layer.spec, layer.conv_kernel
        conv = s.in_size + k - 1
        total += s.in_channels * s.out_channels * k * k * conv * conv
        up_len, out = conv * layer.up_factor, s.out_size
        taps_u = layer.up_taps / layer.up_factor
        total += s.out_channels * (conv * up_len + up_len * up_len) * taps_u if layer.up_taps > 1 else 0
        if layer.down_radial:  # 2-D filter evaluated at the kept samples only
            total += s.out_channels * out * out * layer.down_taps**2
        elif layer.down_taps > 1:  # separable: along W at full height, then along H
            total += s.out_channels * (up_len * out + out * out) * layer.down_taps
    c = G.synthesis.input.channels
    return total + c * c * G.synthesis.input.size[0] ** 2


def matmul_gflops(device: str) -> float:
    import torch

    a = torch.randn(2048, 2048, device=device)
    a @ a
    _sync(device)
    t = time.perf_counter()
    for _ in range(5):
        a @ a
    _sync(device)
    return 5 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _official_generator(kwargs: dict, ours):
    for path in reversed(os.environ["GANLAB_SG3_OFFICIAL"].split(os.pathsep)):
        sys.path.insert(0, path)
    from training.networks_stylegan3 import Generator as Official  # the scratch checkout

    G = Official(**kwargs).eval().requires_grad_(False)
    G.load_state_dict(ours.state_dict(), strict=True)
    return G


def worker(config: str, impl: str, repeats: int, device: str, fp16: bool) -> dict:
    """One measurement in this process; returns a JSON-able dict."""
    import torch

    from ganlab.stylegan3.networks import Generator

    torch.manual_seed(0)
    G = Generator(**CONFIGS[config]).eval().requires_grad_(False)
    macs = model_macs(G)
    if impl == "official":
        G = _official_generator(CONFIGS[config], G)
    else:
        G.set_impl(impl)
    G = G.to(device)
    z = torch.randn(1, 512, device=device)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with torch.no_grad():
        G(z, None, force_fp32=not fp16)  # warm-up: builds filter matrices, cuDNN plans
        _sync(device)
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        for _ in range(repeats):
            G(z, None, force_fp32=not fp16)
        _sync(device)
        sec = (time.perf_counter() - t) / repeats
    peak = (
        torch.cuda.max_memory_allocated() / 2**20
        if device.startswith("cuda")
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base_rss
    )
    return dict(
        config=config,
        impl=impl + ("-fp16" if fp16 else ""),
        ms=sec * 1e3,
        img_s=1 / sec,
        peak_mb=peak,
        gflops=2 * macs / sec / 1e9,
        tflop=2 * macs / 1e12,
    )


def run_worker(args, config: str, impl: str, fp16: bool = False) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        config,
        impl,
        "--repeats",
        str(args.repeats),
        "--threads",
        str(args.threads),
        "--device",
        args.device,
    ] + (["--fp16"] if fp16 else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", default="256t", help="comma list of " + ",".join(CONFIGS))
    ap.add_argument("--impls", default="fast,ref", help="fast,ref and, with GANLAB_SG3_OFFICIAL, official")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--fp16", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.repeats, args.device, args.fp16)))
        return 0
    impls = args.impls.split(",")
    if "official" not in impls and os.environ.get("GANLAB_SG3_OFFICIAL"):
        impls.append("official")
    peak = matmul_gflops(args.device)
    print(
        f"device {args.device}, {args.threads} threads, torch {torch.__version__}, "
        f"fp32 matmul {peak:.0f} GFLOP/s (2048^2, this run)"
    )
    print(f"{'config':<7}{'impl':<14}{'ms/img':>10}{'img/s':>8}{'peak MB':>9}{'GFLOP/s':>9}{'% mm':>6}")
    for config in args.configs.split(","):
        rows = [run_worker(args, config, impl) for impl in impls]
        if args.device.startswith("cuda"):
            rows.append(run_worker(args, config, "fast", fp16=True))
        for r in rows:
            print(
                f"{config:<7}{r['impl']:<14}{r['ms']:>10.0f}{r['img_s']:>8.3f}{r['peak_mb']:>9.0f}"
                f"{r['gflops']:>9.1f}{100 * r['gflops'] / peak:>6.0f}"
            )
        ref = next((r for r in rows if r["impl"] == "ref"), None)
        for r in rows:
            if ref and r is not ref:
                print(f"  {config} {r['impl']}: {ref['ms'] / r['ms']:.2f}x the speed of ref")
    print(f"load average during run: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
