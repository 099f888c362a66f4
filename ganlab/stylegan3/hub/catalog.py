"""The model hub's catalog: NVIDIA's official StyleGAN networks, as data.

Each entry names one network file, what it was trained on, roughly how big it is, its licence
and where it lives. URLs are a source's base URL plus the entry's path, so one setting
(`GANLAB_HUB_BASE_URL`) can point the whole catalog at a mirror, or at a test server.

To add networks, write a tuple of `HubModel`s and add it to `_SETS`; names must be unique.
StyleGAN2 entries (NVIDIA's stylegan2 set on NGC) have family "stylegan2" and config "StyleGAN2".
Sizes are NVIDIA's files as announced by NGC when known, otherwise the
estimate in shared/reference/stylegan3.md (G, D and G_ema in fp32): downloads are checked
against the size the server announces, and the catalog size is only shown and used to check
the free disk space before a download starts.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

MB = 10**6


@dataclass(frozen=True)
class Licence:
    """Terms a network is published under, in words a user can act on."""

    name: str
    summary: str
    url: str


@dataclass(frozen=True)
class Source:
    """Where a family of files is served from: `base_url + HubModel.path`."""

    base_url: str
    page: str  # a human-readable page about these files


@dataclass(frozen=True)
class HubModel:
    """One downloadable network."""

    name: str  # stable slug, the file name without its suffix: "stylegan3-t-ffhqu-256x256"
    filename: str  # the file in the models folder
    family: str  # "stylegan3" or "stylegan2"
    config: str  # "T" or "R" for StyleGAN3, "StyleGAN2" for StyleGAN2
    resolution: int  # output side in pixels
    dataset: str  # the training set, for people
    size_bytes: int  # about this big (see the module docstring)
    path: str  # relative to the source's base URL
    label: str  # short name for buttons: "StyleGAN3-T FFHQ-U 256"
    source: str = "ngc"
    licence: str = "nvidia-nc"
    conditional: bool = False
    note: str = ""  # why one would pick it

    def as_dict(self) -> dict:
        return asdict(self)


LICENCES = {
    "nvidia-nc": Licence(
        name="NVIDIA Source Code License for StyleGAN3",
        summary="non-commercial use only: research and evaluation; you may not use it, or images made "
        "with it, commercially",
        url="https://github.com/NVlabs/stylegan3/blob/main/LICENSE.txt",
    ),
}

SOURCES = {
    "ngc": Source(
        base_url="https://api.ngc.nvidia.com/v2/models/nvidia/research/",
        page="https://catalog.ngc.nvidia.com/orgs/nvidia/teams/research/models/stylegan3",
    ),
}

_DATASETS = {
    "ffhq": "FFHQ: faces, aligned",
    "ffhqu": "FFHQ-U: faces, unaligned",
    "metfaces": "MetFaces: faces in art, aligned",
    "metfacesu": "MetFaces-U: faces in art, unaligned",
    "afhqv2": "AFHQv2: cats, dogs, wild animals",
    "afhqcat": "AFHQ cats",
    "afhqdog": "AFHQ dogs",
    "afhqwild": "AFHQ wild animals",
    "brecahad": "BreCaHAD: breast-cancer histology",
    "cifar10": "CIFAR-10: 10 classes of small photos",
    "celebahq": "CelebA-HQ: celebrity faces",
    "lsundog": "LSUN Dog",
}
_DATASET_LABELS = {"ffhq": "FFHQ", "ffhqu": "FFHQ-U", "metfaces": "MetFaces", "metfacesu": "MetFaces-U",
                   "afhqv2": "AFHQv2", "afhqcat": "AFHQ Cat", "afhqdog": "AFHQ Dog", "afhqwild": "AFHQ Wild",
                   "brecahad": "BreCaHAD", "cifar10": "CIFAR-10", "celebahq": "CelebA-HQ", "lsundog": "LSUN Dog"}


def _stylegan3(config: str, dataset: str, resolution: int, size_mb: int, note: str = "") -> HubModel:
    name = f"stylegan3-{config.lower()}-{dataset}-{resolution}x{resolution}"
    return HubModel(
        name=name,
        filename=f"{name}.pkl",
        family="stylegan3",
        config=config,
        resolution=resolution,
        dataset=_DATASETS[dataset],
        size_bytes=size_mb * MB,
        path=f"stylegan3/versions/1/files/{name}.pkl",
        label=f"StyleGAN3-{config} {_DATASET_LABELS[dataset]} {resolution}",
        note=note,
    )


STYLEGAN3_MODELS = (
    _stylegan3("T", "ffhqu", 256, 283, "fastest on a CPU"),
    _stylegan3("R", "ffhqu", 256, 222, "fast on a CPU; rotation-equivariant"),
    _stylegan3("T", "afhqv2", 512, 315),
    _stylegan3("R", "afhqv2", 512, 249, "rotation-equivariant"),
    _stylegan3("T", "ffhq", 1024, 295),
    _stylegan3("R", "ffhq", 1024, 237, "rotation-equivariant"),
    _stylegan3("T", "ffhqu", 1024, 295),
    _stylegan3("R", "ffhqu", 1024, 237, "rotation-equivariant"),
    _stylegan3("T", "metfaces", 1024, 295),
    _stylegan3("R", "metfaces", 1024, 237, "rotation-equivariant"),
    _stylegan3("T", "metfacesu", 1024, 295),
    _stylegan3("R", "metfacesu", 1024, 237, "rotation-equivariant"),
)



def _stylegan2(dataset: str, resolution: int, size_mb: int, note: str = "", conditional: bool = False) -> HubModel:
    name = f"stylegan2-{dataset}-{resolution}x{resolution}"
    return HubModel(
        name=name,
        filename=f"{name}.pkl",
        family="stylegan2",
        config="StyleGAN2",
        resolution=resolution,
        dataset=_DATASETS[dataset],
        size_bytes=size_mb * MB,
        path=f"stylegan2/versions/1/files/{name}.pkl",
        label=f"StyleGAN2 {_DATASET_LABELS[dataset]} {resolution}",
        conditional=conditional,
        note=note,
    )


# NVIDIA's StyleGAN2 set on NGC (stylegan2-ada-pytorch format). Sizes: the ffhq 1024/512 files as
# listed by mirrors (382/364 MB); the others estimated from their configurations.
STYLEGAN2_MODELS = (
    _stylegan2("ffhq", 256, 290, "fast on a CPU"),
    _stylegan2("ffhq", 512, 364),
    _stylegan2("ffhq", 1024, 382),
    _stylegan2("ffhqu", 256, 290),
    _stylegan2("ffhqu", 1024, 382),
    _stylegan2("metfaces", 1024, 382),
    _stylegan2("metfacesu", 1024, 382),
    _stylegan2("afhqv2", 512, 364),
    _stylegan2("afhqcat", 512, 364),
    _stylegan2("afhqdog", 512, 364),
    _stylegan2("afhqwild", 512, 364),
    _stylegan2("brecahad", 512, 364),
    _stylegan2("celebahq", 256, 290),
    _stylegan2("lsundog", 256, 290),
    _stylegan2("cifar10", 32, 230, "tiny and conditional: pick one of 10 classes", conditional=True),
)

_SETS = (STYLEGAN3_MODELS, STYLEGAN2_MODELS)
CATALOG: dict[str, HubModel] = {m.name: m for models in _SETS for m in models}
assert len(CATALOG) == sum(len(s) for s in _SETS), "hub model names must be unique"
RECOMMENDED = "stylegan3-t-ffhqu-256x256"  # the cheapest real model: a 256 T renders ~3x faster than 1024


class UnknownModelError(ValueError):
    """A name that is neither in the catalog nor a URL."""


def find(name: str) -> HubModel | None:
    """The entry for a name or file name (`stylegan3-t-ffhqu-256x256[.pkl]`, any case), or None."""
    key = name.strip().lower()
    key = key[: -len(".pkl")] if key.endswith(".pkl") else key
    return CATALOG.get(key)


def lookup(name: str) -> HubModel:
    """Like `find`, but an unknown name raises UnknownModelError that suggests close names."""
    model = find(name)
    if model is not None:
        return model
    close = difflib.get_close_matches(name.strip().lower(), list(CATALOG), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UnknownModelError(
        f"{name!r} is not a model in the hub catalog{hint} "
        "(`ganlab stylegan download --list` shows them all, or give an https:// URL)"
    )


def url_of(model: HubModel, base_url: str | None = None) -> str:
    """The download URL; `base_url` (GANLAB_HUB_BASE_URL) replaces the source's own base."""
    base = base_url or SOURCES[model.source].base_url
    return base.rstrip("/") + "/" + model.path


def licence_of(model: HubModel) -> Licence:
    return LICENCES[model.licence]
