"""Adding a StyleGAN3 network by upload: size limit, safe loading, then a place in the models folder.

The body is streamed to a hidden `.part` file (so a half-written file is never listed) and
counted as it arrives, so an oversized upload stops at the limit instead of filling the disk.
It is then loaded with the same safe loader as every other model: a file that is not a
supported network, or that asks the unpickler for anything outside its allow-list, is
deleted and refused with the loader's message. Nothing in the file is ever executed.

Uploads never overwrite, so without limits a page could fill the disk. Three bound them: a
per-file size (`GANLAB_SG3_MAX_UPLOAD_MB`), a quota on the uploads folder in files and bytes
(`GANLAB_SG3_MAX_UPLOADS`, `GANLAB_SG3_MAX_UPLOADS_TOTAL_MB`), counting uploads still in
flight, and the disk's own free space less a reserve. The body must be declared as raw bytes
(`application/octet-stream`): that is not a type a cross-site form or `no-cors` fetch may send.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from ganlab.server.stylegan3.models import SUFFIXES, UPLOAD_FOLDER, LoadedModel, ModelRegistry
from ganlab.server.stylegan3.params import FieldError

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+()-]+")
CONTENT_TYPE = "application/octet-stream"
DISK_RESERVE_BYTES = 512 * 2**20  # an upload never leaves the disk with less than this free
_MB = 2**20
# Bytes granted to uploads still streaming, per registry (one per app), so parallel uploads
# cannot each take the whole remaining quota.
_in_flight: weakref.WeakKeyDictionary[ModelRegistry, int] = weakref.WeakKeyDictionary()


def check_content_type(value: str | None) -> None:
    """The body must be declared as the file's raw bytes; FieldError('content-type', 415) otherwise."""
    kind = (value or "").split(";", 1)[0].strip().lower()
    if kind != CONTENT_TYPE:
        raise FieldError(
            "content-type", f"must be {CONTENT_TYPE} (the file's raw bytes), got {(value or 'none')[:60]!r}", status=415
        )


def folder_usage(folder: Path) -> tuple[int, int]:
    """(network files, bytes) in the uploads folder, half-written `.part` files included."""
    count = size = 0
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.is_file() and not path.is_symlink() and path.suffix.lower() in (*SUFFIXES, ".part"):
            count += 1
            size += path.stat().st_size
    return count, size


def _quota_error(message: str) -> FieldError:
    return FieldError("file", message, status=507)


@contextlib.contextmanager
def upload_budget(registry: ModelRegistry, folder: Path, declared: int | None) -> Iterator[int]:
    """The most bytes this upload may write, reserved while it streams; FieldError (413 or 507)
    when it cannot fit the per-file limit, the quota or the disk."""
    config = registry.config
    count, used = folder_usage(folder)
    if count >= config.max_uploads:
        raise _quota_error(
            f"upload quota reached: {count} networks in {folder} (GANLAB_SG3_MAX_UPLOADS={config.max_uploads}); "
            "delete some first"
        )
    per_file = int(config.max_upload_mb * _MB)
    room = int(config.max_uploads_total_mb * _MB) - used - _in_flight.get(registry, 0)
    disk = shutil.disk_usage(folder).free - DISK_RESERVE_BYTES
    if declared is not None and declared > per_file:
        raise FieldError(
            "file", f"larger than the upload limit of {config.max_upload_mb:g} MB (GANLAB_SG3_MAX_UPLOAD_MB)", 413
        )
    if min(room, disk) <= 0 or (declared is not None and declared > min(room, disk)):
        left = max(0, min(room, disk)) / _MB
        where = "the upload quota (GANLAB_SG3_MAX_UPLOADS_TOTAL_MB)" if room <= disk else "free disk space"
        raise _quota_error(f"not enough room: {left:.0f} MB left in {where}; delete some uploads first")
    grant = declared if declared is not None else min(per_file, room, disk)
    _in_flight[registry] = _in_flight.get(registry, 0) + grant
    try:
        yield grant
    finally:
        _in_flight[registry] -= grant


def clean_filename(name: str | None) -> str:
    """A safe basename with a supported suffix; FieldError('filename') otherwise."""
    base = Path((name or "").replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        raise FieldError("filename", f"must end in {' or '.join(SUFFIXES)} (got {name!r})")
    stem = _UNSAFE.sub("_", stem).strip("._") or "network"
    return f"{stem[:120]}.{suffix.lower()}"


def free_path(folder: Path, filename: str) -> Path:
    """`folder/filename`, or `name-2.ext`, `name-3.ext`, ... if taken: an upload never overwrites."""
    path, n = folder / filename, 1
    while path.exists():
        n += 1
        path = folder / f"{Path(filename).stem}-{n}{Path(filename).suffix}"
    return path


async def receive_to_file(chunks: AsyncIterator[bytes], part: Path, limit_bytes: int) -> int:
    """Write the streamed body to `part`, stopping with 413 once it passes `limit_bytes`
    (the per-file limit, or what `upload_budget` granted: a declared length is held to)."""
    size = 0
    try:
        with open(part, "wb") as sink:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit_bytes:
                    raise FieldError(
                        "file",
                        f"larger than the {limit_bytes / _MB:.4g} MB this upload may use (GANLAB_SG3_MAX_UPLOAD_MB, "
                        "the upload quota, or the declared Content-Length)",
                        status=413,
                    )
                sink.write(chunk)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if size == 0:
        part.unlink(missing_ok=True)
        raise FieldError("file", "the upload is empty")
    return size


def prepare_folder(registry: ModelRegistry) -> Path:
    """models_dir/uploads, created on first use; FieldError if it cannot be written."""
    folder = registry.models_dir / UPLOAD_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FieldError(
            "file", f"cannot write to the models folder ({error.strerror})", status=507
        ) from None
    return folder


def adopt_upload(registry: ModelRegistry, part: Path, filename: str) -> LoadedModel:
    """Load `part` safely; on success move it into place and cache it, else delete it. Blocking."""
    from ganlab.stylegan3 import load_network

    try:
        G = load_network(part)["G_ema"]
    except Exception as error:  # every loader failure is the file's fault here, never the server's
        part.unlink(missing_ok=True)
        kind = type(error).__name__
        raise FieldError("file", f"not a supported StyleGAN3 network ({kind}: {error})") from None
    final = free_path(part.parent, filename)
    try:
        part.rename(final)
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    model_id = final.relative_to(registry.models_dir).as_posix()
    return registry.add(model_id, G)
