"""Latent directions per loaded model, for the tab: found once, then kept in memory and on disk.

The cache key is the sha256 of the model file (remembered per path, size and mtime, so a 300 MB
pickle is hashed once per change), or of the weights for the built-in demo. The work runs on
the render thread (it uses the model), and reports `progress(done, total)` from there.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ganlab.server.stylegan3.models import LoadedModel, ModelRegistry, StyleGAN3Config
from ganlab.server.stylegan3.params import FieldError
from ganlab.stylegan3.directions import (
    Directions,
    DirectionsCache,
    DirectionsSpec,
    file_sha256,
    layer_range,
    weights_sha256,
)

CACHE_FOLDER = ".directions"  # hidden, so the registry never lists it as a model


def cache_folder(models_dir: Path, config: StyleGAN3Config) -> Path:
    """Where .npz directions live: GANLAB_SG3_DIRECTIONS_DIR, else models_dir/.directions."""
    return Path(config.directions_dir) if config.directions_dir else Path(models_dir) / CACHE_FOLDER


class ModelDirections:
    """Blocking; call on the render thread."""

    def __init__(self, registry: ModelRegistry, config: StyleGAN3Config, spec: DirectionsSpec | None = None):
        self.registry, self.spec = registry, spec or DirectionsSpec()
        self.cache = DirectionsCache(cache_folder(registry.models_dir, config))
        self._keys: dict[tuple, str] = {}
        self._found: dict[str, Directions] = {}  # model key -> directions
        self._lock = threading.Lock()

    def key(self, model: LoadedModel) -> str:
        path = self.registry.resolve(model.id)
        if path is None:
            ident = ("weights", model.id, id(model.G))
            compute = lambda: weights_sha256(model.G)  # noqa: E731
        else:
            stat = path.stat()
            ident = ("file", str(path), stat.st_size, stat.st_mtime_ns)
            compute = lambda: file_sha256(path)  # noqa: E731
        with self._lock:
            if ident not in self._keys:
                self._keys[ident] = compute()
            return self._keys[ident]

    def get(self, model: LoadedModel, progress=None) -> tuple[Directions, bool]:
        """(directions, cached): from memory, the disk cache, or computed now."""
        key = self.key(model)
        if key in self._found:
            return self._found[key], True
        directions, cached = self.cache.get_or_compute(model.G, key, self.spec, progress)
        self._found[key] = directions
        return directions, cached


def directions_info(directions: Directions, num_ws: int, cached: bool) -> dict:
    """The summary the tab builds its sliders from, with each layer range as inclusive [first, last]."""
    ranges = {}
    for name in ("all", "coarse", "middle", "fine"):
        start, stop = layer_range(name, num_ws)
        ranges[name] = [start, stop - 1]
    return {**directions.summary(), "num_ws": num_ws, "ranges": ranges, "cached": cached}


async def serve_directions(sock, job) -> None:
    """Answer a socket's `directions` job: `progress` (phase directions, done, total latents mapped)
    while they are found, then `directions` with directions_info; an `error` naming the field if
    the model is bad. `sock` is the RenderSocket (post, send_json, service, error senders)."""
    try:
        model = await sock.service.get_model(job.model)

        def progress(done: int, total: int) -> None:
            sock.post({"type": "progress", "id": job.id, "model": model.id, "phase": "directions",
                       "done": done, "total": total})

        directions, cached = await sock.service.find_directions(model, progress)
        info = directions_info(directions, model.info["num_ws"], cached)
        await sock.send_json({"type": "directions", "id": job.id, "model": model.id, "info": info})
    except FieldError as error:
        await sock._error(job.id, error)
    except Exception as error:  # a broken model file must not end the connection
        await sock._send_error(job.id, "model", f"{type(error).__name__}: {error}")
