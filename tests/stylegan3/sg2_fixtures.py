"""Read the StyleGAN2 reference fixtures made with NVIDIA's official code (tests/fixtures/stylegan2/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stylegan2"
SG2_FIXTURES = (
    "official_sg3_skip32",
    "official_sg3_resnet16_cond",
    "official_ada_orig16_gray",
    "official_ada_skip32_cond",
)


@dataclass
class SG2Fixture:
    name: str
    init_kwargs: dict  # as the official constructor got them (ADA: nested synthesis_kwargs)
    format: str  # "stylegan3-repo" or "ada"
    cases: list[dict]
    tensors: dict[str, torch.Tensor]

    @property
    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k[3:]: v for k, v in self.tensors.items() if k.startswith("sd.")}

    def generator(self):
        from ganlab.stylegan3.kwargs_stylegan2 import normalize_generator_kwargs
        from ganlab.stylegan3.networks_stylegan2 import Generator

        G = Generator(**normalize_generator_kwargs(self.init_kwargs)).eval().requires_grad_(False)
        G.load_state_dict(self.state_dict, strict=True)
        return G


def load_sg2_fixture(name: str) -> SG2Fixture:
    with safe_open(str(FIXTURES / f"{name}.safetensors"), "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    return SG2Fixture(name, json.loads(meta["init_kwargs"]), meta["format"], json.loads(meta["cases"]), tensors)


def mapped_ws(G, fx: SG2Fixture, case: dict) -> torch.Tensor:
    """The case's ws from our mapping network, mixed as the fixture maker did."""
    ws = G.mapping(
        fx.tensors["z"],
        fx.tensors.get("c"),
        truncation_psi=case.get("truncation_psi", 1),
        truncation_cutoff=case.get("truncation_cutoff"),
    )
    if "mix_from" in case:
        idx = case["mix_indices"]
        ws = ws.clone()
        ws[:, idx] = ws[case["mix_from"]][None, idx]
    return ws


def relative_error(a: torch.Tensor, ref: torch.Tensor) -> float:
    """Max abs difference relative to the reference's value range."""
    return float((a - ref).abs().max() / (ref.max() - ref.min()))
