"""The `ganlab` command line: one sub-command per module in ganlab.commands.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func`. Command modules import torch lazily, so `ganlab --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-command name -> module that registers it. Order is the order shown in --help.
COMMANDS = ("serve", "train", "sweep", "stylegan3")  # module stylegan3 registers `stylegan` (alias stylegan3)


def build_parser() -> argparse.ArgumentParser:
    from ganlab import __version__

    parser = argparse.ArgumentParser(
        prog="ganlab",
        description="GAN Lab in Python: train 2D GANs live in the browser, run parameter studies, "
        "and generate StyleGAN2/StyleGAN3 images on CPU or CUDA.",
    )
    parser.add_argument("--version", action="version", version=f"ganlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"ganlab.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
