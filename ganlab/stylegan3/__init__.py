"""From-scratch StyleGAN3 generator (T and R configs) in pure PyTorch, with a safe pickle loader.

Public entry points: `Generator` (official constructor, official state_dict names) and
`load_network(path) -> dict` (official .pkl read without executing it, or ganlab .safetensors).
Heavy submodules are imported lazily so `import ganlab.stylegan3` stays cheap.
"""

from __future__ import annotations

__all__ = ["Generator", "load_network"]


def __getattr__(name: str):
    if name == "Generator":
        from ganlab.stylegan3.networks import Generator

        return Generator
    if name == "load_network":
        from ganlab.stylegan3.loader import load_network

        return load_network
    raise AttributeError(name)
