"""Write pickles with the structure of NVIDIA's StyleGAN3 snapshots, without NVIDIA's code.

The official files call `torch_utils.persistence._reconstruct_persistent_obj(meta)` for every
module, with `meta = {type, version, module_src, class_name, state}`; tensors go through torch's
own reduce (`_rebuild_tensor_v2`, `_rebuild_parameter`, `torch.storage._load_from_bytes`).
Here a pure-Python pickler writes exactly those globals by name, from our own Generator, with a
dummy `module_src`. `rename` lets a test spell numpy helpers the numpy 1.x way, and `extra`
lets a test plant hostile objects.
"""

from __future__ import annotations

import collections
import io
import pickle
import types

import numpy as np
import torch

STYLEGAN3_SRC = (
    '"""Alias-Free Generative Adversarial Networks (dummy text for tests)."""\nclass SynthesisInput: pass\n'
)
STYLEGAN2_SRC = (
    '"""dummy StyleGAN2 file for tests"""\nclass SynthesisBlock: pass\nclass DiscriminatorBlock: pass\n'
)


def _reconstruct_placeholder(meta):  # stands in for the official global; never called
    raise AssertionError("placeholder")


def _load_from_bytes_placeholder(data):  # stands in for torch.storage._load_from_bytes
    raise AssertionError("placeholder")


class EasyDict(dict):
    """Pickled under the name dnnlib.util.EasyDict."""


class Persistent:
    """One official persistent module: class name, source text and state dict."""

    def __init__(self, class_name: str, state: dict, module_src: str = STYLEGAN3_SRC):
        self.meta = dict(type="class", version=6, module_src=module_src, class_name=class_name, state=state)


class Reduce:
    """Pickles as callable(*args) with an arbitrary callable: used to plant hostile calls."""

    def __init__(self, func, *args):
        self.func, self.args = func, args


class RawOps:
    """Pickles as these raw opcode bytes: for structures the pickler itself cannot write
    (a list nested 100,000 deep would overflow its recursion)."""

    def __init__(self, ops: bytes):
        self.ops = ops


_NAMES = {
    id(_reconstruct_placeholder): ("torch_utils.persistence", "_reconstruct_persistent_obj"),
    id(_load_from_bytes_placeholder): ("torch.storage", "_load_from_bytes"),
    id(EasyDict): ("dnnlib.util", "EasyDict"),
}
NUMPY1_NAMES = {
    id(np.zeros(0).__reduce__()[0]): ("numpy.core.multiarray", "_reconstruct"),
    id(np.float64(0).__reduce__()[0]): ("numpy.core.multiarray", "scalar"),
}


class OfficialPickler(pickle._Pickler):
    """Pure-Python pickler that renames chosen globals (pickle's own reduce does the rest)."""

    def __init__(self, f, protocol: int, rename: dict | None = None):
        super().__init__(f, protocol=protocol)
        self.rename = {**_NAMES, **(rename or {})}

    # pickle's dispatch table holds the base class's save_global; route functions to ours.
    dispatch = dict(pickle._Pickler.dispatch)

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, RawOps):
            self.write(obj.ops)
            return
        super().save(obj, save_persistent_id)

    def reducer_override(self, obj):
        if isinstance(obj, Persistent):
            return _reconstruct_placeholder, (obj.meta,)
        if isinstance(obj, Reduce):
            return obj.func, obj.args
        return NotImplemented

    def save_global(self, obj, name=None):
        key = self.rename.get(id(obj))
        if key is None:
            return super().save_global(obj, name)
        module, qualname = key
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode())
        self.memoize(obj)

    dispatch[types.FunctionType] = save_global


def _attributes(module: torch.nn.Module) -> dict:
    """A few official-style plain attributes, with the numpy types real pickles carry."""
    spec = getattr(module, "spec", None)
    if spec is None:
        return {}
    return {
        "in_size": np.array([spec.in_size] * 2, dtype=np.int64),
        "in_cutoff": np.float64(spec.in_cutoff),
        "use_fp16": np.bool_(spec.use_fp16),
    }


def module_state(module: torch.nn.Module, init_kwargs: dict | None = None) -> dict:
    """An nn.Module __dict__ as the official snapshot stores it (hook dicts, sets, children)."""
    skip = module._non_persistent_buffers_set
    state = collections.OrderedDict(training=False)
    state["_parameters"] = collections.OrderedDict(module._parameters)
    state["_buffers"] = collections.OrderedDict((k, v) for k, v in module._buffers.items() if k not in skip)
    state["_non_persistent_buffers_set"] = set()
    for hooks in ("_backward_hooks", "_forward_hooks", "_forward_pre_hooks", "_state_dict_hooks"):
        state[hooks] = collections.OrderedDict()
    state["_modules"] = collections.OrderedDict(
        (name, Persistent(type(child).__name__, module_state(child)))
        for name, child in module._modules.items()
    )
    state.update(_attributes(module))
    state["_init_args"] = ()
    state["_init_kwargs"] = init_kwargs or {}
    return state


def generator_object(G, module_src: str = STYLEGAN3_SRC) -> Persistent:
    kwargs = dict(G.init_kwargs)
    kwargs["mapping_kwargs"] = EasyDict(kwargs.get("mapping_kwargs") or {})
    return Persistent("Generator", module_state(G, kwargs), module_src)


def snapshot(G, D_tensors: dict | None = None) -> dict:
    """The training loop's top-level dict: G, D, G_ema, augment_pipe, training_set_kwargs."""
    d_state = module_state(torch.nn.Module())
    d_state["_parameters"] = collections.OrderedDict(
        (k, torch.nn.Parameter(v)) for k, v in (D_tensors or {"b4.fc.weight": torch.randn(4, 8)}).items()
    )
    return {
        "G": generator_object(G),
        "D": Persistent("Discriminator", d_state, STYLEGAN2_SRC),
        "G_ema": generator_object(G),
        "augment_pipe": None,
        "training_set_kwargs": {
            "class_name": "training.dataset.ImageFolderDataset",
            "path": "x.zip",
            "use_labels": False,
            "max_size": 10,
            "xflip": False,
            "resolution": 32,
            "random_seed": 0,
        },
    }


def dumps(obj, protocol: int = 4, numpy1: bool = False) -> bytes:
    """Pickle obj the official way; numpy1=True spells numpy helpers as numpy.core.*."""
    buf = io.BytesIO()
    OfficialPickler(buf, protocol, NUMPY1_NAMES if numpy1 else None).dump(obj)
    return buf.getvalue()


def load_from_bytes_call(payload: bytes) -> Reduce:
    """A torch.storage._load_from_bytes(payload) call, e.g. with a hostile payload."""
    return Reduce(_load_from_bytes_placeholder, payload)
