"""`ganlab stylegan3 directions`: latent directions (PCA of W, GANSpace-style) exported as .npz.

The flags are built from DirectionsSpec, so their defaults, bounds and help are declared once.
Results are cached per model sha256 in the same folder as the server (GANLAB_SG3_DIRECTIONS_DIR,
else MODELS_DIR/.directions), so the tab finds what the CLI computed and the other way round.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub, sg3) -> None:
    """Add `directions` to the stylegan3 sub-commands; `sg3` is that command module, whose network
    loading and flags are shared (passed in, so the two modules do not import each other)."""
    from ganlab.stylegan3.direction_spec import DirectionsSpec

    p = sub.add_parser("directions", help="latent directions (PCA of W, GANSpace) of a network, as .npz")
    p.add_argument("--network", required=True, help=sg3.NETWORK_HELP)
    p.add_argument("--out", required=True, type=Path, help="the .npz to write")
    for name, info in DirectionsSpec.model_fields.items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=info.default,
                       help=f"{info.description} (default {info.default:,})")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="cache folder (default: GANLAB_SG3_DIRECTIONS_DIR, else MODELS_DIR/.directions)")
    p.add_argument("--no-cache", action="store_true", help="compute even if cached, and do not write the cache")
    p.add_argument("--device", default=None, help="cpu or cuda (default: GANLAB_DEVICE, else auto)")
    p.add_argument("--threads", type=sg3.parse_threads, default=None, help="CPU threads (default: the idle cores)")
    sg3._models_dir_arg(p)
    p.set_defaults(func=lambda args: cmd_directions(args, sg3))


def _model_key(sg3, spec: str, G, models_dir: Path) -> str:
    """sha256 of the network file; of the weights for the demo (it has no file)."""
    from ganlab.stylegan3.directions import file_sha256, weights_sha256

    if spec == "demo":
        return weights_sha256(G)
    if Path(spec).is_file():
        return file_sha256(Path(spec))
    return file_sha256(sg3._ensure(spec, models_dir, announce=False).path)


def _cache_dir(args, models_dir: Path) -> Path:
    from ganlab.server.stylegan3.models import StyleGAN3Config

    configured = StyleGAN3Config().directions_dir
    return args.cache_dir or configured or models_dir / ".directions"


def _progress_bar(total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, desc="map latents", unit="z", file=sys.stderr)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return bar, update


def cmd_directions(args, sg3) -> int:
    import torch
    from pydantic import ValidationError

    from ganlab.stylegan3.device import pick_device
    from ganlab.stylegan3.directions import DirectionsCache, DirectionsSpec, compute_directions, save_npz

    try:
        spec = DirectionsSpec(n_samples=args.n_samples, num_directions=args.num_directions, seed=args.seed)
    except ValidationError as exc:
        item = exc.errors()[0]
        return sg3._fail(f"--{str(item['loc'][0]).replace('_', '-')}: {item['msg']}")
    torch.set_num_threads(args.threads or sg3.default_threads())
    try:
        device = pick_device(args.device)
    except (ValueError, RuntimeError) as exc:
        return sg3._fail(str(exc))
    models_dir = args.models_dir or sg3.default_models_dir()
    G, failed = sg3._load_or_fail(args.network, args.models_dir)
    if G is None:
        return failed
    G = G.to(device)
    key = _model_key(sg3, args.network, G, models_dir)
    start = time.perf_counter()
    bar, update = _progress_bar(spec.n_samples)
    try:
        if args.no_cache:
            directions, cached = compute_directions(G, spec, key, update), False
        else:
            directions, cached = DirectionsCache(_cache_dir(args, models_dir)).get_or_compute(G, key, spec, update)
    finally:
        bar.close()
    try:
        save_npz(directions, args.out)
    except OSError as exc:
        return sg3._fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(describe(directions, cached, time.perf_counter() - start))
    print(f"wrote {args.out}")
    return 0


def describe(directions, cached: bool, seconds: float) -> str:
    """A table of each direction's share of the variance of W."""
    how = "from the cache" if cached else f"from {directions.spec.n_samples:,} latents in {seconds:.1f} s"
    lines = [f"{directions.count} directions {how} (model sha256 {directions.key[:16]}…)",
             f"{'direction':>9}{'explained':>11}{'cumulative':>12}{'std':>9}"]
    total = 0.0
    for i, (ratio, std) in enumerate(zip(directions.explained_ratio, directions.stds, strict=True)):
        total += float(ratio)
        lines.append(f"{i:>9}{ratio * 100:>10.2f}%{total * 100:>11.2f}%{std:>9.3f}")
    return "\n".join(lines)



