"""StyleGAN3 generator speed and memory: ganlab fast path vs ganlab reference path (vs official code).

Builds official-shaped configs with random weights and reports, per config and implementation,
ms per image at batch 1, images/s, peak memory and achieved GFLOP/s against a plain fp32 matmul
measured in the same run. Timing runs all implementations in one process, interleaved round by
round, and keeps each one's fastest round, so load from other processes hits them alike. Peak
memory (growth of the resident set during the forward on CPU, max allocated on CUDA) is
measured in a fresh subprocess per implementation, so it belongs to that implementation alone.

    .venv/bin/python benchmarks/bench_stylegan3.py                       # 256-T, fast vs ref, CPU
    .venv/bin/python benchmarks/bench_stylegan3.py --configs 256t,1024t,1024r --rounds 3
    nice -n 5 .venv/bin/python benchmarks/bench_stylegan3.py --speed --configs demo,256t,256r,512t,512r \
        --rounds 2 --json /tmp/sg3-speed.json                            # interactive cases, below

`--speed` times what the tab does while you work, per config and interleaved round by round:
fp32 (the exact frame), bf16 (a drag preview), "mix 8+" with the prefix cache holding the
unmixed image's stages, and a layer view with and without the cache; every ratio is against
fp32 in the same run. It also reports the bf16 error against fp32 over the rounds' seeds: max
abs difference relative to the fp32 image's range, and PSNR on that range and on uint8.
`demo` is ganlab's 256-T demo network (ganlab/stylegan3/demo.py: ToRGB stretched to use the
range); the other configs keep the random init, so their images span a smaller range.
`benchmarks/plot_stylegan3_speed.py` draws the JSON files as docs/stylegan3-speed.png.
    GANLAB_SG3_OFFICIAL=/path/to/stylegan3[:/path/to/shims] .venv/bin/python benchmarks/bench_stylegan3.py

GANLAB_SG3_OFFICIAL (os.pathsep-separated) is prepended to sys.path in the worker to import
NVIDIA's `training.networks_stylegan3` from a scratch checkout; its CPU fallback ops are timed
with our weights copied in. Nothing from that checkout is imported by ganlab itself.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BASE = dict(z_dim=512, c_dim=0, w_dim=512, img_channels=3, mapping_kwargs=dict(num_layers=2))
# Official shapes: train.py doubles channel_base and channel_max for R.
CONFIGS = {
    "256t": dict(BASE, img_resolution=256, channel_base=16384, channel_max=512),
    "256r": dict(
        BASE, img_resolution=256, channel_base=32768, channel_max=1024, conv_kernel=1, use_radial_filters=True
    ),
    "512t": dict(BASE, img_resolution=512, channel_base=32768, channel_max=512),
    "512r": dict(
        BASE, img_resolution=512, channel_base=65536, channel_max=1024, conv_kernel=1, use_radial_filters=True
    ),
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


def build(config: str, impl: str, device: str, ours=None):
    """Generator for one implementation; "official" copies the weights of `ours`."""
    import torch

    from ganlab.stylegan3.networks import Generator

    if ours is None and config == "demo":
        from ganlab.stylegan3.demo import build_demo_generator

        ours = build_demo_generator()
    if ours is None:
        torch.manual_seed(0)
        ours = Generator(**CONFIGS[config]).eval().requires_grad_(False)
    G = _official_generator(CONFIGS[config], ours) if impl == "official" else ours.set_impl(impl)
    return G.to(device)


def forward_s(G, z, device: str, fp16: bool) -> float:
    import torch

    with torch.no_grad():
        t = time.perf_counter()
        G(z, None, force_fp32=not fp16)
        _sync(device)
    return time.perf_counter() - t


def _proc_status_kb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    raise KeyError(field)


def peak_worker(config: str, impl: str, device: str, fp16: bool) -> float:
    """Peak memory (MB) of one forward in a fresh process: growth of the resident set over its
    level before the forward (Linux peak-RSS reset), or CUDA max allocated."""
    import torch

    G = build(config, impl, device)
    z = torch.randn(1, 512, device=device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        forward_s(G, z, device, fp16)
        return torch.cuda.max_memory_allocated() / 2**20
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM so it measures the forward, not the model build
    before = _proc_status_kb("VmRSS")
    forward_s(G, z, device, fp16)
    return (_proc_status_kb("VmHWM") - before) / 1024


def peak_mb(args, config: str, impl: str, fp16: bool) -> float:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        config,
        impl,
        "--threads",
        str(args.threads),
        "--device",
        args.device,
    ] + (["--fp16"] if fp16 else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return float(proc.stdout.strip().splitlines()[-1])


def time_config(args, config: str, variants: list[tuple[str, bool]]) -> dict:
    """Min seconds per image for each (impl, fp16), with the variants interleaved round by round
    so that load from other processes hits them all alike."""
    import torch

    ours = build(config, "fast", args.device)
    official = (
        build(config, "official", args.device, ours) if any(v[0] == "official" for v in variants) else None
    )
    z = torch.randn(1, 512, device=args.device)
    best = {v: float("inf") for v in variants}
    for round_idx in range(args.rounds + 1):  # round 0 warms up (filter matrices, allocator)
        for impl, fp16 in variants:
            G = official if impl == "official" else ours.set_impl(impl)
            sec = forward_s(G, z, args.device, fp16)
            if round_idx:
                best[(impl, fp16)] = min(best[(impl, fp16)], sec)
    return best


SPEED_CASES = ("fp32", "bf16", "mix 8+ cached", "layer uncached", "layer cached")


def _image_errors(ref, test) -> dict:
    """bf16-vs-fp32 error of one image: max abs / range of the fp32 image, PSNR on that range, uint8 PSNR."""
    import numpy as np

    from ganlab.stylegan3.render import to_uint8

    ref, test = ref.double(), test.double()
    span = float(ref.max() - ref.min())
    mse = float((ref - test).square().mean())
    u8 = (to_uint8(ref.float()).astype(np.float64) - to_uint8(test.float()).astype(np.float64)) ** 2
    return {
        "max_abs_rel": float((ref - test).abs().max()) / span,
        "psnr_range_db": 10 * np.log10(span**2 / mse),
        "psnr_u8_db": 10 * np.log10(255**2 / max(u8.mean(), 1e-12)),
        "u8_max_abs": float(np.sqrt(u8.max())),
        "range": span,
    }


def speed_config(args, config: str) -> dict:
    """Min ms per image of each interactive case, interleaved round by round, and bf16 errors."""
    import torch

    from ganlab.stylegan3.prefix_cache import PrefixCache
    from ganlab.stylegan3.render import capture_layer, mix_styles, seed_ws, synthesize

    G = build(config, "fast", args.device)
    names = G.synthesis.stage_names()
    layer = names[len(names) // 2]  # a middle layer, as a layer view would show
    cache = PrefixCache(G, 8 * 2**30)  # big enough to hold every stage: the time of a hit is measured
    cases = args.cases.split(",")
    best = {case: float("inf") for case in cases}
    errors = []

    def timed(fn, *fn_args, **fn_kwargs):
        t = time.perf_counter()
        out = fn(*fn_args, **fn_kwargs)
        _sync(args.device)
        return time.perf_counter() - t, out

    for round_idx in range(args.rounds + 1):  # round 0 warms up (filter matrices, oneDNN kernels)
        ws = seed_ws(G, round_idx, 0.7)
        mixed = mix_styles(ws, seed_ws(G, 1000 + round_idx, 0.7), range(8, G.num_ws))
        cache.clear()
        sec = {}
        sec["fp32"], ref = timed(synthesize, G, ws)
        sec["bf16"], low = timed(synthesize, G, ws, compute_dtype=torch.bfloat16)
        if "mix 8+ cached" in cases or "layer cached" in cases:
            synthesize(G, ws, cache=cache)  # the unmixed image, as shown before the mix change
        if "mix 8+ cached" in cases:
            sec["mix 8+ cached"], _ = timed(synthesize, G, mixed, cache=cache)
        if "layer uncached" in cases:
            sec["layer uncached"], _ = timed(capture_layer, G, ws, layer)
        if "layer cached" in cases:
            sec["layer cached"], _ = timed(capture_layer, G, ws, layer, cache=cache)
        if round_idx:
            errors.append(_image_errors(ref, low))
            for case in cases:
                best[case] = min(best[case], sec[case])
    worst = {key: (min if key.startswith("psnr") else max)(e[key] for e in errors) for key in errors[0]}
    return {"config": config, "layer": layer, "ms": {k: v * 1e3 for k, v in best.items()}, "errors": worst}


def _cell(ms: float, ratio: float) -> str:
    """'  9697   1.8x'; a cache hit's few ms get a decimal, and ratios past 999 read '>999x'."""
    speed = f"{ratio:>5.1f}x" if ratio < 999 else " >999x"
    return f"{ms:>9.1f} {speed}" if ms < 10 else f"{ms:>9.0f} {speed}"


def speed_main(args) -> int:
    import json

    import torch

    if not {"fp32", "bf16"} <= set(args.cases.split(",")) <= set(SPEED_CASES):
        raise SystemExit(f"--cases must include fp32 and bf16 and only name {', '.join(SPEED_CASES)}")
    load_before = os.getloadavg()
    print(
        f"device {args.device}, {args.threads} threads, torch {torch.__version__}, "
        f"min of {args.rounds} interleaved rounds, load average before {load_before}"
    )
    cases = args.cases.split(",")
    print(f"{'config':<7}" + "".join(f"{c:>16}" for c in cases) + "   (ms/img; x = speed-up over fp32)")
    rows = []
    for config in args.configs.split(","):
        row = speed_config(args, config)
        row["load"] = os.getloadavg()
        rows.append(row)
        ms, fp32 = row["ms"], row["ms"]["fp32"]
        cells = "".join(f"{ms[c]:>16.0f}" if c == "fp32" else _cell(ms[c], fp32 / ms[c]) for c in cases)
        e = row["errors"]
        print(f"{config:<7}{cells}")
        print(
            f"  {config} bf16 vs fp32 (worst of {args.rounds} seeds): max abs {e['max_abs_rel'] * 100:.2f}% of "
            f"the image range ({e['range']:.2f}), PSNR {e['psnr_range_db']:.1f} dB on that range, "
            f"{e['psnr_u8_db']:.1f} dB on uint8 (max {e['u8_max_abs']:.0f} levels); layer view = {row['layer']}; "
            f"load {tuple(round(x, 1) for x in row['load'])}"
        )
    print(f"load average after the run: {os.getloadavg()}")
    if args.json:
        meta = {"threads": args.threads, "torch": torch.__version__, "rounds": args.rounds, "load_before": load_before}
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
        print(f"wrote {args.json}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", default="256t", help="comma list of " + ",".join(CONFIGS))
    ap.add_argument("--impls", default="fast,ref", help="fast,ref and, with GANLAB_SG3_OFFICIAL, official")
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds (the minimum is reported)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-memory", action="store_true", help="skip the per-implementation memory runs")
    ap.add_argument("--speed", action="store_true", help="interactive cases: fp32, bf16, prefix cache")
    ap.add_argument(
        "--cases", default=",".join(SPEED_CASES), help="with --speed: a comma list of " + ",".join(SPEED_CASES)
    )
    ap.add_argument("--json", help="with --speed: write the results here (for plot_stylegan3_speed.py)")
    ap.add_argument("--fp16", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.worker:
        print(peak_worker(*args.worker, args.device, args.fp16))
        return 0
    if args.speed:
        return speed_main(args)
    impls = args.impls.split(",")
    if "official" not in impls and os.environ.get("GANLAB_SG3_OFFICIAL"):
        impls.append("official")
    variants = [(impl, False) for impl in impls]
    if args.device.startswith("cuda"):
        variants.append(("fast", True))
    peak = matmul_gflops(args.device)
    print(
        f"device {args.device}, {args.threads} threads, torch {torch.__version__}, "
        f"fp32 matmul {peak:.0f} GFLOP/s (2048^2, this run), min of {args.rounds} interleaved rounds"
    )
    print(f"{'config':<7}{'impl':<14}{'ms/img':>10}{'img/s':>8}{'peak MB':>9}{'GFLOP/s':>9}{'% mm':>6}")
    for config in args.configs.split(","):
        flop = 2 * model_macs(build(config, "fast", "cpu"))
        best = time_config(args, config, variants)
        for (impl, fp16), sec in best.items():
            mem = float("nan") if args.no_memory else peak_mb(args, config, impl, fp16)
            name = impl + ("-fp16" if fp16 else "")
            print(
                f"{config:<7}{name:<14}{sec * 1e3:>10.0f}{1 / sec:>8.3f}{mem:>9.0f}"
                f"{flop / sec / 1e9:>9.1f}{100 * flop / sec / 1e9 / peak:>6.0f}"
            )
        ref = best.get(("ref", False))
        for (impl, fp16), sec in best.items():
            if ref and impl != "ref":
                print(f"  {config} {impl}{'-fp16' if fp16 else ''}: {ref / sec:.2f}x the speed of ref")
        print(f"  {config}: {flop / 1e12:.3f} TFLOP per image (convs + non-zero filter taps)")
    print(f"load average after the run: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
