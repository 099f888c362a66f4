"""StyleGAN2 generator speed on the CPU: ganlab (fused and unfused modulated conv) vs NVIDIA's official code.

Builds official-shaped StyleGAN2 configs (NGC's 256 and 1024 FFHQ networks: 8 mapping layers,
channel_base 16384 / 32768, channel_max 512) with random weights and reports ms per image at
batch 1 with noise_mode const. All implementations run in one process, interleaved round by
round (the order rotating), each keeping its fastest round, so load from other processes hits them alike.

    .venv/bin/python benchmarks/bench_stylegan2.py --configs 256
    GANLAB_SG3_OFFICIAL=/path/to/stylegan3[:/path/to/shims] .venv/bin/python benchmarks/bench_stylegan2.py \\
        --configs 256,1024 --rounds 1

GANLAB_SG3_OFFICIAL (os.pathsep-separated, the same variable as bench_stylegan3.py) is prepended
to sys.path to import NVIDIA's `training.networks_stylegan2` from a scratch checkout; our weights
are copied into it. Nothing from that checkout is imported by ganlab itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BASE = dict(
    z_dim=512,
    c_dim=0,
    w_dim=512,
    img_channels=3,
    mapping_kwargs=dict(num_layers=8),
    channel_max=512,
    num_fp16_res=4,
    conv_clamp=256,
)
CONFIGS = {
    "256": dict(BASE, img_resolution=256, channel_base=16384),
    "1024": dict(BASE, img_resolution=1024, channel_base=32768),
}


def model_macs(G) -> float:
    """Multiply-accumulates of the convolutions in one forward (the filters add about 1%)."""
    total = 0.0
    syn = G.synthesis
    for name in syn.layer_names:
        layer = syn.get_submodule(name)
        res = syn.get_submodule(name.split(".")[0]).resolution
        k = layer.weight.shape[-1]
        in_res = res // getattr(layer, "up", 1)
        total += layer.weight.shape[0] * layer.weight.shape[1] * k * k * in_res * in_res
    return total


def build(config: str, impl: str, ours=None):
    import torch

    from ganlab.stylegan3.networks_stylegan2 import Generator

    if ours is None:
        torch.manual_seed(0)
        ours = Generator(**CONFIGS[config]).eval().requires_grad_(False)
    if impl != "official":
        return ours
    for path in reversed(os.environ["GANLAB_SG3_OFFICIAL"].split(os.pathsep)):
        sys.path.insert(0, path)
    from training.networks_stylegan2 import Generator as Official  # the scratch checkout

    G = Official(**CONFIGS[config]).eval().requires_grad_(False)
    G.load_state_dict(ours.state_dict(), strict=True)
    return G


def forward_s(G, z, impl: str) -> float:
    import torch

    fused = impl != "ganlab-unfused"
    with torch.no_grad():
        t = time.perf_counter()
        G(z, None, noise_mode="const", force_fp32=True, fused_modconv=fused)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", default="256", help="comma list of " + ",".join(CONFIGS))
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds after one warm-up (the minimum is kept)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    impls = ["ganlab", "ganlab-unfused"] + (["official"] if os.environ.get("GANLAB_SG3_OFFICIAL") else [])
    print(f"cpu, {args.threads} threads, torch {torch.__version__}, min of {args.rounds} interleaved rounds")
    print(f"{'config':<8}{'impl':<16}{'ms/img':>10}{'img/s':>8}{'GMAC':>8}")
    for config in args.configs.split(","):
        ours = build(config, "ganlab")
        models = {impl: build(config, impl, ours) for impl in impls}
        z = torch.randn(1, 512)
        best = dict.fromkeys(impls, float("inf"))
        for round_idx in range(args.rounds + 1):
            for impl in impls[round_idx % len(impls) :] + impls[: round_idx % len(impls)]:  # rotate who goes first
                sec = forward_s(models[impl], z, impl)
                if round_idx:
                    best[impl] = min(best[impl], sec)
        macs = model_macs(ours) / 1e9
        for impl, sec in best.items():
            print(f"SG2-{config:<4}{impl:<16}{sec * 1e3:>10.0f}{1 / sec:>8.3f}{macs:>8.1f}")
        if "official" in best:
            print(f"  SG2-{config} ganlab: {best['official'] / best['ganlab']:.2f}x the speed of official")
    print(f"load average after the run: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
