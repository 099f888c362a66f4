"""Model hub downloads inside the server: one job per file, shared by every tab that asks for it.

A job runs `ganlab.stylegan3.hub.install` on a thread of its own (the event loop and the render
thread never wait for the network). Its state is broadcast to every StyleGAN3 socket, at most
five times a second plus every change of state, so a second tab asking for the same model, or
a tab opened later, sees the same download instead of starting another. When the file is
checked and in place, its generator goes straight into the model cache (the safe loader has
just read it), and the job reports the model id the tabs can select.

Job states: `downloading` (with `phase` connecting/downloading/retrying/checking), `done`,
`failed` (with `error`: kind, message, hint, kept_bytes) and `cancelled`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ganlab.server.stylegan3.params import FieldError
from ganlab.stylegan3.hub import catalog
from ganlab.stylegan3.hub.config import HubConfig
from ganlab.stylegan3.hub.errors import DownloadError
from ganlab.stylegan3.hub.fetch import Progress
from ganlab.stylegan3.hub.install import Target, existing, install, partial_bytes, resolve

log = logging.getLogger("ganlab.stylegan3")
MAX_PARALLEL = 2  # more would only split the same link
BROADCAST_EVERY_S = 0.2
Listener = Callable[[dict], None]


@dataclass
class Job:
    """One download and everything a tab shows about it."""

    key: str  # the file name in the models folder: one job per file
    target: Target
    state: str = "downloading"
    phase: str = "connecting"
    done: int = 0
    total: int | None = None
    rate_bps: float = 0.0
    eta_s: float | None = None
    model: str | None = None  # the model id once installed
    error: dict | None = None
    started: float = field(default_factory=time.time)
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict:
        hub = self.target.model
        return {
            "key": self.key,
            "label": self.target.label,
            "name": hub.name if hub else None,
            "url": self.target.url,
            "state": self.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total if self.total is not None else (hub.size_bytes if hub else None),
            "total_known": self.total is not None,
            "rate_bps": self.rate_bps,
            "eta_s": self.eta_s,
            "model": self.model,
            "error": self.error,
        }


class DownloadManager:
    """Starts, shares, cancels and reports downloads; call `start`/`cancel` from the event loop."""

    def __init__(self, registry, config: HubConfig | None = None):
        self.registry, self.config = registry, config or HubConfig()
        self.jobs: dict[str, Job] = {}
        self.listeners: set[Listener] = set()
        self._pool = ThreadPoolExecutor(MAX_PARALLEL, thread_name_prefix="sg3-download")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_sent: dict[str, float] = {}

    # ---- what the tab lists -------------------------------------------------------------
    def catalog_entries(self) -> list[dict]:
        """Every hub model with what is here: present (and its model id), a partial, or a running job."""
        out = []
        for model in catalog.CATALOG.values():
            target = Target(catalog.url_of(model, self.config.base_url), model.filename, model)
            found = existing(target, self.registry.models_dir)
            licence = catalog.licence_of(model)
            out.append({
                **model.as_dict(),
                "url": target.url,
                "present": found is not None,
                "model_id": found.relative_to(self.registry.models_dir).as_posix() if found else None,
                "partial_bytes": partial_bytes(target, self.registry.models_dir),
                "licence": {"name": licence.name, "summary": licence.summary, "url": licence.url},
                "recommended": model.name == catalog.RECOMMENDED,
            })
        return out

    def snapshot(self) -> dict:
        return {
            "models": self.catalog_entries(),
            "downloads": [job.as_dict() for job in self.jobs.values()],
            "max_mb": self.config.max_mb,
        }

    # ---- starting and cancelling ----------------------------------------------------------
    def start(self, source: str) -> Job:
        """The job for NAME|URL: the running one if any (shared), else a new one. FieldError('source')."""
        if not isinstance(source, str) or not source.strip() or len(source) > 2048:
            raise FieldError("source", "give a hub model name or an https URL of a network file")
        try:
            target = resolve(source, self.config.base_url)
        except (DownloadError, catalog.UnknownModelError) as error:
            raise FieldError("source", str(error)) from None
        running = self.jobs.get(target.filename)
        if running is not None and running.state == "downloading":
            return running
        self._loop = asyncio.get_running_loop()
        job = Job(target.filename, target)
        self.jobs[job.key] = job
        self._pool.submit(self._run, job)
        self._publish(job, force=True)
        return job

    def cancel(self, key: str) -> Job:
        job = self.jobs.get(key) if isinstance(key, str) else None
        if job is None:
            raise FieldError("key", "no such download", status=404)
        job.cancel.set()
        return job

    # ---- the worker thread ----------------------------------------------------------------
    def _run(self, job: Job) -> None:
        def on_progress(p: Progress) -> None:
            job.done, job.total, job.rate_bps, job.eta_s, job.phase = p.done, p.total, p.rate_bps, p.eta_s, p.phase
            self._publish(job, force=p.phase in ("checking", "retrying"))

        try:
            installed = install(job.target, self.registry.models_dir, self.config, on_progress, job.cancel)
            model_id = installed.path.relative_to(self.registry.models_dir).as_posix()
            self.registry.add(model_id, installed.G)  # the safe loader just read it: cache, don't reload
            job.model, job.state, job.phase = model_id, "done", "done"
            log.info("downloaded %s to %s (sha256 %s)", job.target.url, installed.path, installed.sha256)
        except DownloadError as error:
            job.state = "cancelled" if error.kind == "cancelled" else "failed"
            job.error = error.as_dict()
            log.info("download of %s: %s", job.target.url, error)
        except Exception as error:  # a bug must not leave a job "downloading" forever
            log.exception("download of %s failed", job.target.url)
            job.state = "failed"
            job.error = {"kind": "internal", "message": f"{type(error).__name__}: {error}", "hint": "",
                         "kept_bytes": 0}
        self._publish(job, force=True)

    def _publish(self, job: Job, force: bool = False) -> None:
        """Send the job's state to every listener (on the event loop), throttled while it runs."""
        now = time.monotonic()
        if not force and now - self._last_sent.get(job.key, 0.0) < BROADCAST_EVERY_S:
            return
        self._last_sent[job.key] = now
        message = job.as_dict()
        if job.state == "done":
            message["models"] = self.registry.list_models()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: dict) -> None:
        for listener in list(self.listeners):
            try:
                listener(message)
            except Exception:  # one closed socket must not stop the others
                log.exception("download listener failed")

    def close(self) -> None:
        for job in self.jobs.values():
            job.cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def handle_message(manager: DownloadManager, message: dict) -> dict | None:
    """A socket's `download` {source} or `cancel_download` {key}: the job's state (also broadcast)."""
    if message.get("type") == "download":
        return manager.start(message.get("source")).as_dict()
    return manager.cancel(message.get("key")).as_dict()
