"""`ganlab stylegan3 generate | convert | info | download | directions | video`: images, safe
conversion, summary, the model hub, latent directions (commands/directions.py), latent walk videos.

`--network` takes a file, `demo`, a hub model name or an https URL: names and URLs are
downloaded into the models folder on first use and reused after. torch and the generator are
imported inside the handlers so `ganlab --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import textwrap
import time
from pathlib import Path

SEED_LIMIT = 2**32 - 1
MAX_SEEDS = 100_000
SEED_LIST_HELP = "seeds and ranges separated by commas, e.g. 0-3,7 or 42"
NETWORK_HELP = "a .pkl/.safetensors file, 'demo', a hub model name (see `download --list`) or an https URL"


def parse_seeds(text: str) -> list[int]:
    """'0-3,7' -> [0, 1, 2, 3, 7] (official gen_images syntax)."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                lo, hi = (int(x) for x in part.split("-", 1))
                if lo > hi:
                    raise ValueError
                seeds.extend(range(lo, hi + 1))
            elif part:
                seeds.append(int(part))
            if len(seeds) > MAX_SEEDS:
                raise argparse.ArgumentTypeError(f"more than {MAX_SEEDS:,} seeds in {text!r}")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed list: write {SEED_LIST_HELP}") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds given: write {SEED_LIST_HELP}")
    if any(not 0 <= s <= SEED_LIMIT for s in seeds):
        raise argparse.ArgumentTypeError(f"seeds must be between 0 and {SEED_LIMIT} (got {text!r})")
    return seeds


def parse_pair(text: str) -> tuple[float, float]:
    """'0.1,-0.2' -> (0.1, -0.2)."""
    parts = text.split(",")
    try:
        if len(parts) == 2:
            return float(parts[0]), float(parts[1])
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected two numbers X,Y such as 0.1,-0.2, got {text!r}")


def parse_grid(text: str) -> tuple[int, int]:
    """'2x3' -> (2 rows, 3 columns)."""
    rows, _, cols = text.lower().partition("x")
    if rows.isdigit() and cols.isdigit() and int(rows) > 0 and int(cols) > 0:
        return int(rows), int(cols)
    raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 2x3, got {text!r}")


def parse_threads(text: str) -> int:
    if text.isdigit() and 1 <= int(text) <= 256:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number of threads from 1 to 256, got {text!r}")


def default_threads() -> int:
    """Cores that are idle now: torch's OpenMP threads wait for each other at every op, so a
    thread sharing a core with another busy process stalls all of them (4x slower on a busy
    2-core machine). On an idle machine this is every core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return max(1, min(cores, round(cores - busy)))


def default_models_dir() -> Path:
    return Path(os.environ.get("GANLAB_MODELS_DIR") or "models")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "stylegan3", help="StyleGAN3: generate images, convert pickles, inspect and download models"
    )
    sub = p.add_subparsers(dest="sg3_command", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    g = sub.add_parser("generate", help="images for seeds, as the official gen_images.py")
    g.add_argument("--network", required=True, help=NETWORK_HELP)
    g.add_argument("--seeds", required=True, type=parse_seeds, help=SEED_LIST_HELP)
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
    g.add_argument(
        "--threads", type=parse_threads, default=None, help="CPU threads (default: the cores that are idle now)"
    )
    g.add_argument("--outdir", required=True, type=Path, help="where seedNNNN.png go")
    _models_dir_arg(g)
    g.set_defaults(func=cmd_generate)

    c = sub.add_parser("convert", help="official .pkl -> ganlab .safetensors (read without executing it)")
    c.add_argument("src", help=NETWORK_HELP)
    c.add_argument("dst", type=Path)
    _models_dir_arg(c)
    c.set_defaults(func=cmd_convert)

    i = sub.add_parser("info", help="config, T/R, resolution, parameters and the layer table")
    i.add_argument("path", nargs="?", metavar="NETWORK", help=NETWORK_HELP)
    i.add_argument("--network", help="the same as NETWORK, as on generate")
    _models_dir_arg(i)
    i.set_defaults(func=cmd_info)

    d = sub.add_parser("download", help="get an official network (or any https URL) into the models folder")
    d.add_argument("source", nargs="?", metavar="NAME|URL", help="a hub model name (see --list) or an https URL")
    d.add_argument("--list", action="store_true", help="list the hub's models and which are downloaded")
    _models_dir_arg(d)
    d.set_defaults(func=cmd_download)

    from ganlab.commands import directions

    directions.register(sub, sys.modules[__name__])

    _register_video(sub)


def _models_dir_arg(parser) -> None:
    parser.add_argument(
        "--models-dir", type=Path, default=None, help="where networks are kept (default: GANLAB_MODELS_DIR or ./models)"
    )


LOAD_ERRORS = (OSError, ValueError, RuntimeError, TypeError, MemoryError, RecursionError, pickle.UnpicklingError)


def _load(spec: str, models_dir: Path | None = None):
    """The generator for NETWORK: 'demo', a file, or a hub name / URL (downloaded on first use)."""
    if spec == "demo":
        from ganlab.stylegan3.demo import build_demo_generator

        return build_demo_generator()
    from ganlab.stylegan3.hub.catalog import find
    from ganlab.stylegan3.hub.install import is_url
    from ganlab.stylegan3.loader import load_network

    if Path(spec).is_file() or not (is_url(spec) or find(spec)):
        return load_network(spec)["G_ema"]
    installed = _ensure(spec, models_dir or default_models_dir())
    return installed.G if installed.G is not None else load_network(installed.path)["G_ema"]


def _ensure(source: str, models_dir: Path, announce: bool = True):
    """NAME|URL in the models folder, downloading it (with a progress bar) if it is not there yet."""
    from ganlab.stylegan3.hub.config import HubConfig
    from ganlab.stylegan3.hub.install import ensure, resolve
    from ganlab.stylegan3.hub.terminal import TerminalProgress

    config = HubConfig()
    target = resolve(source, config.base_url)
    bar = TerminalProgress(target.label)
    try:
        installed = ensure(source, models_dir, config, on_progress=bar)
    finally:
        bar.close()
    if installed.downloaded and announce:
        print(f"downloaded {installed.path} ({installed.size / 1e6:,.1f} MB, sha256 {installed.sha256[:16]}…)",
              file=sys.stderr)
    return installed


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _load_or_fail(spec: str, models_dir: Path | None):
    """(G, None) or (None, exit code) with the reason printed: a bad file or a failed download."""
    from ganlab.stylegan3.hub.catalog import UnknownModelError
    from ganlab.stylegan3.hub.errors import DownloadError

    try:
        return _load(spec, models_dir), None
    except DownloadError as exc:
        return None, _fail(f"{exc.message}\n  {exc.hint}" if exc.hint else exc.message)
    except FileNotFoundError as exc:
        return None, _fail(f"{exc} (nor a hub model name: `ganlab stylegan3 download --list` shows them)")
    except (UnknownModelError, *LOAD_ERRORS) as exc:
        return None, _fail(str(exc))


def cmd_generate(args) -> int:
    import numpy as np
    import torch
    from tqdm import tqdm

    from ganlab.stylegan3 import render
    from ganlab.stylegan3.device import pick_device

    threads = args.threads or default_threads()
    torch.set_num_threads(threads)
    try:
        device = pick_device(args.device)
    except (ValueError, RuntimeError) as exc:
        return _fail(str(exc))
    G, failed = _load_or_fail(args.network, args.models_dir)
    if G is None:
        return failed
    G = G.to(device)
    if device.type == "cpu":
        print(f"rendering on the CPU with {threads} thread{'s' * (threads > 1)} (--threads to change)", file=sys.stderr)
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
    from ganlab.stylegan3.loader import save_safetensors

    G, failed = _load_or_fail(args.src, args.models_dir)
    if G is None:
        return failed
    try:
        save_safetensors(G, args.dst)
    except OSError as exc:
        return _fail(f"cannot write {args.dst}: {exc.strerror or exc}")
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
    if not (args.network or args.path):
        return _fail("name a network: ganlab stylegan3 info NETWORK (a file, 'demo', a hub name or a URL)")
    G, failed = _load_or_fail(args.network or args.path, args.models_dir)
    if G is None:
        return failed
    print(describe(G))
    return 0


def cmd_download(args) -> int:
    from ganlab.stylegan3.hub.catalog import UnknownModelError, find, licence_of
    from ganlab.stylegan3.hub.errors import DownloadError

    models_dir = args.models_dir or default_models_dir()
    if args.list or not args.source:
        print(hub_table(models_dir))
        return 0 if args.list else 2
    try:
        installed = _ensure(args.source, models_dir, announce=False)
    except DownloadError as exc:
        return _fail(f"{exc.message}\n  {exc.hint}" if exc.hint else exc.message)
    except UnknownModelError as exc:
        return _fail(str(exc))
    verb = "downloaded" if installed.downloaded else "already there:"
    print(f"{verb} {installed.path} ({installed.size / 1e6:,.1f} MB, sha256 {installed.sha256 or 'not recorded'})")
    print("  read with ganlab's safe loader: nothing in the file is ever run")
    model = find(args.source)
    if model is not None:
        print(f"  licence: {licence_of(model).name}: {licence_of(model).summary}")
    return 0


def hub_table(models_dir: Path) -> str:
    """The catalog as a table, with what is in `models_dir` already."""
    from ganlab.stylegan3.hub.catalog import CATALOG, LICENCES, RECOMMENDED
    from ganlab.stylegan3.hub.install import Target, existing

    lines = [f"{'name':<36}{'config':>7}{'res':>6}{'size':>9}  {'training set':<37}downloaded"]
    for m in CATALOG.values():
        here = "yes" if existing(Target("", m.filename, m), models_dir) else ""
        star = " *" if m.name == RECOMMENDED else ""
        lines.append(f"{m.name + star:<36}{m.config:>7}{m.resolution:>6}{m.size_bytes / 1e6:>6.0f} MB  "
                     f"{m.dataset:<37}{here}")
    lines += ["", "* fastest on a CPU. Sizes are approximate. Files go to "
              f"{models_dir} (--models-dir or GANLAB_MODELS_DIR)."]
    for lic in LICENCES.values():
        lines += textwrap.wrap(f"Licence: {lic.name}: {lic.summary} ({lic.url}).", 100)
    lines.append("Any https URL of a .pkl/.safetensors network works too; files are only read, never run.")
    return "\n".join(lines)


# --- `ganlab stylegan3 video`: gen_video.py's latent walk (ganlab/stylegan3/video/) -----------------

VIDEO_FLAGS = {  # VideoParams field -> its option here, so errors name what the user typed
    "seeds": "--seeds", "rows": "--grid", "cols": "--grid", "num_keyframes": "--num-keyframes",
    "w_frames": "--w-frames", "kind": "--kind", "wraps": "--wraps", "shuffle_seed": "--shuffle-seed",
    "truncation_psi": "--trunc", "truncation_cutoff": "--trunc-cutoff", "class_idx": "--class",
    "fps": "--fps", "format": "--output",
}


def _register_video(sub) -> None:
    from ganlab.stylegan3.video.params import VideoParams

    f = VideoParams.model_fields
    v = sub.add_parser("video", help="a latent walk video (.mp4 or .gif), as the official gen_video.py")
    v.add_argument("--network", required=True, help=NETWORK_HELP)
    v.add_argument("--seeds", required=True, type=parse_seeds, help=f"{SEED_LIST_HELP}; {f['seeds'].description}")
    v.add_argument("--grid", type=parse_grid, default=(1, 1),
                   help="ROWSxCOLS cells (default 1x1; gen_video writes WxH)")
    v.add_argument("--num-keyframes", type=int, default=None, help=f["num_keyframes"].description)
    v.add_argument("--w-frames", type=int, default=f["w_frames"].default,
                   help=f"{f['w_frames'].description} (default {f['w_frames'].default})")
    v.add_argument("--kind", default=f["kind"].default, help=f"{f['kind'].description} (linear, quadratic, cubic)")
    v.add_argument("--wraps", type=int, default=f["wraps"].default, help=f"{f['wraps'].description} (default 2)")
    v.add_argument("--shuffle-seed", type=int, default=None, help=f["shuffle_seed"].description)
    v.add_argument("--trunc", type=float, default=1.0, help="truncation psi (default 1 = none)")
    v.add_argument("--trunc-cutoff", type=int, default=None, help="truncate only the first N ws")
    v.add_argument("--class", dest="class_idx", type=int, default=None, help="class index (conditional models)")
    v.add_argument("--fps", type=int, default=f["fps"].default, help=f"frames per second (default {f['fps'].default})")
    v.add_argument("--output", required=True, type=Path, help="the .mp4 (or .gif) to write")
    v.add_argument("--device", default=None, help="cpu or cuda (default: GANLAB_DEVICE, else auto)")
    v.add_argument("--force-fp32", action="store_true", help="no fp16 layers on CUDA")
    v.add_argument("--threads", type=parse_threads, default=None,
                   help="CPU threads (default: the cores that are idle now)")
    _models_dir_arg(v)
    v.set_defaults(func=cmd_video)


def video_params(args):
    """VideoParams from the options, or raise ValueError naming the option and its range."""
    from pydantic import ValidationError

    from ganlab.stylegan3.video.params import VideoParams, first_error

    suffix = args.output.suffix.lower().lstrip(".")
    if suffix not in ("mp4", "gif"):
        raise ValueError(f"--output: {args.output} must end in .mp4 or .gif")
    try:
        return VideoParams(
            seeds=args.seeds, rows=args.grid[0], cols=args.grid[1], num_keyframes=args.num_keyframes,
            w_frames=args.w_frames, kind=args.kind, wraps=args.wraps, shuffle_seed=args.shuffle_seed,
            truncation_psi=args.trunc, truncation_cutoff=args.trunc_cutoff, class_idx=args.class_idx,
            fps=args.fps, format=suffix,
        )
    except ValidationError as exc:
        field, message = first_error(exc)
        field = field.split(".")[0]
        raise ValueError(f"{VIDEO_FLAGS.get(field, field)}: {message}") from None


def cmd_video(args) -> int:
    import torch
    from tqdm import tqdm

    from ganlab.stylegan3.device import pick_device
    from ganlab.stylegan3.video.frames import make_video
    from ganlab.stylegan3.video.params import VideoError

    try:
        params = video_params(args)
        device = pick_device(args.device)
    except (ValueError, RuntimeError) as exc:
        return _fail(str(exc))
    torch.set_num_threads(args.threads or default_threads())
    G, failed = _load_or_fail(args.network, args.models_dir)
    if G is None:
        return failed
    args.output.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=params.frames, desc="video", unit="frame", file=sys.stderr)
    try:
        job = make_video(G.to(device), params, args.output, lambda done, total: bar.update(1),
                         force_fp32=args.force_fp32)
    except VideoError as exc:
        return _fail(f"{VIDEO_FLAGS.get(exc.field, exc.field)}: {exc.message}")
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    finally:
        bar.close()
    if job.note:
        print(f"warning: {job.note}", file=sys.stderr)
    side = G.img_resolution
    print(f"wrote {job.path} ({job.total} frames, {params.cols * side}x{params.rows * side}, {params.fps} fps, "
          f"{params.keyframes} keyframes x {params.w_frames} frames, {params.kind}, wraps {params.wraps})")
    return 0
