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

Anything wrong with a file raises `NetworkLoadError` (ganlab/stylegan3/errors.py) naming the
file and the reason; every decoded structure is walked against the budgets of
ganlab/stylegan3/bounds.py, and constructor kwargs are checked there before anything is built.
"""

from __future__ import annotations

import collections
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ganlab.stylegan3 import bounds, loader_stylegan2
from ganlab.stylegan3.errors import CorruptNetworkError, NetworkBoundsError, NetworkLoadError
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


class _PlainBudget:
    """Nodes and characters one to_plain call may produce. Shared references are counted each
    time they are reached, so a small file whose references multiply (a list holding the same
    list twice, forty levels deep) is refused after MAX_PLAIN_NODES steps, not expanded."""

    def __init__(self) -> None:
        self.nodes = self.chars = 0

    def take(self, nodes: int = 1, chars: int = 0) -> None:
        self.nodes, self.chars = self.nodes + nodes, self.chars + chars
        if self.nodes > bounds.MAX_PLAIN_NODES or self.chars > bounds.MAX_PLAIN_BYTES:
            raise NetworkBoundsError(
                f"a plain value in the file expands to more than {bounds.MAX_PLAIN_NODES:,} items "
                f"or {bounds.MAX_PLAIN_BYTES:,} characters (shared or huge nested structures)"
            )


def to_plain(value, budget: _PlainBudget | None = None, depth: int = 0):
    """numpy scalars/arrays and dict subclasses -> plain Python values (for kwargs and JSON),
    within the node, character and depth budgets of ganlab/stylegan3/bounds.py."""
    budget = budget or _PlainBudget()
    if depth > bounds.MAX_DEPTH:
        raise NetworkBoundsError(f"a plain value in the file is nested deeper than {bounds.MAX_DEPTH} levels")
    if isinstance(value, str | bytes):
        budget.take(1, len(value))
        return value
    if isinstance(value, np.ndarray):
        budget.take(value.size + 1)
        return value.tolist()
    budget.take()
    if isinstance(value, dict):
        return {str(to_plain(k, budget, depth + 1)): to_plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v, budget, depth + 1) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def flatten_state(obj: PersistentObject, prefix: str = "", _seen: list | None = None) -> dict[str, torch.Tensor]:
    """Walk _parameters/_buffers/_modules like nn.Module.state_dict() does (at most MAX_DEPTH
    levels and MAX_MODULES modules, so shared or cyclic children cannot multiply the walk)."""
    seen = _seen if _seen is not None else [0]
    seen[0] += 1
    if seen[0] > bounds.MAX_MODULES or prefix.count(".") > bounds.MAX_DEPTH:
        raise NetworkBoundsError(
            f"the network's modules nest deeper than {bounds.MAX_DEPTH} levels or number more than "
            f"{bounds.MAX_MODULES:,} (shared or cyclic modules)"
        )
    state, out = obj.state, {}
    skip = _names(state.get("_non_persistent_buffers_set") or (), f"{prefix}_non_persistent_buffers_set")
    for group in ("_parameters", "_buffers", "_modules"):
        if not isinstance(state.get(group) or {}, dict):
            raise CorruptNetworkError(f"{prefix}{group} is not a dict")
    for group in ("_parameters", "_buffers"):
        for name, tensor in (state.get(group) or {}).items():
            if tensor is not None and _name(name, prefix) not in skip:
                if not isinstance(tensor, torch.Tensor):
                    raise CorruptNetworkError(f"{prefix}{name} is not a tensor")
                out[prefix + name] = tensor
    for name, child in (state.get("_modules") or {}).items():
        if isinstance(child, PersistentObject):
            out.update(flatten_state(child, f"{prefix}{_name(name, prefix)}.", seen))
    return out


def _name(name: object, prefix: str) -> str:
    if not isinstance(name, str) or len(name) > 200:
        raise CorruptNetworkError(f"a parameter or module name under {prefix or 'the network'!r} is not a short string")
    return name


def _names(values: object, where: str) -> set[str]:
    if not isinstance(values, set | list | tuple):
        raise CorruptNetworkError(f"{where} is not a set of names")
    return {_name(v, where) for v in values}


def init_kwargs_of(obj: PersistentObject) -> dict:
    """The exact constructor arguments the persistence decorator recorded."""
    args, kwargs = obj.state.get("_init_args") or (), obj.state.get("_init_kwargs") or {}
    if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
        raise CorruptNetworkError("_init_args/_init_kwargs are not a tuple and a dict")
    budget = _PlainBudget()
    args, kwargs = to_plain(list(args), budget), to_plain(dict(kwargs), budget)
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
    """Construct our Generator from official kwargs (checked against bounds.py first: nothing
    is built for absurd ones) and load the tensors strictly. StyleGAN2 goes to loader_stylegan2."""
    if kind == loader_stylegan2.KIND:
        G = loader_stylegan2.construct_stylegan2(init_kwargs)
    else:
        bounds.check_generator_kwargs("stylegan3", init_kwargs)
        G = Generator(**init_kwargs)
    try:
        G.load_state_dict(state_dict, strict=True)
    except RuntimeError as exc:  # missing, unexpected or mis-shaped tensors
        raise CorruptNetworkError(
            f"the file's tensors do not match its constructor arguments: {' '.join(str(exc).split())[:300]}"
        ) from None
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
    # Every plain part is decoded (within its budget) before anything is built.
    g_ema, g, d = (_network_data(data.get(key)) for key in ("G_ema", "G", "D"))
    training_set_kwargs = to_plain(data.get("training_set_kwargs"))
    return {
        "G_ema": build_generator(g_ema.init_kwargs, g_ema.state_dict, kind),
        "G": g,
        "D": d,
        "training_set_kwargs": training_set_kwargs,
        "format": "pickle",
    }


def _is_safetensors(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{"  # 8-byte little-endian header length, then JSON


def load_network(path: str | os.PathLike) -> dict:
    """Load an official StyleGAN3 .pkl or a ganlab .safetensors; see the module docstring.
    FileNotFoundError if there is no such file; NetworkLoadError for anything wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such network file: {path}")
    try:
        return _load_file(path)
    except NetworkLoadError as exc:
        exc.args = (f"{path.name}: {exc}",)
        raise
    except Exception as exc:  # MemoryError, RecursionError, struct.error, ...: one documented type
        raise NetworkLoadError(f"{path.name}: cannot be loaded: {type(exc).__name__}: {exc}"[:500]) from exc


def _load_file(path: Path) -> dict:
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
    """Rebuild a Generator from a ganlab .safetensors file (its kwargs checked before building)."""
    from safetensors import safe_open

    with open(path, "rb") as f:  # the safetensors library reads a header of up to 100 MB; ours are ~50 KB
        head = f.read(8)
    if len(head) != 8 or int.from_bytes(head, "little") > bounds.MAX_HEADER_BYTES:
        raise CorruptNetworkError(f"safetensors header is truncated or larger than {bounds.MAX_HEADER_BYTES:,} bytes")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        if meta.get("format") != FORMAT_TAG or "ganlab.config" not in meta:
            raise CorruptNetworkError(
                f"{Path(path).name} is a safetensors file but not a ganlab StyleGAN3 network (no ganlab.config)"
            )
        kind = meta.get("ganlab.architecture", "stylegan3")
        if kind not in ("stylegan3", loader_stylegan2.KIND):
            raise CorruptNetworkError(f"{Path(path).name}: unknown ganlab.architecture {kind!r}")
        config = safetensors_config(meta, kind)
        tensors = collections.OrderedDict((k, f.get_tensor(k)) for k in f.keys())  # noqa: SIM118
    return build_generator(config, tensors, kind)


def safetensors_config(meta: dict, kind: str = "stylegan3") -> dict:
    """The constructor kwargs in ganlab .safetensors metadata, checked against bounds.py (StyleGAN2:
    by kwargs_stylegan2, when the generator is built)."""
    try:
        config = json.loads(meta["ganlab.config"])
    except (ValueError, RecursionError) as exc:
        raise CorruptNetworkError(f"ganlab.config in the safetensors metadata is not JSON: {exc}"[:300]) from None
    return config if kind == loader_stylegan2.KIND else bounds.check_generator_kwargs("stylegan3", config)


def convert_to_safetensors(src: str | os.PathLike, dst: str | os.PathLike) -> Generator:
    """Read a network (safely) and write its G_ema as ganlab .safetensors; returns the generator."""
    G = load_network(src)["G_ema"]
    save_safetensors(G, dst)
    return G
