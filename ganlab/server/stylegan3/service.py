"""The StyleGAN3 side of the server: registry, downloads, device, and the worker threads it runs on.

Everything slow happens off the event loop. Renders go to one render thread, so they are
serialised (the model's transform buffer is shared state, and on a small CPU a second
concurrent render would only halve the speed of both) and the loop stays free for the
GAN Lab sessions. Loads go to a separate thread, so loading a big pickle does not stall
renders of a model that is already in memory.
"""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from ganlab.server.stylegan3.directions import ModelDirections
from ganlab.server.stylegan3.models import LoadedModel, ModelRegistry, StyleGAN3Config
from ganlab.server.stylegan3.params import RenderParams, check_for_model

PROGRESS_INTERVAL_S = 0.25  # how often a loading client hears about it
Progress = Callable[[dict], Awaitable[None]]
_create_lock = threading.Lock()


class BusyError(RuntimeError):
    """A client already has its quota of renders waiting or running; it should retry later."""

    def __init__(self, limit: int):
        super().__init__(
            f"busy: this client already has {limit} render(s) waiting or running "
            f"(GANLAB_SG3_MAX_QUEUED_RENDERS={limit}); try again when one has finished"
        )
        self.limit = limit


class StyleGAN3Service:
    """One per app; created on first use so the GAN Lab tab never pays for torch or a model."""

    def __init__(
        self,
        models_dir,
        device_name: str,
        config: StyleGAN3Config | None = None,
        training_cores: Callable[[], int] | None = None,
        hub_config=None,
    ):
        from ganlab.server.stylegan3.downloads import DownloadManager
        from ganlab.stylegan3.device import pick_device

        self.config = config or StyleGAN3Config()
        self.device = pick_device(device_name)
        self.registry = ModelRegistry(models_dir, self.device, self.config)
        self.downloads = DownloadManager(self.registry, hub_config)
        self.directions = ModelDirections(self.registry, self.config)
        self.training_cores = training_cores or (lambda: 0)  # cores GAN Lab training takes now
        self.cores = usable_cores()
        self.render_threads = self.threads_now()
        self._render_pool = ThreadPoolExecutor(1, thread_name_prefix="sg3-render")
        self._load_pool = ThreadPoolExecutor(1, thread_name_prefix="sg3-load")
        # Renders each client has waiting or running on the render thread: one thread serves
        # everyone, so without a bound one client could queue work that others wait behind.
        self._queued: collections.Counter[str] = collections.Counter()
        self._queued_lock = threading.Lock()
        self._cache = None  # PrefixCache of the model rendered last (one at a time bounds the memory)

    def activation_cache(self, model: LoadedModel):
        """The prefix cache for `model` (render thread only); a new model starts a fresh one."""
        from ganlab.stylegan3.prefix_cache import PrefixCache

        budget = self.config.activation_cache_mb * 2**20
        if not budget:
            return None
        if self._cache is None or self._cache.G is not model.G:
            self._cache = PrefixCache(model.G, budget)
        return self._cache

    def threads_now(self) -> int:
        """torch threads for the next render: every core while no GAN Lab session is playing, one
        core fewer per training process that has a playing session, never fewer than one.
        GANLAB_SG3_RENDER_THREADS fixes the number instead."""
        if self.config.render_threads:
            return self.config.render_threads
        try:
            busy = int(self.training_cores())
        except Exception:  # the sessions' registry is another part's: never let it break a render
            busy = 0
        return max(1, self.cores - busy)

    def _set_threads(self) -> int:
        import torch

        # torch's intra-op thread count is process-wide (not per thread), so it is set before
        # every render rather than once for the render thread.
        threads = self.threads_now()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        self.render_threads = threads
        return threads

    def _take_slot(self, client: str) -> None:
        limit = self.config.max_queued_renders
        with self._queued_lock:
            if self._queued[client] >= limit:
                raise BusyError(limit)
            self._queued[client] += 1

    def _free_slot(self, client: str) -> None:
        with self._queued_lock:
            self._queued[client] -= 1
            if self._queued[client] <= 0:
                del self._queued[client]

    def queued(self, client: str) -> int:
        """Renders `client` has waiting or running now."""
        with self._queued_lock:
            return self._queued[client]

    def device_info(self) -> dict:
        from ganlab.server.stylegan3.render import device_info

        return device_info(self.device, self.threads_now())

    async def in_load_thread(self, fn, *args):
        """Run `fn(*args)` on the load thread (reading and building networks)."""
        return await asyncio.get_running_loop().run_in_executor(self._load_pool, fn, *args)

    async def in_render_thread(self, fn, *args):
        """Run `fn(*args)` on the render thread (anything touching a model's buffers goes here)."""
        return await asyncio.get_running_loop().run_in_executor(self._render_pool, fn, *args)

    async def get_model(self, model_id: str, progress: Progress | None = None) -> LoadedModel:
        """The loaded model; while it loads, `progress` hears {phase, elapsed_s, estimate_s} 4x a second."""
        cached = self.registry.peek(model_id)  # only ids that resolved once are cached
        if cached is not None:
            return cached
        # Bad, unknown and refused ids fail here, before a load is queued; stat and link checks
        # touch the file system, so they run on a worker thread, never on the event loop.
        estimate = await asyncio.to_thread(self.registry.estimate_load_s, model_id)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._load_pool, self.registry.get, model_id)
        start = time.monotonic()
        if progress:  # at once, so even a quick load shows that it happened
            await progress({"phase": "loading", "elapsed_s": 0.0, "estimate_s": round(estimate, 2)})
        while True:
            done, _ = await asyncio.wait({future}, timeout=PROGRESS_INTERVAL_S if progress else None)
            if done:
                break
            elapsed = time.monotonic() - start
            await progress(
                {"phase": "loading", "elapsed_s": round(elapsed, 2), "estimate_s": round(estimate, 2)}
            )
        model = future.result()
        if progress:
            await progress(
                {
                    "phase": "ready",
                    "elapsed_s": round(time.monotonic() - start, 2),
                    "estimate_s": round(estimate, 2),
                }
            )
        return model

    async def render(
        self, model: LoadedModel, params: RenderParams, encode=None, client: str = "local", on_layer=None
    ) -> tuple:
        """Check `params` against the model, render on the render thread, and encode there too.
        `on_layer(index, count, name)` is called on the render thread as synthesis reaches each
        layer. BusyError when `client` already has `max_queued_renders` renders waiting or running."""
        from ganlab.server.stylegan3.render import render  # torch: imported on first use, not with the app

        check_for_model(params, model.info)

        def work():
            threads = self._set_threads()
            directions = self.directions.get(model)[0] if any(params.edit_amounts) else None
            result = render(model.G, params, self.device, on_layer, directions, self.activation_cache(model))
            result.threads = threads
            return result, (encode(result) if encode else None)

        self._take_slot(client)
        try:
            future = self._render_pool.submit(work)
        except BaseException:
            self._free_slot(client)
            raise
        # Freed when the work ends, not when the caller stops waiting: a closed socket's render
        # still occupies the thread until it finishes.
        future.add_done_callback(lambda _: self._free_slot(client))
        return await asyncio.wrap_future(future)

    async def find_directions(self, model: LoadedModel, progress: Callable[[int, int], None] | None = None):
        """(Directions, cached) of `model`, found on the render thread; `progress(done, total)` is
        called on the event loop as latents are mapped."""
        loop = asyncio.get_running_loop()

        def report(done: int, total: int) -> None:
            if progress:
                loop.call_soon_threadsafe(progress, done, total)

        def work():
            self._set_threads()
            return self.directions.get(model, report)

        return await self.in_render_thread(work)

    def close(self) -> None:
        self.downloads.close()
        self._render_pool.shutdown(wait=False, cancel_futures=True)
        self._load_pool.shutdown(wait=False, cancel_futures=True)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a container's share), not the host's."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def training_cores(app: FastAPI) -> int:
    """Cores this app's GAN Lab sessions keep busy right now (read-only look at their registry):
    one per training process with a playing session, as each process trains on one thread."""
    registry = getattr(app.state, "sessions", None)
    sessions = getattr(registry, "sessions", None) or {}
    # A session trains only while it plays and a client watches it (training_loop.py).
    playing = sum(1 for s in list(sessions.values()) if getattr(s, "state", None) == "playing" and s.owner is not None)
    processes = getattr(getattr(registry, "settings", None), "workers", 0) or 1
    return min(playing, processes)


def get_service(app: FastAPI) -> StyleGAN3Service:
    """The app's service, built on first use from the app's settings (tests pass their own)."""
    service = getattr(app.state, "stylegan3", None)
    if service is None:
        with _create_lock:
            service = getattr(app.state, "stylegan3", None)
            if service is None:
                settings = app.state.settings
                service = StyleGAN3Service(
                    settings.models_dir, settings.device, training_cores=lambda: training_cores(app)
                )
                app.state.stylegan3 = service
    return service
