"""`ganlab stylegan3 generate | convert | info`: StyleGAN3 images, safe conversion, model summary.

torch and the generator are imported inside the handlers so `ganlab --help` stays fast.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path


def parse_seeds(text: str) -> list[int]:
    """'0-3,7' -> [0, 1, 2, 3, 7] (official gen_images syntax)."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            seeds.extend(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    if not seeds:
        raise argparse.ArgumentTypeError("no seeds given")
    return seeds


def parse_pair(text: str) -> tuple[float, float]:
    """'0.1,-0.2' -> (0.1, -0.2)."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y, got {text!r}")
    return float(parts[0]), float(parts[1])


def parse_grid(text: str) -> tuple[int, int]:
    """'2x3' -> (2 rows, 3 columns)."""
    rows, _, cols = text.lower().partition("x")
    return int(rows), int(cols)


def register(subparsers) -> None:
    p = subparsers.add_parser("stylegan3", help="StyleGAN3: generate images, convert pickles, inspect models")
    sub = p.add_subparsers(dest="sg3_command", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    g = sub.add_parser("generate", help="images for seeds, as the official gen_images.py")
    g.add_argument("--network", required=True, help="official .pkl, ganlab .safetensors, or 'demo'")
    g.add_argument("--seeds", required=True, type=parse_seeds, help="e.g. 0-3,7")
    g.add_argument("--trunc", type=float, default=1.0, help="truncation psi (default 1 = none)")
    g.add_argument("--trunc-cutoff", type=int, default=None, help="truncate only the first N ws")
    g.add_argument(
        "--class", dest="class_idx", type=int, default=None, help="class index (conditional models)"
    )
    g.add_argument("--translate", type=parse_pair, default=(0.0, 0.0), help="X,Y in image widths")
    g.add_argument("--rotate", type=float, default=0.0, help="rotation in degrees")
    g.add_argument("--grid", type=parse_grid, default=None, help="also write grid.png with RxC images")
    g.add_argument("--device", default=None, help="cpu or cuda (default: GANLAB_DEVICE, else auto)")
    g.add_argument("--force-fp32", action="store_true", help="no fp16 layers on CUDA")
    g.add_argument("--outdir", required=True, type=Path, help="where seedNNNN.png go")
    g.set_defaults(func=cmd_generate)

    c = sub.add_parser("convert", help="official .pkl -> ganlab .safetensors (read without executing it)")
    c.add_argument("src", type=Path)
    c.add_argument("dst", type=Path)
    c.set_defaults(func=cmd_convert)

    i = sub.add_parser("info", help="config, T/R, resolution, parameters and the layer table")
    i.add_argument("path", help="official .pkl, ganlab .safetensors, or 'demo'")
    i.set_defaults(func=cmd_info)


def _load(path: str):
    if path == "demo":
        from ganlab.stylegan3.demo import build_demo_generator

        return build_demo_generator()
    from ganlab.stylegan3.loader import load_network

    return load_network(path)["G_ema"]


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_generate(args) -> int:
    import numpy as np
    import torch
    from tqdm import tqdm

    from ganlab.stylegan3 import render
    from ganlab.stylegan3.device import pick_device

    try:
        device = pick_device(args.device)
        G = _load(args.network).to(device)
    except (OSError, ValueError, RuntimeError, pickle.UnpicklingError) as exc:
        return _fail(str(exc))
    if G.c_dim == 0 and args.class_idx is not None:
        print("warning: --class is ignored for unconditional networks", file=sys.stderr)
        args.class_idx = None
    if G.c_dim and args.class_idx is None:
        return _fail("this network is conditional: pass --class")
    args.outdir.mkdir(parents=True, exist_ok=True)
    render.set_input_transform(G, args.translate, args.rotate)
    images = []
    bar = tqdm(args.seeds, desc="generate", unit="img", file=sys.stderr)
    for seed in bar:
        t0 = time.perf_counter()
        ws = render.seed_ws(G, seed, args.trunc, args.trunc_cutoff, args.class_idx)
        img = render.to_uint8(render.synthesize(G, ws, args.force_fp32))[0]
        if device.type == "cuda":
            torch.cuda.synchronize()
        (args.outdir / f"seed{seed:04d}.png").write_bytes(render.encode_image(img))
        images.append(img)
        bar.set_postfix_str(f"seed {seed}: {time.perf_counter() - t0:.2f} s/img")
    if args.grid:
        grid = render.image_grid(np.stack(images), *args.grid)
        (args.outdir / "grid.png").write_bytes(render.encode_image(grid))
    print(f"wrote {len(images)} image(s) to {args.outdir}")
    return 0


def cmd_convert(args) -> int:
    from ganlab.stylegan3.loader import convert_to_safetensors

    try:
        G = convert_to_safetensors(args.src, args.dst)
    except (OSError, ValueError, pickle.UnpicklingError) as exc:
        return _fail(str(exc))
    print(
        f"wrote {args.dst} ({G.img_resolution}x{G.img_resolution}, "
        f"{sum(p.numel() for p in G.parameters()):,} params)"
    )
    return 0


def describe(G) -> str:
    """Human-readable summary: config, dims, fp16 layers and the layer table."""
    from ganlab.stylegan3.catalog import summary

    info = summary(G)
    syn = G.synthesis
    config, fp16 = info["config"], info["fp16_layers"]
    lines = [
        f"config          StyleGAN3-{config}",
        f"resolution      {G.img_resolution}x{G.img_resolution}x{G.img_channels}",
        f"z_dim / w_dim   {G.z_dim} / {G.w_dim}",
        f"c_dim           {G.c_dim} ({'conditional' if G.c_dim else 'unconditional'})",
        f"num_ws          {G.num_ws}",
        f"parameters      {sum(p.numel() for p in G.parameters()):,}",
        f"fp16 (CUDA)     num_fp16_res={syn.num_fp16_res}: {', '.join(fp16) or 'none'}",
        "",
        f"{'layer':<14}{'size':>6}{'ch in':>7}{'ch out':>7}{'rate':>7}{'cutoff':>9}"
        f"{'up':>4}{'down':>5}  flags",
    ]
    for s in syn.specs:
        layer = getattr(syn, s.name)
        flags = [
            f
            for f, on in (
                ("critical", s.is_critically_sampled),
                ("radial", layer.down_radial),
                ("torgb", s.is_torgb),
                ("fp16", s.use_fp16),
            )
            if on
        ]
        lines.append(
            f"{s.name:<14}{s.out_size:>6}{s.in_channels:>7}{s.out_channels:>7}{s.out_sampling_rate:>7}"
            f"{s.out_cutoff:>9.2f}{layer.up_factor:>4}{layer.down_factor:>5}  {' '.join(flags)}"
        )
    return "\n".join(lines)


def cmd_info(args) -> int:
    try:
        G = _load(args.path)
    except (OSError, ValueError, pickle.UnpicklingError) as exc:
        return _fail(str(exc))
    print(describe(G))
    return 0
