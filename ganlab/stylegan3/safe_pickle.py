"""A restricted unpickler for NVIDIA's StyleGAN3 network pickles that never executes file code.

Official pickles store every network module as a call to
`torch_utils.persistence._reconstruct_persistent_obj(meta)`, where `meta` carries the *source
code* of the defining file, which the official loader `exec`s. Tensors are rebuilt through
`torch._utils._rebuild_tensor_v2` from storages made by `torch.storage._load_from_bytes`,
which in PyTorch is itself an unrestricted nested `torch.load`.

Here every allowed global is replaced by a harmless stand-in of our own (standins.py):
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
import pickle
import struct

import numpy as np
import torch

from ganlab.stylegan3.bounds import DecodeBudget
from ganlab.stylegan3.errors import (
    CorruptNetworkError,
    NetworkLoadError,
    UnsafePickleError,
    UnsupportedNetworkError,
)
from ganlab.stylegan3.standins import (
    ATOMS,
    OUTER_GLOBALS,
    STORAGE_DTYPES,
    EasyDict,
    PersistentObject,
    Storage,
    StorageType,
    rebuild_tensor_v2,
)

__all__ = ["PersistentObject", "UnsafePickleError", "UnsupportedNetworkError", "safe_load_pickle"]
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


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
    if type(key) not in ATOMS:
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

    allowed = {("torch", k): StorageType(v) for k, v in STORAGE_DTYPES.items()}
    context = "a nested storage stream"

    def persistent_load(self, pid):
        ok = isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
        if not ok or not isinstance(pid[1], StorageType) or not isinstance(pid[2], str) or len(pid[2]) > 64:
            raise UnsafePickleError("unexpected persistent id in a storage stream")
        if not isinstance(pid[4], int) or isinstance(pid[4], bool) or pid[4] < 0:
            raise CorruptNetworkError("storage stream with a bad element count")
        return pid  # ('storage', type, key, location, numel, ...)


def _load_from_bytes(budget: DecodeBudget, data: bytes) -> Storage:
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
    return Storage(torch.frombuffer(raw, dtype=dtype) if nbytes else torch.empty(0, dtype=dtype))


class NetworkUnpickler(_RestrictedUnpickler):
    """Unpickler for the outer network pickle."""

    allowed = {**OUTER_GLOBALS, ("torch.storage", "_load_from_bytes"): _load_from_bytes}
    budgeted = frozenset([_load_from_bytes, rebuild_tensor_v2])


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
