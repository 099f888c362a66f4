"""Adding a StyleGAN3 network by upload: size limit, safe loading, then a place in the models folder.

The body is streamed to a hidden `.part` file (so a half-written file is never listed) and
counted as it arrives, so an oversized upload stops at the limit instead of filling the disk.
It is then loaded with the same safe loader as every other model: a file that is not a
supported network, or that asks the unpickler for anything outside its allow-list, is
deleted and refused with the loader's message. Nothing in the file is ever executed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

from ganlab.server.stylegan3.models import SUFFIXES, UPLOAD_FOLDER, LoadedModel, ModelRegistry
from ganlab.server.stylegan3.params import FieldError

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+()-]+")


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
    """Write the streamed body to `part`, stopping with 413 once it passes `limit_bytes`."""
    size = 0
    try:
        with open(part, "wb") as sink:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit_bytes:
                    raise FieldError(
                        "file",
                        f"larger than the upload limit of {limit_bytes / 2**20:g} MB "
                        "(GANLAB_SG3_MAX_UPLOAD_MB)",
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
