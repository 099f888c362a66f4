"""NAME or URL -> a checked network file in the models folder, downloaded at most once.

`install` fetches into a hidden partial file, reads it with ganlab's safe loader (which never
executes anything from a file: a pickle that asks for code, or a file that is not a network,
is refused and deleted), then renames it into the models folder and writes its sha256 beside
it (`NAME.pkl.sha256`, in `sha256sum` format). Two processes asking for the same file are
kept apart by a lock; inside the server, one download is shared by every tab.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ganlab.stylegan3.hub.catalog import HubModel, lookup, url_of
from ganlab.stylegan3.hub.config import HubConfig
from ganlab.stylegan3.hub.errors import DownloadError, check_url
from ganlab.stylegan3.hub.fetch import Progress, discard_partial, fetch, partial_paths

SUFFIXES = (".pkl", ".safetensors")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+()-]+")


@dataclass(frozen=True)
class Target:
    """What to download and where it goes: a catalog model, or a file named by its URL."""

    url: str
    filename: str
    model: HubModel | None = None

    @property
    def label(self) -> str:
        return self.model.label if self.model else self.filename


@dataclass
class Installed:
    """A network file in the models folder; `G` is the generator when it was just checked."""

    path: Path
    sha256: str | None
    size: int
    G: object = field(default=None, repr=False)
    downloaded: bool = False


def is_url(text: str) -> bool:
    return "://" in text


def filename_from_url(url: str) -> str:
    """A safe file name from the URL's last path part ('network' when it has none)."""
    base = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip("._")[:120]
    return base or "network"


def resolve(source: str, base_url: str | None = None) -> Target:
    """A catalog name (`stylegan3-t-ffhqu-256x256`) or an https URL -> Target; errors say why not."""
    source = source.strip()
    if is_url(source):
        return Target(check_url(source), filename_from_url(source))
    model = lookup(source)
    return Target(url_of(model, base_url), model.filename, model)


def candidates(target: Target, models_dir: Path) -> list[Path]:
    """Where an installed copy may be: the name itself, or with the suffix found on download."""
    path = Path(models_dir) / target.filename
    if path.suffix.lower() in SUFFIXES:
        return [path]
    return [path.with_name(path.name + suffix) for suffix in SUFFIXES]


def existing(target: Target, models_dir: Path) -> Path | None:
    """The installed copy of `target`, or None."""
    return next((p for p in candidates(target, models_dir) if p.is_file()), None)


def partial_bytes(target: Target, models_dir: Path) -> int:
    """Bytes of an interrupted download waiting to be resumed (0 if none)."""
    part, _ = partial_paths(Path(models_dir) / target.filename)
    return part.stat().st_size if part.is_file() else 0


def read_sha256(path: Path) -> str | None:
    try:
        return Path(f"{path}.sha256").read_text().split()[0]
    except (OSError, IndexError):
        return None


def write_sha256(path: Path, digest: str) -> None:
    side = Path(f"{path}.sha256")
    tmp = side.with_name(f".{side.name}.tmp")
    tmp.write_text(f"{digest}  {path.name}\n")
    os.replace(tmp, side)


@contextlib.contextmanager
def download_lock(target_path: Path) -> Iterator[None]:
    """One download of a file at a time across processes (the server and a CLI, say)."""
    part, _ = partial_paths(target_path)
    part.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: in-process sharing still holds
        yield
        return
    with open(part.with_suffix(".lock"), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadError(
                "busy", f"Another ganlab process is downloading {target_path.name} right now.", "Wait for it."
            ) from None
        yield


def check_network(part: Path, where: Path):
    """Read the file with the safe loader; the generator, or DownloadError('not_network')."""
    from ganlab.stylegan3.loader import load_network

    try:
        return load_network(part)["G_ema"]
    except Exception as error:  # anything the loader refuses is the file's fault
        discard_partial(where)
        raise DownloadError(
            "not_network",
            f"The downloaded file is not a network ganlab can read ({type(error).__name__}: {error}).",
            "Nothing was kept. ganlab reads StyleGAN3 .pkl files and ganlab .safetensors files, "
            "and never runs code from them.",
        ) from None


def _final_path(target: Target, models_dir: Path, part: Path) -> Path:
    path = Path(models_dir) / target.filename
    if path.suffix.lower() in SUFFIXES:
        return path
    with open(part, "rb") as f:
        head = f.read(9)
    return path.with_name(path.name + (".safetensors" if head[8:9] == b"{" else ".pkl"))


def install(
    target: Target,
    models_dir: Path,
    config: HubConfig | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    free_bytes: Callable[[Path], int] | None = None,
) -> Installed:
    """Download `target` into `models_dir`, check it with the safe loader and rename it into place."""
    config = config or HubConfig()
    models_dir = Path(models_dir)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError("disk_full", f"Cannot create the models folder {models_dir} ({error.strerror}).",
                            "Point GANLAB_MODELS_DIR (--models-dir) at a folder you can write.") from None
    where = models_dir / target.filename
    with download_lock(where):
        fetched = fetch(target.url, where, max_bytes=config.max_bytes, timeout_s=config.timeout_s,
                        retries=config.retries, retry_delay_s=config.retry_delay_s,
                        on_progress=on_progress, cancel=cancel, free_bytes=free_bytes)
        if on_progress:
            on_progress(Progress(fetched.size, fetched.size, 0.0, None, "checking"))
        G = check_network(fetched.part, where)
        if cancel is not None and cancel.is_set():
            discard_partial(where)
            raise DownloadError("cancelled", "Download cancelled; nothing was kept.")
        final = _final_path(target, models_dir, fetched.part)
        os.replace(fetched.part, final)
        write_sha256(final, fetched.sha256)
        discard_partial(where)
    return Installed(final, fetched.sha256, fetched.size, G, downloaded=True)


def ensure(
    source: str,
    models_dir: Path,
    config: HubConfig | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Installed:
    """The local copy of NAME|URL, downloading it on first use (the CLI's `--network NAME|URL`)."""
    config = config or HubConfig()
    target = resolve(source, config.base_url)
    found = existing(target, models_dir)
    if found is not None:
        return Installed(found, read_sha256(found), found.stat().st_size)
    return install(target, models_dir, config, on_progress)
