"""The one error type a network file can fail with, and its kinds.

`load_network` raises only `NetworkLoadError` (a `ValueError`) for anything wrong with a file,
its message naming the file and the reason, plus `FileNotFoundError` when there is no file.
Raw errors of the decoders (MemoryError, RecursionError, struct.error, TypeError, ...) are
wrapped in it, so callers (the CLI, the server) catch one type and never show a traceback.
"""

from __future__ import annotations

import pickle


class NetworkLoadError(ValueError):
    """A network file cannot be loaded: refused, corrupt, unsupported or out of bounds."""


class UnsafePickleError(NetworkLoadError, pickle.UnpicklingError):
    """The file asks for a global outside the allow-list; nothing was executed."""


class CorruptNetworkError(NetworkLoadError, pickle.UnpicklingError):
    """The file is truncated, malformed or not a network file at all."""


class UnsupportedNetworkError(NetworkLoadError):
    """The file is a known network format that ganlab cannot run (e.g. StyleGAN2, TensorFlow)."""


class NetworkBoundsError(NetworkLoadError):
    """The file is larger or stranger than any real network: a decoding budget or a
    constructor bound was exceeded (see ganlab/stylegan3/bounds.py)."""
