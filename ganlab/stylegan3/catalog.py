"""Where StyleGAN2/3 networks live and what each one is: for the web tab's model list and `info`.

Networks are `.pkl` (official) and `.safetensors` (ganlab) files in GANLAB_MODELS_DIR
(default ./models). The built-in demo network has the id "demo".
"""

from __future__ import annotations

import os
from pathlib import Path

from ganlab.stylegan3.networks import Generator

DEMO_ID = "demo"
MODEL_SUFFIXES = (".pkl", ".safetensors")


def models_dir() -> Path:
    """GANLAB_MODELS_DIR, or ./models."""
    return Path(os.environ.get("GANLAB_MODELS_DIR") or "models")


def find_model_files(directory: str | os.PathLike | None = None) -> list[Path]:
    """Network files in the models folder (not recursive), sorted by name; [] if it is missing."""
    root = Path(directory) if directory is not None else models_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES)


def config_name(G: Generator) -> str:
    """ "R" for radial-filter / 1x1-conv networks, else "T"."""
    syn = G.synthesis
    first = getattr(syn, syn.layer_names[0])
    radial = any(getattr(syn, n).down_radial for n in syn.layer_names)
    return "R" if radial or first.conv_kernel == 1 else "T"


def _generation_fields(G) -> dict:
    """What tells the two generations apart: architecture, config, fp16 layers and the layer table."""
    syn = G.synthesis
    if hasattr(syn, "input"):  # StyleGAN3: a transformable Fourier input
        return {
            "architecture": f"StyleGAN3-{config_name(G)}",
            "config": config_name(G),
            "fp16_layers": [s.name for s in syn.specs if s.use_fp16],
            "layers": [{"name": s.name, "size": s.out_size, "channels": s.out_channels} for s in syn.specs],
        }
    last_block = syn.get_submodule(f"b{syn.block_resolutions[-1]}")
    return {
        "architecture": "StyleGAN2",
        "config": "StyleGAN2",
        "synthesis_architecture": last_block.architecture,  # skip, resnet or orig
        "fp16_layers": [n for n in syn.layer_names if syn.get_submodule(n.split(".")[0]).use_fp16],
        "layers": [{"name": n, "size": size, "channels": ch} for n, size, ch in syn.layer_table()],
    }


def summary(G: Generator) -> dict:
    """Plain-data description of a generator (JSON-able), StyleGAN2 or StyleGAN3."""
    return {
        "resolution": G.img_resolution,
        "conditional": G.c_dim > 0,
        "c_dim": G.c_dim,
        "z_dim": G.z_dim,
        "w_dim": G.w_dim,
        "num_ws": G.num_ws,
        "params": sum(p.numel() for p in G.parameters()),
        "num_fp16_res": G.synthesis.num_fp16_res,
        **_generation_fields(G),
    }
