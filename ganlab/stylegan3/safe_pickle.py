"""A restricted unpickler for NVIDIA's StyleGAN3 network pickles that never executes file code.

Official pickles store every network module as a call to
`torch_utils.persistence._reconstruct_persistent_obj(meta)`, where `meta` carries the *source
code* of the defining file, which the official loader `exec`s. Tensors are rebuilt through
`torch._utils._rebuild_tensor_v2` from storages made by `torch.storage._load_from_bytes`,
which in PyTorch is itself an unrestricted nested `torch.load`.

Here every allowed global is replaced by a harmless stand-in of our own:
* the persistent-object reconstructor returns a `PersistentObject` data holder; `module_src`
  is only inspected to tell StyleGAN3 from StyleGAN2 files, never executed;
* storages are decoded from the legacy `torch.save` stream by our own parser, whose embedded
  pickles go through the same kind of restricted unpickler;
* tensors are rebuilt from raw bytes with `torch.frombuffer`.
Any other global raises `UnsafePickleError` naming it. See docs/stylegan3.md.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass, field

import numpy as np
import torch


class UnsafePickleError(pickle.UnpicklingError):
    """The file asks for a global outside the allow-list; nothing was executed."""


class UnsupportedNetworkError(ValueError):
    """The file is a known network format that ganlab cannot run (e.g. StyleGAN2, TensorFlow)."""


@dataclass
class PersistentObject:
    """Data stand-in for an official persistent module: its class name, kind and __dict__."""

    class_name: str
    module_kind: str  # "stylegan3", "stylegan2", "augment" or "unknown", from the source text
    state: dict = field(repr=False)


def _module_kind(src: object) -> str:
    """Identify the defining file from its text; the text is never run."""
    if not isinstance(src, str):
        return "unknown"
    if "class SynthesisInput" in src:
        return "stylegan3"
    if "class SynthesisBlock" in src or "class DiscriminatorBlock" in src:
        return "stylegan2"
    if "class AugmentPipe" in src:
        return "augment"
    return "unknown"


def _reconstruct_persistent_obj(meta: dict) -> PersistentObject:
    if not isinstance(meta, dict) or meta.get("type") != "class" or not isinstance(meta.get("state"), dict):
        raise pickle.UnpicklingError(
            "malformed persistent object: expected a dict with type 'class' and a state"
        )
    return PersistentObject(str(meta.get("class_name")), _module_kind(meta.get("module_src")), meta["state"])


class EasyDict(dict):
    """Stand-in for dnnlib.util.EasyDict: a plain dict."""


# Storage class name in the legacy stream -> dtype.
_STORAGE_DTYPES = {
    "FloatStorage": torch.float32,
    "DoubleStorage": torch.float64,
    "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


@dataclass(frozen=True)
class _StorageType:
    dtype: torch.dtype


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None
):
    if not isinstance(storage, torch.Tensor) or storage.ndim != 1:
        raise pickle.UnpicklingError("tensor rebuild without a decoded storage")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    needed = (
        storage_offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) + 1 if all(size) else 0
    )
    if needed > storage.numel():
        raise pickle.UnpicklingError(
            f"tensor of size {size} does not fit its storage ({storage.numel()} elements)"
        )
    return torch.as_strided(storage, size, stride, int(storage_offset)).clone()


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *state):
    return data  # a Parameter's tensor; the Parameter wrapper is not needed to load a state_dict


def _latin1_encode(text, encoding="latin1"):
    # Protocol-2 pickles spell bytes objects as _codecs.encode(str, 'latin1'); allow only that.
    if not isinstance(text, str) or encoding != "latin1":
        raise UnsafePickleError("refusing global _codecs.encode with anything but (str, 'latin1')")
    return text.encode("latin1")


def _numpy_dtype(spec, align=False, copy=False):
    dtype = np.dtype(spec, align, copy)
    if dtype.hasobject:
        raise UnsafePickleError("refusing numpy dtype with Python objects")
    return dtype


# (module, name) -> harmless stand-in. Both numpy 1.x ("numpy.core") and 2.x ("numpy._core") spellings.
_OUTER_GLOBALS = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): EasyDict,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("_codecs", "encode"): _latin1_encode,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy", "ndarray"): np.ndarray,
}
# numpy's own array and scalar rebuilders, found through their reduce methods so that no
# deprecated numpy.core attribute is touched; they build plain data only.
for _spelling in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _OUTER_GLOBALS[(_spelling, "_reconstruct")] = np.zeros(0).__reduce__()[0]
    _OUTER_GLOBALS[(_spelling, "scalar")] = np.float64(0).__reduce__()[0]


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only allow-listed globals, each to a stand-in; refuses everything else by name."""

    allowed: dict = {}
    context = "network pickle"

    def find_class(self, module: str, name: str):
        if module == "__builtin__":  # protocol-2 pickles use Python 2's module name
            module = "builtins"
        if module.startswith("dnnlib.tflib"):
            raise UnsupportedNetworkError(
                f"this is a TensorFlow StyleGAN/StyleGAN2 pickle (global {module}.{name}); "
                "only PyTorch StyleGAN3 pickles are supported, StyleGAN2 is not yet supported"
            )
        stand_in = self.allowed.get((module, name))
        if stand_in is None:
            raise UnsafePickleError(
                f"refusing to load global '{module}.{name}' in {self.context}: it is not on "
                "the StyleGAN3 allow-list, and loading it could run code from the file"
            )
        return stand_in

    def persistent_load(self, pid):
        raise UnsafePickleError("refusing persistent id in a network pickle")


class _StorageUnpickler(_RestrictedUnpickler):
    """For the small pickles inside a legacy storage stream: only storage types and persistent ids."""

    allowed = {("torch", k): _StorageType(v) for k, v in _STORAGE_DTYPES.items()}
    context = "a nested storage stream"

    def persistent_load(self, pid):
        if not (
            isinstance(pid, tuple)
            and len(pid) >= 5
            and pid[0] == "storage"
            and isinstance(pid[1], _StorageType)
        ):
            raise UnsafePickleError(f"unexpected persistent id in storage stream: {pid!r:.80}")
        return pid  # ('storage', type, key, location, numel, ...)


def _load_from_bytes(data: bytes) -> torch.Tensor:
    """Decode one legacy (pre-zip) torch.save stream holding a single storage, as a 1-D tensor."""
    if not isinstance(data, bytes | bytearray):
        raise pickle.UnpicklingError("storage payload is not bytes")
    f = io.BytesIO(data)
    header = [_StorageUnpickler(f).load() for _ in range(3)]
    if header[0] != _LEGACY_MAGIC or header[1] != _LEGACY_PROTOCOL or not isinstance(header[2], dict):
        raise pickle.UnpicklingError("storage payload is not a legacy torch.save stream")
    if not header[2].get("little_endian", True):
        raise pickle.UnpicklingError("big-endian storage streams are not supported")
    pid = _StorageUnpickler(f).load()
    keys = _StorageUnpickler(f).load()
    if not isinstance(pid, tuple) or not isinstance(keys, list) or keys != [pid[2]]:
        raise pickle.UnpicklingError("storage stream must hold exactly one storage")
    (count,) = struct.unpack("<q", f.read(8))
    dtype = pid[1].dtype
    nbytes = count * torch.empty(0, dtype=dtype).element_size()
    raw = f.read(nbytes)
    if count < 0 or len(raw) != nbytes or count != int(pid[4]):
        raise pickle.UnpicklingError("storage stream is truncated or inconsistent")
    return torch.frombuffer(bytearray(raw), dtype=dtype) if nbytes else torch.empty(0, dtype=dtype)


class NetworkUnpickler(_RestrictedUnpickler):
    """Unpickler for the outer network pickle."""

    allowed = {**_OUTER_GLOBALS, ("torch.storage", "_load_from_bytes"): _load_from_bytes}


def safe_load_pickle(f) -> object:
    """Unpickle an official network file from binary stream `f` with the restricted unpickler."""
    head = f.peek(1)[:1] if hasattr(f, "peek") else b""
    if head and head != b"\x80":
        raise pickle.UnpicklingError("not a pickle file (pickles written by Python 3 start with 0x80)")
    try:
        return NetworkUnpickler(f).load()
    except (UnsafePickleError, UnsupportedNetworkError):
        raise
    except (
        EOFError,
        pickle.UnpicklingError,
        struct.error,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        RuntimeError,
    ) as exc:
        raise pickle.UnpicklingError(
            f"corrupt or truncated network pickle: {type(exc).__name__}: {exc}"
        ) from exc
