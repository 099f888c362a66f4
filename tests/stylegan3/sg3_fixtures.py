"""Read the reference fixtures made with NVIDIA's official code (see tests/fixtures/stylegan3/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stylegan3"
MODEL_FIXTURES = ("official_t32", "official_r32", "official_cond16")


@dataclass
class Fixture:
    name: str
    init_kwargs: dict
    layer_names: list[str]
    cases: list[dict]
    tensors: dict[str, torch.Tensor]

    @property
    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k[3:]: v for k, v in self.tensors.items() if k.startswith("sd.")}

    def generator(self):
        from ganlab.stylegan3 import Generator

        G = Generator(**self.init_kwargs).eval().requires_grad_(False)
        G.load_state_dict(self.state_dict, strict=True)
        return G


def load_fixture(name: str) -> Fixture:
    with safe_open(str(FIXTURES / f"{name}.safetensors"), "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    return Fixture(
        name,
        json.loads(meta["init_kwargs"]),
        json.loads(meta["layer_names"]),
        json.loads(meta.get("cases", "[]")),
        tensors,
    )
