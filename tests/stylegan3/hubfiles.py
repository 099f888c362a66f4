"""Network files for model-hub tests: a micro StyleGAN3 in NVIDIA's pickle layout and as safetensors,
and a booby-trapped pickle that would create a marker file if anything executed it."""

from __future__ import annotations

import functools
import os
import pickle
import tempfile
from pathlib import Path

MICRO = dict(
    z_dim=16,
    c_dim=0,
    w_dim=16,
    img_resolution=32,
    img_channels=3,
    mapping_kwargs=dict(num_layers=2),
    channel_base=1024,
    channel_max=32,
)


def micro_generator(seed: int = 3):
    import torch

    from ganlab.stylegan3 import Generator

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(**MICRO)
        with torch.no_grad():  # a visible picture: stretch ToRGB like the demo does
            getattr(G.synthesis, G.synthesis.layer_names[-1]).weight.mul_(3.0)
    return G.eval().requires_grad_(False)


@functools.cache
def micro_pickle() -> bytes:
    """A micro 32x32 StyleGAN3-T snapshot in the official layout (written without NVIDIA's code)."""
    from tests.stylegan3.sg3_pickles import dumps, snapshot

    return dumps(snapshot(micro_generator()))


@functools.cache
def micro_safetensors() -> bytes:
    from ganlab.stylegan3.loader import save_safetensors

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "micro.safetensors"
        save_safetensors(micro_generator(), path)
        return path.read_bytes()


class _Boom:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def booby_trapped_pickle(marker: Path) -> bytes:
    """Unpickling this with plain pickle would run `touch marker`."""
    return pickle.dumps({"G_ema": _Boom(marker), "G": None, "D": None}, protocol=4)
