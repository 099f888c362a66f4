"""Download one file over HTTP(S) into a hidden partial file: resumable, bounded, hashed, cancellable.

`fetch(url, target, ...)` writes `<target dir>/.partial/<name>.part` (hidden, so the models
list never shows it) and returns it complete; the caller checks it and renames it into place.
* **Resumable.** A cut or stalled connection is retried with `Range: bytes=N-` (and `If-Range`
  with the server's ETag or Last-Modified, so a changed file restarts instead of being spliced);
  after the retries the part stays, so the next attempt resumes too.
* **Checked.** The size must be what the server announced (Content-Length, or Content-Range's
  total); a short body counts as a cut. The sha256 is computed on the way.
* **Bounded.** A file announced or grown beyond `max_bytes` is refused; the free disk space is
  checked before the first byte; a write that hits a full disk deletes the part.
* **Safe redirects.** Only https, or http to this machine (tests, local mirrors); a redirect
  to anything else is refused.
Every failure is a `DownloadError` with a `kind`, a message that says what happened and a hint
that says what to do.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ganlab.stylegan3.hub.errors import DownloadError, check_url, http_error, network_error, retryable

CHUNK = 256 * 1024
PROGRESS_EVERY_S = 0.2
DISK_MARGIN = 64 * 10**6  # keep this much free beyond the file itself
PARTIAL_DIR = ".partial"


@dataclass
class Progress:
    """How far a download is; `phase` is connecting, downloading, retrying or checking."""

    done: int
    total: int | None
    rate_bps: float
    eta_s: float | None
    phase: str


@dataclass
class Fetched:
    """A complete, size-checked partial file, ready to be checked and renamed into place."""

    part: Path
    size: int
    sha256: str
    resumed_from: int  # bytes that were already there from an earlier attempt


def partial_paths(target: Path) -> tuple[Path, Path]:
    """(the partial file, its JSON note of url/validator/total) for `target`."""
    folder = target.parent / PARTIAL_DIR
    return folder / f"{target.name}.part", folder / f"{target.name}.part.json"


def discard_partial(target: Path) -> None:
    for path in partial_paths(target):
        path.unlink(missing_ok=True)


def _opener(url: str) -> urllib.request.OpenerDirector:
    class SafeRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            check_url(newurl, redirected=True)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    handlers: list = [SafeRedirects()]
    if url.startswith("http://"):  # loopback only (check_url): never through a proxy
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def content_range(value: str | None) -> tuple[int, int | None]:
    """'bytes 100-199/1000' -> (100, 1000); total None for '*'."""
    if not value or not value.startswith("bytes "):
        raise ValueError(f"bad Content-Range {value!r}")
    span, _, total = value[6:].partition("/")
    start = int(span.split("-", 1)[0])
    return start, (None if total.strip() == "*" else int(total))


class _Download:
    """One fetch: the partial file, the hash so far, progress reporting and the retry loop."""

    def __init__(self, url, target, max_bytes, timeout_s, on_progress, cancel, free_bytes):
        self.url, self.target, self.max_bytes, self.timeout_s = url, Path(target), max_bytes, timeout_s
        self.part, self.note = partial_paths(self.target)
        self.on_progress, self.cancel = on_progress, cancel or threading.Event()
        self.free_bytes = free_bytes or (lambda path: shutil.disk_usage(path).free)
        self.total: int | None = None
        self.validator: str | None = None
        self.hasher, self.done, self.resumed_from = hashlib.sha256(), 0, 0
        self._last_report, self._rate_mark = 0.0, (time.monotonic(), 0)
        self._rate = 0.0

    # ---- the partial file ---------------------------------------------------------------
    def load_partial(self) -> None:
        """Pick up an earlier attempt's bytes if they belong to this URL; else start clean."""
        self.part.parent.mkdir(parents=True, exist_ok=True)
        try:
            note = json.loads(self.note.read_text())
        except (OSError, ValueError):
            note = {}
        if note.get("url") != self.url or not self.part.is_file():
            discard_partial(self.target)
            return
        self.total, self.validator = note.get("total"), note.get("validator")
        with open(self.part, "rb") as f:
            while block := f.read(4 * CHUNK):
                self.hasher.update(block)
        self.done = self.resumed_from = self.part.stat().st_size

    def restart(self) -> None:
        self.part.unlink(missing_ok=True)
        self.hasher, self.done = hashlib.sha256(), 0

    def write_note(self) -> None:
        self.note.write_text(json.dumps({"url": self.url, "validator": self.validator, "total": self.total}))

    # ---- progress -----------------------------------------------------------------------
    def report(self, phase: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_progress is None or (not force and now - self._last_report < PROGRESS_EVERY_S):
            return
        mark_t, mark_done = self._rate_mark
        if now - mark_t >= 0.5:  # rate over the last half second or more, smoothed
            instant = (self.done - mark_done) / (now - mark_t)
            self._rate = instant if self._rate == 0 else 0.6 * instant + 0.4 * self._rate
            self._rate_mark = (now, self.done)
        eta = (self.total - self.done) / self._rate if self.total and self._rate > 0 else None
        self._last_report = now
        self.on_progress(Progress(self.done, self.total, round(self._rate, 1), eta and round(eta, 1), phase))

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            discard_partial(self.target)
            raise DownloadError("cancelled", "Download cancelled; nothing was kept.")

    # ---- one HTTP attempt ---------------------------------------------------------------
    def _request(self) -> urllib.request.Request:
        headers = {"User-Agent": "ganlab-model-hub", "Accept-Encoding": "identity"}
        if self.done:
            headers["Range"] = f"bytes={self.done}-"
            if self.validator:
                headers["If-Range"] = self.validator
        return urllib.request.Request(self.url, headers=headers)

    def open(self):
        try:
            return _opener(self.url).open(self._request(), timeout=self.timeout_s)
        except urllib.error.HTTPError as error:
            if error.code == 416 and self.done:  # our offset is past the file: it changed, start over
                self.restart()
                return self.open()
            raise http_error(error.code, self.url) from None
        except DownloadError:
            raise
        except (OSError, ValueError, http.client.HTTPException) as error:  # URLError, timeouts, refused, TLS
            raise network_error(error, self.url, self.timeout_s) from None

    def take_headers(self, response) -> None:
        """Work out where the body starts and how long the whole file is."""
        length = response.headers.get("Content-Length")
        if response.status == 206:
            start, total = content_range(response.headers.get("Content-Range"))
            if start != self.done:
                raise DownloadError("cut", "the server resumed at the wrong place", retry=True)
            self.total = total if total is not None else self.total
        else:  # 200: the whole file (the server ignored or refused the range)
            if self.done:
                self.restart()
            self.total = int(length) if length and length.isdigit() else None
        self.validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
        self.write_note()
        self.check_room()

    def check_room(self) -> None:
        if self.total is not None and self.total > self.max_bytes:
            discard_partial(self.target)
            raise DownloadError(
                "too_large",
                f"The file is {self.total / 1e6:,.0f} MB, more than the limit of {self.max_bytes / 1e6:,.0f} MB.",
                "Raise GANLAB_HUB_MAX_MB if you trust this file.",
            )
        need = (self.total or 0) - self.done
        free = self.free_bytes(self.part.parent)
        if need + DISK_MARGIN > free:
            discard_partial(self.target)
            raise disk_full(self.target.parent, need, free)

    def stream(self, response) -> None:
        with open(self.part, "ab") as sink:
            while True:
                self.check_cancel()
                block = response.read1(CHUNK)  # what has arrived: a stall mid-chunk loses nothing
                if not block:
                    break
                try:
                    sink.write(block)
                except OSError as error:
                    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # no room to write
                        sink.close()
                        discard_partial(self.target)
                        raise disk_full(self.target.parent, (self.total or 0) - self.done, 0) from None
                    raise
                self.hasher.update(block)
                self.done += len(block)
                if self.done > self.max_bytes:
                    discard_partial(self.target)
                    raise DownloadError("too_large", f"The file grew past the limit of {self.max_bytes / 1e6:,.0f} MB.",
                                        "Raise GANLAB_HUB_MAX_MB if you trust this file.")
                self.report("downloading")
            sink.flush()
            os.fsync(sink.fileno())
        if self.total is not None and self.done != self.total:
            raise DownloadError("cut", f"the connection ended at {self.done:,} of {self.total:,} bytes", retry=True)

    def attempt(self) -> None:
        self.report("connecting", force=True)
        response = self.open()
        try:
            self.take_headers(response)
            self.stream(response)
        except DownloadError:
            raise
        except (OSError, ValueError, http.client.HTTPException) as error:  # reset, timeout, broken chunk
            raise network_error(error, self.url, self.timeout_s, mid_file=True) from None
        finally:
            response.close()


def disk_full(folder: Path, need: int, free: int) -> DownloadError:
    needs = f"it needs {need / 1e6:,.0f} MB more" if need > 0 else "it needs more space"
    return DownloadError(
        "disk_full",
        f"Not enough disk space in {folder}: {needs}, {free / 1e6:,.0f} MB are free. Nothing was kept.",
        "Free some space, or point GANLAB_MODELS_DIR (--models-dir) at a bigger disk, and try again.",
    )


def fetch(
    url: str,
    target: Path,
    *,
    max_bytes: int,
    timeout_s: float = 30.0,
    retries: int = 3,
    retry_delay_s: float = 1.0,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    free_bytes: Callable[[Path], int] | None = None,
) -> Fetched:
    """Download `url` for `target` (see the module docstring); returns the complete partial file."""
    check_url(url)
    job = _Download(url, target, max_bytes, timeout_s, on_progress, cancel, free_bytes)
    job.load_partial()
    failures, progressed_to = 0, job.done
    while True:
        job.check_cancel()
        try:
            job.attempt()
            break
        except DownloadError as error:
            if not retryable(error):
                raise
            failures = 0 if job.done > progressed_to else failures + 1
            progressed_to = job.done
            if failures > retries:
                raise error.kept(job.done, job.total) from None
        job.report("retrying", force=True)
        if job.cancel.wait(retry_delay_s * 2 ** max(0, failures - 1)):
            job.check_cancel()
    job.report("downloading", force=True)
    return Fetched(job.part, job.done, job.hasher.hexdigest(), job.resumed_from)
