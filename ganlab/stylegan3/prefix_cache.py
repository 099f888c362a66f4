"""Reuse what did not change: synthesis stage outputs cached by the prefix of ws that made them.

Stage i of the synthesis network (0 = the Fourier input, then one per layer) reads only
ws[0..i], the input transform and the precision, so its output is a function of those alone.
Each stage output is stored under a key that hashes exactly those (a running hash over the ws
rows, so the keys of every stage of one render cost one pass). A later render looks for the
deepest stage whose key it already has and runs only the stages after it:
* style mixing of fine layers ("mix 8+") keeps ws[0..7], so stages 0..7 are reused;
* a layer view, or moving to a deeper layer, reuses the stages before it;
* psi and the seed pad change every ws (truncation applies to all of them unless a cutoff
  is set), so they reuse nothing here; bf16 previews are what speeds those up.

The cache holds at most `max_bytes` of tensors and evicts the least recently used first, but
never a stage of the render that is storing: when one render's stages do not all fit, its
early stages are kept and the later ones skipped. Early stages are small and shared by the
most edits (mix 8+ needs stage 7, mix 12+ stage 11), and at 1024 px the last few stages alone
would fill a few hundred MB.
Resuming runs the very same ops on the very same inputs, so the image is bitwise the one an
uncached render gives. Cached tensors are shared: callers must not modify them in place.
"""

from __future__ import annotations

import collections
import hashlib
import threading

import torch

DEFAULT_MAX_MB = 256


class PrefixCache:
    """Stage outputs of one generator, keyed by (transform, precision, impl, ws prefix), LRU-bounded."""

    def __init__(self, G, max_bytes: int = DEFAULT_MAX_MB * 2**20):
        self.G = G
        self.max_bytes = int(max_bytes)
        self._items: collections.OrderedDict[bytes, torch.Tensor] = collections.OrderedDict()
        self.nbytes = 0
        self.hits = self.misses = self.evictions = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def stage_keys(self, ws: torch.Tensor, dtype_tag: str) -> list[bytes]:
        """One key per synthesis stage for ws [1, num_ws, w_dim]: stage i covers ws[0..i]."""
        syn = self.G.synthesis
        impls = sorted({getattr(syn, name).impl for name in syn.layer_names})
        h = hashlib.blake2b(digest_size=20)
        h.update(repr((dtype_tag, impls, tuple(ws.shape))).encode())
        h.update(syn.input.transform.detach().cpu().double().numpy().tobytes())
        rows = ws.detach().to("cpu", torch.float32).contiguous().numpy()[0]
        keys = []
        for row in rows[: len(syn.layer_names) + 1]:
            h.update(row.tobytes())
            keys.append(h.copy().digest())
        return keys

    def deepest(self, keys: list[bytes], end: int) -> tuple[int, torch.Tensor] | None:
        """(stage index, output) of the deepest cached stage <= end, or None."""
        with self._lock:
            for index in range(end, -1, -1):
                x = self._items.get(keys[index])
                if x is not None:
                    self._items.move_to_end(keys[index])
                    self.hits += 1
                    return index, x
            self.misses += 1
            return None

    def put(self, key: bytes, x: torch.Tensor, protect=frozenset()) -> bool:
        """Store one stage output, evicting the least recently used until it fits the bound;
        entries in `protect` (this render's own stages) are never evicted: then x is skipped."""
        size = x.element_size() * x.nelement()
        if size > self.max_bytes:
            return False  # would evict everything and still not fit
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old.element_size() * old.nelement()
            while self._items and self.nbytes + size > self.max_bytes:
                oldest = next(iter(self._items))
                if oldest in protect:
                    return False
                evicted = self._items.pop(oldest)
                self.nbytes -= evicted.element_size() * evicted.nelement()
                self.evictions += 1
            self._items[key] = x
            self.nbytes += size
            return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0


def dtype_tag(force_fp32: bool, compute_dtype) -> str:
    """Part of the key: what precision the layers ran in."""
    return "fp32" if force_fp32 else str(compute_dtype or "default")


@torch.no_grad()
def cached_forward(G, ws: torch.Tensor, stop: str | None, cache: PrefixCache | None, **layer_kwargs):
    """G.synthesis.forward_until(ws, stop, ...) that reuses and fills `cache` (None = no cache).
    Returns (result, stages_reused): how many stages came from the cache (0 = none)."""
    syn = G.synthesis
    if cache is None or ws.shape[0] != 1:
        return syn.forward_until(ws, stop, **layer_kwargs), 0
    names = syn.stage_names()
    end = len(names) - 1 if stop is None else names.index(stop)
    tag = dtype_tag(layer_kwargs.get("force_fp32", False), layer_kwargs.get("compute_dtype"))
    keys = cache.stage_keys(ws, tag)
    resume = cache.deepest(keys, end)
    protect = frozenset(keys[: end + 1])
    out = syn.forward_until(
        ws, stop, resume=resume, keep=lambda i, x: cache.put(keys[i], x, protect), **layer_kwargs
    )
    return out, 0 if resume is None else resume[0] + 1
