"""Load StyleGAN2/3 networks safely: NVIDIA's .pkl files (never executed) and ganlab's .safetensors.

`load_network(path)` returns a dict:
* `"G_ema"`: a ready generator in eval mode (the network to use for images): our StyleGAN3
  `Generator`, or for StyleGAN2 / StyleGAN2-ADA pickles `networks_stylegan2.Generator`
  (loader_stylegan2.py decides which from the network's layout);
* `"G"`, `"D"`: `NetworkData` (class name, constructor kwargs, tensors) when the pickle has them;
* `"training_set_kwargs"`: the plain dict from the pickle, or None;
* `"format"`: "pickle" or "safetensors".

ganlab's .safetensors files hold the G_ema state_dict with the constructor kwargs as JSON in
the metadata (`ganlab.config`) and the family in `ganlab.architecture` ("stylegan2"; absent means
StyleGAN3), so they load without any pickle at all.
"""

from __future__ import annotations

import collections
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ganlab.stylegan3 import loader_stylegan2
from ganlab.stylegan3.networks import Generator
from ganlab.stylegan3.safe_pickle import PersistentObject, UnsupportedNetworkError, safe_load_pickle

FORMAT_TAG = "ganlab-stylegan3"
FORMAT_VERSION = "1"
_GENERATOR_ARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels")


@dataclass
class NetworkData:
    """A network from a pickle as plain data: nothing in it can run."""

    class_name: str
    module_kind: str
    init_kwargs: dict
    state_dict: dict[str, torch.Tensor] = field(repr=False)


def to_plain(value):
    """numpy scalars/arrays and dict subclasses -> plain Python values (for kwargs and JSON)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def flatten_state(obj: PersistentObject, prefix: str = "") -> dict[str, torch.Tensor]:
    """Walk _parameters/_buffers/_modules like nn.Module.state_dict() does."""
    state, out = obj.state, {}
    skip = set(state.get("_non_persistent_buffers_set") or ())
    for group in ("_parameters", "_buffers"):
        for name, tensor in (state.get(group) or {}).items():
            if tensor is not None and name not in skip:
                if not isinstance(tensor, torch.Tensor):
                    raise ValueError(f"{prefix}{name} is not a tensor")
                out[prefix + name] = tensor
    for name, child in (state.get("_modules") or {}).items():
        if isinstance(child, PersistentObject):
            out.update(flatten_state(child, f"{prefix}{name}."))
    return out


def init_kwargs_of(obj: PersistentObject) -> dict:
    """The exact constructor arguments the persistence decorator recorded."""
    args = to_plain(list(obj.state.get("_init_args") or ()))
    kwargs = to_plain(dict(obj.state.get("_init_kwargs") or {}))
    kwargs.update(zip(_GENERATOR_ARGS, args, strict=False))
    return kwargs


def _check_stylegan3(g: object) -> None:
    if not isinstance(g, PersistentObject):
        raise ValueError("G_ema is not a network object")
    synthesis = (g.state.get("_modules") or {}).get("synthesis")
    children = (synthesis.state.get("_modules") or {}) if isinstance(synthesis, PersistentObject) else {}
    if g.module_kind == "stylegan2" or "b4" in children:
        raise UnsupportedNetworkError(
            "this is a StyleGAN2 pickle; ganlab runs StyleGAN3 (T/R) networks only, "
            "StyleGAN2 is not yet supported"
        )
    if g.class_name != "Generator" or "input" not in children:
        raise UnsupportedNetworkError(f"G_ema is a {g.class_name!r} without a StyleGAN3 synthesis input")


def build_generator(init_kwargs: dict, state_dict: dict[str, torch.Tensor], kind: str = "stylegan3"):
    """Construct our Generator from official kwargs and load the tensors strictly."""
    if kind == loader_stylegan2.KIND:
        return loader_stylegan2.build_stylegan2(init_kwargs, state_dict)
    G = Generator(**init_kwargs)
    G.load_state_dict(state_dict, strict=True)
    return G.eval().requires_grad_(False)


def _network_data(obj: object) -> NetworkData | None:
    if not isinstance(obj, PersistentObject):
        return None
    return NetworkData(obj.class_name, obj.module_kind, init_kwargs_of(obj), flatten_state(obj))


def network_from_pickle_data(data: object) -> dict:
    """Turn the unpickled (data-only) top-level dict into load_network's result."""
    if isinstance(data, tuple) or not isinstance(data, dict) or "G_ema" not in data:
        raise UnsupportedNetworkError("not a StyleGAN3 network pickle: expected a dict with 'G_ema'")
    kind = loader_stylegan2.network_kind(data["G_ema"])
    if kind != loader_stylegan2.KIND:
        _check_stylegan3(data["G_ema"])
    g_ema = _network_data(data["G_ema"])
    return {
        "G_ema": build_generator(g_ema.init_kwargs, g_ema.state_dict, kind),
        "G": _network_data(data.get("G")),
        "D": _network_data(data.get("D")),
        "training_set_kwargs": to_plain(data.get("training_set_kwargs")),
        "format": "pickle",
    }


def _is_safetensors(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{"  # 8-byte little-endian header length, then JSON


def load_network(path: str | os.PathLike) -> dict:
    """Load an official StyleGAN3 .pkl or a ganlab .safetensors; see the module docstring."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such network file: {path}")
    if _is_safetensors(path):
        return {
            "G_ema": load_safetensors(path),
            "G": None,
            "D": None,
            "training_set_kwargs": None,
            "format": "safetensors",
        }
    with open(path, "rb") as f:
        return network_from_pickle_data(safe_load_pickle(f))


def save_safetensors(G: Generator, path: str | os.PathLike) -> None:
    """Write G's state_dict plus its constructor kwargs (JSON metadata)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in G.state_dict().items()}
    meta = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "ganlab.config": json.dumps(to_plain(G.init_kwargs)),
    }
    if getattr(G, "architecture_name", "") == "StyleGAN2":
        meta["ganlab.architecture"] = loader_stylegan2.KIND
    save_file(tensors, str(path), metadata=meta)


def load_safetensors(path: str | os.PathLike) -> Generator:
    """Rebuild a Generator from a ganlab .safetensors file."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        if meta.get("format") != FORMAT_TAG or "ganlab.config" not in meta:
            raise ValueError(f"{path} is a safetensors file but not a ganlab StyleGAN3 network (no ganlab.config)")
        tensors = collections.OrderedDict((k, f.get_tensor(k)) for k in f.keys())  # noqa: SIM118
    kind = meta.get("ganlab.architecture", "stylegan3")
    if kind not in ("stylegan3", loader_stylegan2.KIND):
        raise ValueError(f"{path}: unknown ganlab.architecture {kind!r} (expected stylegan3 or stylegan2)")
    return build_generator(json.loads(meta["ganlab.config"]), tensors, kind)


def convert_to_safetensors(src: str | os.PathLike, dst: str | os.PathLike) -> Generator:
    """Read a network (safely) and write its G_ema as ganlab .safetensors; returns the generator."""
    G = load_network(src)["G_ema"]
    save_safetensors(G, dst)
    return G
