"""The StyleGAN3 model registry: which networks exist, loading them once, and keeping a few.

Models are the `.pkl` and `.safetensors` files under `GANLAB_MODELS_DIR` (two folder levels),
identified by their path relative to that folder, plus the built-in `demo`: the official
256x256 T architecture with seeded random weights, built on demand. Ids are checked
lexically (stylegan3_params.check_model_id) and again here, so no id reaches a file outside
the folder; links that point outside it are listed as broken and never opened. Networks are
loaded lazily with ganlab's safe loader (never executes file code), and an LRU cache keeps as
many as fit in `GANLAB_SG3_CACHE_MB`. A file that cannot be read (a malformed header, a
refused load) is listed with `broken` set to the reason, so one bad file never breaks the list.
Listing reads file headers: blocking, so callers run it off the event loop.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import re
import struct
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ganlab.server.stylegan3.params import FieldError, check_model_id

log = logging.getLogger("ganlab.stylegan3")
DEMO_ID = "demo"
SUFFIXES = (".pkl", ".safetensors")
UPLOAD_FOLDER = "uploads"
# Tiny demo for tests and slow machines: same code path and layer schedule shape, ~30x cheaper.
TINY_DEMO = dict(img_resolution=64, channel_base=2048, channel_max=64)
_NAME_HINT = re.compile(r"(?:^|[-_])([tr])[-_].*?(\d{2,4})x\d{2,4}", re.IGNORECASE)
_SG2_NAME_HINT = re.compile(r"^stylegan2.*?(\d{2,4})x\d{2,4}", re.IGNORECASE)


class StyleGAN3Config(BaseSettings):
    """StyleGAN3 tab knobs, from `GANLAB_SG3_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="GANLAB_SG3_", extra="ignore")

    demo: str = Field(
        "official",
        pattern="^(official|tiny)$",
        description="'official': 256x256 T demo; 'tiny': a 64x64 one for tests and slow CPUs.",
    )
    cache_mb: int | None = Field(
        None, ge=1, description="Memory for loaded models; default half the free RAM."
    )
    max_upload_mb: float = Field(1024, gt=0, description="Largest network file accepted by upload.")
    max_uploads: int = Field(20, ge=0, le=10_000, description="Most uploaded networks kept in models_dir/uploads.")
    max_uploads_total_mb: float = Field(
        4096, ge=0, description="Most megabytes all uploaded networks in models_dir/uploads may take together."
    )
    jpeg_quality: int = Field(85, ge=30, le=100, description="Quality of the live JPEG frames.")
    max_grid: int = Field(4, ge=1, le=8, description="Largest seed grid side.")
    max_frames: int = Field(60, ge=2, le=240, description="Most frames in one interpolation job.")
    render_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="torch threads for renders; default every core, one fewer while a GAN Lab session plays.",
    )
    max_queued_renders: int = Field(
        4, ge=1, le=1000, description="Renders one client may have waiting or running; more are answered 'busy'."
    )
    activation_cache_mb: int = Field(
        256,
        ge=0,
        le=65536,
        description="Memory for synthesis activations reused across renders that share a prefix of ws "
        "(style mixing of fine layers, layer views); 0 turns the cache off.",
    )
    directions_dir: Path | None = Field(
        None,
        description="Cache of latent directions (PCA of W), one .npz per model sha256; "
        "default models_dir/.directions.",
    )
    progress_after_s: float = Field(
        0.3, ge=0, le=60, description="A render running longer than this reports the synthesis layer it is on."
    )


@dataclass
class LoadedModel:
    """A ready generator and what the UI needs to know about it."""

    id: str
    G: object = field(repr=False)
    info: dict
    nbytes: int


def available_memory_bytes() -> int:
    """Free RAM (MemAvailable); falls back to 4 GB where /proc is missing."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def generator_info(G) -> dict:
    """Resolution, T/R, conditioning, precision and the layer table of a built generator."""
    from ganlab.stylegan3.catalog import summary
    from ganlab.stylegan3.render import list_layers

    # "output" is the image itself, which the UI shows when no layer is picked.
    layers = [{"name": x.name, "size": int(x.size), "channels": int(x.channels)} for x in list_layers(G)]
    return {**summary(G), "layers": [layer for layer in layers if layer["name"] != "output"]}


def config_letter(kwargs: dict) -> str:
    """'R' for the rotation-equivariant config (1x1 convs, radial filters), else 'T', from kwargs alone
    (for file headers; a built generator is described by ganlab.stylegan3.catalog.summary)."""
    return "R" if kwargs.get("conv_kernel") == 1 or kwargs.get("use_radial_filters") else "T"


def safetensors_info(path: Path) -> dict:
    """Resolution/config/conditional from a ganlab .safetensors header, without reading the weights.
    NetworkLoadError (with the reason) for a header that is malformed or out of bounds; {} for a
    valid safetensors file without ganlab metadata."""
    from ganlab.stylegan3.bounds import MAX_HEADER_BYTES, check_generator_kwargs
    from ganlab.stylegan3.errors import CorruptNetworkError

    with open(path, "rb") as f:
        head = f.read(8)
        length = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if not 0 < length <= MAX_HEADER_BYTES:
            raise CorruptNetworkError(f"safetensors header is truncated or larger than {MAX_HEADER_BYTES:,} bytes")
        try:
            header = json.loads(f.read(length))
            meta = header.get("__metadata__") or {} if isinstance(header, dict) else None
            config = json.loads(meta.get("ganlab.config", "{}")) if isinstance(meta, dict) else None
        except (ValueError, TypeError, RecursionError, AttributeError) as error:
            raise CorruptNetworkError(f"safetensors header is not valid JSON: {error}"[:200]) from None
    if not isinstance(config, dict):
        raise CorruptNetworkError("safetensors header has no metadata object")
    if not config:
        return {}
    stylegan2 = meta.get("ganlab.architecture") == "stylegan2"
    if stylegan2:
        from ganlab.stylegan3.kwargs_stylegan2 import check_generator_kwargs as check_stylegan2

        check_stylegan2(config)
    else:
        check_generator_kwargs("stylegan3", config)
    return {
        "resolution": config.get("img_resolution"),
        "config": "StyleGAN2" if stylegan2 else config_letter(config),
        "conditional": bool(config.get("c_dim")),
    }


def name_hint(name: str) -> dict:
    """Guess T/R and resolution from an official file name (stylegan3-t-ffhqu-256x256.pkl)."""
    sg2 = _SG2_NAME_HINT.search(name)
    if sg2:  # stylegan2-ffhq-1024x1024.pkl
        return {"resolution": int(sg2.group(1)), "config": "StyleGAN2", "conditional": None}
    match = _NAME_HINT.search(name)
    if not match:
        return {"resolution": None, "config": None, "conditional": None}
    return {"resolution": int(match.group(2)), "config": match.group(1).upper(), "conditional": None}


def build_demo(kind: str):
    """The built-in untrained demo network ('official' 256 T, or 'tiny' for tests)."""
    from ganlab.stylegan3.demo import build_demo_generator

    if kind == "official":
        return build_demo_generator(seed=0)
    import torch

    from ganlab.stylegan3.demo import DEMO_CONFIG
    from ganlab.stylegan3.networks import Generator

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        G = Generator(**{**DEMO_CONFIG, **TINY_DEMO})
        with torch.no_grad():
            # A visible input transform, as in the official-size demo. Input gains stay at 1 except
            # ToRGB's, so the output spans roughly [-1, 1] instead of saturating at the clamp.
            G.synthesis.input.affine.weight.normal_(0, 0.5)
            getattr(G.synthesis, G.synthesis.layer_names[-1]).magnitude_ema.fill_(0.1)
    return G.eval().requires_grad_(False)


class ModelRegistry:
    """Lists, loads (once, thread-safely) and caches StyleGAN3 networks. Blocking: call off the loop."""

    def __init__(self, models_dir: Path, device, config: StyleGAN3Config):
        self.models_dir, self.device, self.config = Path(models_dir), device, config
        budget = config.cache_mb * 2**20 if config.cache_mb else available_memory_bytes() // 2
        self.cache_bytes = int(budget)
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[str, LoadedModel] = collections.OrderedDict()
        self._loading: dict[str, Future] = {}
        self._known: dict[str, dict] = {}  # info learned by loading, kept after eviction

    # ---- listing -------------------------------------------------------------------------
    def list_models(self) -> list[dict]:
        """The demo first, then every network file, sorted by id."""
        return [self._entry(DEMO_ID, None)] + [self._entry(mid, path) for mid, path in self._files()]

    def _files(self) -> list[tuple[str, Path]]:
        if not self.models_dir.is_dir():
            return []
        found = []
        for pattern in ("*", "*/*"):
            for path in self.models_dir.glob(pattern):
                rel = path.relative_to(self.models_dir).as_posix()
                if (
                    path.suffix.lower() in SUFFIXES
                    and path.is_file()
                    and not any(p.startswith(".") for p in rel.split("/"))
                ):
                    found.append((rel, path))
        return sorted(found)

    def _outside(self, path: Path) -> bool:
        """True for a link (or a file under a linked folder) that leads outside the models folder."""
        try:
            return not path.resolve().is_relative_to(self.models_dir.resolve())
        except (OSError, RuntimeError):  # a link loop
            return True

    def _entry(self, model_id: str, path: Path | None) -> dict:
        if model_id == DEMO_ID:
            res = 256 if self.config.demo == "official" else TINY_DEMO["img_resolution"]
            meta = {
                "name": f"Demo {res}x{res} T (untrained, random weights)",
                "resolution": res,
                "config": "T",
                "conditional": False,
                "size_bytes": None,
                "untrained": True,
            }
        else:
            meta = {"name": path.name, **name_hint(path.name), "size_bytes": None, "untrained": False}
            meta.update(self._file_meta(path))
        known = self._known.get(model_id, {})
        meta.update(
            {
                k: known[k]
                for k in ("resolution", "config", "architecture", "conditional", "c_dim", "num_ws", "broken")
                if k in known
            }
        )
        return {"id": model_id, "broken": None, **meta, "loaded": model_id in self._cache}

    def _file_meta(self, path: Path) -> dict:
        """Size and header facts of one file, or `broken` with the reason; never raises."""
        if self._outside(path):
            return {"broken": "refused: a link to a file outside the models folder"}
        try:
            meta = {"size_bytes": path.stat().st_size}
            if path.suffix.lower() == ".safetensors":
                meta.update({k: v for k, v in safetensors_info(path).items() if v is not None})
            return meta
        except (OSError, ValueError, struct.error) as error:  # NetworkLoadError is a ValueError
            return {"broken": str(error)[:300]}

    def resolve(self, model_id: str) -> Path | None:
        """The file of `model_id` (None for the demo); FieldError for bad or unknown ids."""
        try:
            check_model_id(model_id)
        except ValueError as error:
            raise FieldError("model", str(error), status=400) from None
        if model_id == DEMO_ID:
            return None
        path = self.models_dir / model_id
        inside = os.path.normpath(path).startswith(os.path.normpath(self.models_dir) + os.sep)
        if not inside or path.suffix.lower() not in SUFFIXES or not path.is_file():
            raise FieldError(
                "model", f"unknown model {model_id!r}; see GET /api/stylegan3/models", status=404
            )
        if self._outside(path):
            raise FieldError("model", f"refused: {model_id!r} links to a file outside the models folder", status=403)
        return path

    # ---- loading and caching -------------------------------------------------------------
    def is_loaded(self, model_id: str) -> bool:
        return model_id in self._cache

    def peek(self, model_id: str) -> LoadedModel | None:
        """The cached model (marked as recently used), or None; never loads."""
        with self._lock:
            model = self._cache.get(model_id)
            if model is not None:
                self._cache.move_to_end(model_id)
            return model

    def get(self, model_id: str) -> LoadedModel:
        """The loaded model, loading it first if needed (concurrent callers share one load)."""
        path = self.resolve(model_id)
        with self._lock:
            if model_id in self._cache:
                self._cache.move_to_end(model_id)
                return self._cache[model_id]
            future, owner = self._loading.get(model_id), False
            if future is None:
                future, owner = Future(), True
                self._loading[model_id] = future
        if not owner:
            return future.result()
        try:
            model = self._load(model_id, path)
            future.set_result(model)
            return model
        except BaseException as error:
            future.set_exception(error)
            raise
        finally:
            with self._lock:
                self._loading.pop(model_id, None)

    def _load(self, model_id: str, path: Path | None) -> LoadedModel:
        start = time.perf_counter()
        if path is None:
            G = build_demo(self.config.demo)
        else:
            from ganlab.stylegan3 import load_network
            from ganlab.stylegan3.errors import NetworkLoadError

            try:
                G = load_network(path)["G_ema"]
            except NetworkLoadError as error:  # the file's fault: 422, and the list shows it as broken
                reason = str(error).removeprefix(f"{path.name}: ")
                with self._lock:
                    self._known[model_id] = {"broken": reason[:300]}
                raise FieldError("model", f"cannot load {model_id!r}: {reason}", status=422) from None
        return self.add(model_id, G, time.perf_counter() - start)

    def add(self, model_id: str, G, load_s: float = 0.0) -> LoadedModel:
        """Put a built generator in the cache (moved to the device), evicting the oldest beyond the budget."""
        G = G.to(self.device)
        nbytes = sum(t.numel() * t.element_size() for t in [*G.parameters(), *G.buffers()])
        info = {**generator_info(G), "load_s": round(load_s, 3), "param_bytes": nbytes}
        model = LoadedModel(model_id, G, info, nbytes)
        with self._lock:
            self._known[model_id] = info
            self._cache[model_id] = model
            self._cache.move_to_end(model_id)
            while len(self._cache) > 1 and sum(m.nbytes for m in self._cache.values()) > self.cache_bytes:
                evicted, _ = self._cache.popitem(last=False)
                log.info("evicted StyleGAN3 model %s from the cache", evicted)
        log.info("loaded StyleGAN3 model %s in %.2f s (%.0f MB)", model_id, load_s, nbytes / 2**20)
        return model

    def estimate_load_s(self, model_id: str) -> float:
        """A rough load time for the progress bar: file size at ~150 MB/s, or the demo's build time."""
        if model_id == DEMO_ID:
            return 1.0 if self.config.demo == "official" else 0.2
        path = self.resolve(model_id)
        return 0.5 + path.stat().st_size / 150e6
