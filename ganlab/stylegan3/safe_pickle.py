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
Any other global raises `UnsafePickleError` naming it.

The decoder is pickle's pure-Python unpickler with guards on the few opcodes that could cost
more than the bytes that spell them: every opcode counts against a budget, dict keys and set
members must be plain atoms (a shared nested tuple as a key would take exponential time to
hash), a declared length may not exceed the file, BUILD applies only to numpy arrays and
dtypes and plain dicts, and tensors may view their storage only without overlap or
overflow. Limits live in ganlab/stylegan3/bounds.py. See docs/stylegan3.md, "Safe loading".
"""

from __future__ import annotations

import collections
import functools
import io
import math
import pickle
import struct
from dataclasses import dataclass, field

import numpy as np
import torch

from ganlab.stylegan3.bounds import MAX_TENSOR_DIMS, DecodeBudget
from ganlab.stylegan3.errors import (
    CorruptNetworkError,
    NetworkLoadError,
    UnsafePickleError,
    UnsupportedNetworkError,
)

__all__ = ["PersistentObject", "UnsafePickleError", "UnsupportedNetworkError", "safe_load_pickle"]
_ATOMS = (str, int, float, bool, type(None), bytes)


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
    if not isinstance(items, list | tuple) or not all(type(x) in _ATOMS for x in items):
        raise UnsafePickleError("refusing builtins.set of anything but a list of plain values")
    return set(items)


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


@dataclass(frozen=True)
class _Storage:
    """A decoded storage: only these may back a rebuilt tensor."""

    data: torch.Tensor  # 1-D, owns its memory


def _int_tuple(value: object, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple | list) or len(value) > MAX_TENSOR_DIMS:
        raise CorruptNetworkError(f"tensor {what} is not a tuple of at most {MAX_TENSOR_DIMS} numbers")
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value):
        raise CorruptNetworkError(f"tensor {what} holds something other than non-negative whole numbers")
    return tuple(value)


def _check_view(storage: _Storage, offset: object, size: tuple, stride: tuple) -> None:
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


def _rebuild_tensor_v2(
    budget: DecodeBudget,
    storage,
    storage_offset,
    size,
    stride,
    requires_grad=False,
    backward_hooks=None,
    metadata=None,
):
    if not isinstance(storage, _Storage):
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
_OUTER_GLOBALS = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): EasyDict,
    ("collections", "OrderedDict"): _ordered_dict,
    ("builtins", "set"): _make_set,
    ("_codecs", "encode"): _latin1_encode,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy", "ndarray"): _NDARRAY,
}
for _spelling in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _OUTER_GLOBALS[(_spelling, "_reconstruct")] = _numpy_reconstruct
    _OUTER_GLOBALS[(_spelling, "scalar")] = _numpy_scalar


class _BoundedFile:
    """The file as the unpickler reads it: a declared length beyond the end is refused before
    anything is allocated for it."""

    def __init__(self, f):
        self.f = f
        here = f.tell()
        self.size = f.seek(0, io.SEEK_END)
        f.seek(here)

    def _check(self, n: int) -> None:
        if n is not None and n > self.size - self.f.tell():
            raise CorruptNetworkError(
                f"corrupt or truncated network pickle: it declares {n:,} bytes where only "
                f"{self.size - self.f.tell():,} remain"
            )

    def read(self, n=-1):
        if n is not None and n >= 0:
            self._check(n)
        return self.f.read(n)

    def readinto(self, buf):
        self._check(len(buf))
        return self.f.readinto(buf)

    def readline(self):
        return self.f.readline(1 << 16)


def _check_key(key: object) -> None:
    if type(key) not in _ATOMS:
        raise UnsafePickleError(f"refusing a {type(key).__name__} as a dict key or set member: only plain values")


def _guarded(opcode_handler):
    def handler(self):
        self.budget.opcode()
        return opcode_handler(self)

    return handler


class _RestrictedUnpickler(pickle._Unpickler):
    """Resolves only allow-listed globals, each to a stand-in; refuses everything else by name.
    pickle's pure-Python unpickler, so that the opcodes below can be guarded."""

    allowed: dict = {}
    budgeted: frozenset = frozenset()  # stand-ins that get the file's DecodeBudget first
    context = "network pickle"
    dispatch = {key: _guarded(fn) for key, fn in pickle._Unpickler.dispatch.items()}

    def __init__(self, f, budget: DecodeBudget):
        self.file = _BoundedFile(f)
        super().__init__(self.file)
        self.budget = budget

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
        return functools.partial(stand_in, self.budget) if stand_in in self.budgeted else stand_in

    def persistent_load(self, pid):
        raise UnsafePickleError("refusing persistent id in a network pickle")

    # ---- guarded opcodes ----------------------------------------------------------------
    # After MARK, pickle's pure-Python unpickler starts a fresh self.stack, so the items of
    # SETITEMS/ADDITEMS/FROZENSET/DICT are exactly self.stack.
    def load_setitem(self):
        _check_key(self.stack[-2])
        super().load_setitem()

    def load_setitems(self):
        for key in self.stack[0::2]:
            _check_key(key)
        super().load_setitems()

    def load_dict(self):
        for key in self.stack[0::2]:
            _check_key(key)
        super().load_dict()

    def load_additems(self):
        for key in self.stack:
            _check_key(key)
        super().load_additems()

    def load_frozenset(self):
        for key in self.stack:
            _check_key(key)
        super().load_frozenset()

    def load_bytearray8(self):
        (n,) = struct.unpack("<Q", self.read(8))
        if n > self.file.size:  # bytearray(n) would be allocated (and zeroed) before reading
            raise CorruptNetworkError(f"the pickle declares a {n:,}-byte array in a {self.file.size:,}-byte file")
        self.append(bytearray(self.read(n)))

    def load_build(self):
        state, inst = self.stack[-1], self.stack[-2]
        if isinstance(inst, np.dtype):
            if state != inst.__reduce__()[2]:  # a dtype's state could add fields: only its own is accepted
                raise UnsafePickleError("refusing a numpy dtype whose state differs from its spelling")
            self.stack.pop()
            return
        if isinstance(inst, np.ndarray):
            ok = inst.shape == (0,) and isinstance(state, tuple) and len(state) == 5
            if not ok or not isinstance(state[2], np.dtype) or state[2].hasobject or not isinstance(state[4], bytes):
                raise UnsafePickleError("refusing numpy array state that is not plain numbers")
        elif type(inst) not in (EasyDict, collections.OrderedDict) or not (
            state is None or isinstance(state, dict) and all(type(k) is str for k in state)
        ):
            raise UnsafePickleError(f"refusing to set the state of a {type(inst).__name__}")
        super().load_build()

    dispatch = {
        **dispatch,
        **{
            op[0]: _guarded(fn)
            for op, fn in (
                (pickle.SETITEM, load_setitem),
                (pickle.SETITEMS, load_setitems),
                (pickle.DICT, load_dict),
                (pickle.ADDITEMS, load_additems),
                (pickle.FROZENSET, load_frozenset),
                (pickle.BYTEARRAY8, load_bytearray8),
                (pickle.BUILD, load_build),
            )
        },
    }


class _StorageUnpickler(_RestrictedUnpickler):
    """For the small pickles inside a legacy storage stream: only storage types and persistent ids."""

    allowed = {("torch", k): _StorageType(v) for k, v in _STORAGE_DTYPES.items()}
    context = "a nested storage stream"

    def persistent_load(self, pid):
        ok = isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
        if not ok or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str) or len(pid[2]) > 64:
            raise UnsafePickleError("unexpected persistent id in a storage stream")
        if not isinstance(pid[4], int) or isinstance(pid[4], bool) or pid[4] < 0:
            raise CorruptNetworkError("storage stream with a bad element count")
        return pid  # ('storage', type, key, location, numel, ...)


def _load_from_bytes(budget: DecodeBudget, data: bytes) -> _Storage:
    """Decode one legacy (pre-zip) torch.save stream holding a single storage."""
    if not isinstance(data, bytes | bytearray):
        raise CorruptNetworkError("storage payload is not bytes")
    f = io.BytesIO(data)
    header = [_StorageUnpickler(f, budget).load() for _ in range(3)]
    if type(header[0]) is not int or header[0] != _LEGACY_MAGIC or header[1] != _LEGACY_PROTOCOL:
        raise CorruptNetworkError("storage payload is not a legacy torch.save stream")
    if not isinstance(header[2], dict) or header[2].get("little_endian", True) is not True:
        raise CorruptNetworkError("storage stream is big-endian or has no system header")
    pid = _StorageUnpickler(f, budget).load()
    keys = _StorageUnpickler(f, budget).load()
    if not isinstance(pid, tuple) or not isinstance(keys, list) or len(keys) != 1 or keys[0] != pid[2]:
        raise CorruptNetworkError("storage stream must hold exactly one storage")
    count_bytes = f.read(8)
    if len(count_bytes) != 8:
        raise CorruptNetworkError("storage stream is truncated")
    (count,) = struct.unpack("<q", count_bytes)
    dtype = pid[1].dtype
    nbytes = count * torch.empty(0, dtype=dtype).element_size()
    if count < 0 or count != pid[4] or nbytes > len(data) - f.tell():
        raise CorruptNetworkError("storage stream is truncated or inconsistent")
    budget.storage(nbytes)
    raw = bytearray(f.read(nbytes))
    return _Storage(torch.frombuffer(raw, dtype=dtype) if nbytes else torch.empty(0, dtype=dtype))


class NetworkUnpickler(_RestrictedUnpickler):
    """Unpickler for the outer network pickle."""

    allowed = {**_OUTER_GLOBALS, ("torch.storage", "_load_from_bytes"): _load_from_bytes}
    budgeted = frozenset([_load_from_bytes, _rebuild_tensor_v2])


def safe_load_pickle(f, budget: DecodeBudget | None = None) -> object:
    """Unpickle an official network file from binary seekable stream `f` with the restricted
    unpickler. Raises NetworkLoadError (one of its kinds) for anything wrong with the file."""
    head = f.peek(1)[:1] if hasattr(f, "peek") else b""
    if head and head != b"\x80":
        raise CorruptNetworkError("not a pickle file (pickles written by Python 3 start with 0x80)")
    try:
        return NetworkUnpickler(f, budget or DecodeBudget()).load()
    except NetworkLoadError:
        raise
    except (EOFError, pickle.UnpicklingError, struct.error, ValueError, TypeError, KeyError, IndexError,
            AttributeError, RuntimeError) as exc:
        raise CorruptNetworkError(f"corrupt or truncated network pickle: {type(exc).__name__}: {exc}"[:500]) from exc
