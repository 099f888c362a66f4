"""Harmless stand-ins for the globals an official StyleGAN3 pickle names (see safe_pickle.py).

Each allowed global of the file resolves to one of these: they build plain data (a
`PersistentObject` for a network module, dicts, sets, numpy numbers and arrays from their own
bytes, tensors as bounded views of decoded storages) and check their arguments, so a file can
neither run code nor make one small call allocate more than the file holds. `OUTER_GLOBALS`
maps (module, name) to the stand-in; see docs/stylegan3.md, "Safe loading".
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ganlab.stylegan3.bounds import MAX_TENSOR_DIMS, DecodeBudget
from ganlab.stylegan3.errors import CorruptNetworkError, UnsafePickleError

ATOMS = (str, int, float, bool, type(None), bytes)


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
        raise CorruptNetworkError("malformed persistent object: expected a dict with type 'class' and a state")
    name = meta.get("class_name")
    if not isinstance(name, str) or len(name) > 200:
        raise CorruptNetworkError("malformed persistent object: its class_name is not a short string")
    return PersistentObject(name, _module_kind(meta.get("module_src")), meta["state"])


class EasyDict(dict):
    """Stand-in for dnnlib.util.EasyDict: a plain dict."""


def _ordered_dict(*args):
    # Pickled OrderedDicts are rebuilt empty and then filled by SETITEMS, whose keys are checked.
    if args:
        raise UnsafePickleError("refusing collections.OrderedDict called with arguments")
    return collections.OrderedDict()


def _make_set(items=()):
    if not isinstance(items, list | tuple) or not all(type(x) in ATOMS for x in items):
        raise UnsafePickleError("refusing builtins.set of anything but a list of plain values")
    return set(items)


# Storage class name in the legacy stream -> dtype.
STORAGE_DTYPES = {
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


@dataclass(frozen=True)
class StorageType:
    dtype: torch.dtype


@dataclass(frozen=True)
class Storage:
    """A decoded storage: only these may back a rebuilt tensor."""

    data: torch.Tensor  # 1-D, owns its memory


def _int_tuple(value: object, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple | list) or len(value) > MAX_TENSOR_DIMS:
        raise CorruptNetworkError(f"tensor {what} is not a tuple of at most {MAX_TENSOR_DIMS} numbers")
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value):
        raise CorruptNetworkError(f"tensor {what} holds something other than non-negative whole numbers")
    return tuple(value)


def _check_view(storage: Storage, offset: object, size: tuple, stride: tuple) -> None:
    """The view must lie inside its storage and touch no element twice (a zero or overlapping
    stride would make clone() materialise far more than the file holds)."""
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or len(size) != len(stride):
        raise CorruptNetworkError("tensor rebuild with a bad storage offset or mismatched size and stride")
    span = 0  # the furthest element the dimensions so far reach, from the view's start
    for step, n in sorted((s, n) for s, n in zip(stride, size, strict=True) if n > 1):
        if step <= span:
            raise CorruptNetworkError(
                f"tensor of size {size} with stride {stride} overlaps itself (zero or overlapping stride)"
            )
        span += step * (n - 1)
    if offset + span + 1 > storage.data.numel():
        raise CorruptNetworkError(
            f"tensor of size {size} at offset {offset} does not fit its storage ({storage.data.numel()} elements)"
        )


def rebuild_tensor_v2(
    budget: DecodeBudget,
    storage,
    storage_offset,
    size,
    stride,
    requires_grad=False,
    backward_hooks=None,
    metadata=None,
):
    if not isinstance(storage, Storage):
        raise CorruptNetworkError("tensor rebuild without a decoded storage")
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if 0 in size:
        return torch.empty(size, dtype=storage.data.dtype)
    _check_view(storage, storage_offset, size, stride)
    budget.tensor(math.prod(size) * storage.data.element_size())
    return torch.as_strided(storage.data, size, stride, storage_offset).clone()


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *state):
    return data  # a Parameter's tensor; the Parameter wrapper is not needed to load a state_dict


def _latin1_encode(text, encoding="latin1"):
    # Protocol-2 pickles spell bytes objects as _codecs.encode(str, 'latin1'); allow only that.
    if not isinstance(text, str) or encoding != "latin1":
        raise UnsafePickleError("refusing global _codecs.encode with anything but (str, 'latin1')")
    return text.encode("latin1")


# numpy: plain numeric dtypes only, so no array can hold Python objects or structured fields.
_NUMPY_DTYPES = frozenset(
    ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16", "?"]
)


def _numpy_dtype(spec, align=False, copy=False):
    if not isinstance(spec, str) or spec not in _NUMPY_DTYPES:
        raise UnsafePickleError(f"refusing numpy dtype {spec!r:.40}: only plain numeric dtypes are allowed")
    return np.dtype(spec, bool(align), True)  # always a copy: BUILD must never touch numpy's own dtypes


class _NdarrayClass:
    """What the global numpy.ndarray resolves to: an argument for _reconstruct, not a constructor
    (numpy.ndarray(shape, dtype) would allocate any size, of any dtype, from a few bytes)."""

    def __call__(self, *args, **kwargs):
        raise UnsafePickleError("refusing to call numpy.ndarray: arrays are only rebuilt from their bytes")


_NDARRAY = _NdarrayClass()


def _numpy_reconstruct(cls, shape, typecode):
    # numpy pickles every array as _reconstruct(ndarray, (0,), b'b') then BUILD with the real
    # shape, dtype and bytes; numpy's __setstate__ checks that the bytes match the shape.
    if cls is not _NDARRAY or shape != (0,) or typecode != b"b":
        raise UnsafePickleError("refusing numpy _reconstruct with anything but (ndarray, (0,), b'b')")
    return np.ndarray((0,), "b")


def _numpy_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes):
        raise UnsafePickleError("refusing numpy scalar that is not a plain number")
    if len(data) != dtype.itemsize:
        raise CorruptNetworkError("numpy scalar with the wrong number of bytes")
    return np.frombuffer(data, dtype)[0]


# (module, name) -> harmless stand-in. Both numpy 1.x ("numpy.core") and 2.x ("numpy._core") spellings.
OUTER_GLOBALS = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): EasyDict,
    ("collections", "OrderedDict"): _ordered_dict,
    ("builtins", "set"): _make_set,
    ("_codecs", "encode"): _latin1_encode,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy", "ndarray"): _NDARRAY,
}
for _spelling in ("numpy.core.multiarray", "numpy._core.multiarray"):
    OUTER_GLOBALS[(_spelling, "_reconstruct")] = _numpy_reconstruct
    OUTER_GLOBALS[(_spelling, "scalar")] = _numpy_scalar
