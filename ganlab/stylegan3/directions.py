"""Latent directions, as GANSpace finds them (Härkönen et al. 2020, sec. 2): PCA of W.

Sample N latents z, map them to W (the mapping network is cheap: a few 512x512 layers), and
take the principal axes of the w's. The top k axes are orthonormal directions ordered by the
variance they explain; moving a w along axis i by `amount` standard deviations of that axis,
in a chosen range of ws only (coarse, middle or fine layers), edits pose, shape or colour.
Directions are cached on disk per model, keyed by the sha256 of the model file (or of its
weights for an in-memory network such as the demo), so a model's directions are found once.
No web imports: the server and the CLI both call these.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganlab.stylegan3.direction_spec import FORMAT_VERSION, DirectionsSpec

LAYER_RANGES = ("all", "coarse", "middle", "fine", "custom")
# GANSpace's split for an 18-w StyleGAN2 at 1024: coarse 0-3, middle 4-7, fine 8-17. Scaled by
# num_ws so a 16-w StyleGAN3 gets the same fractions of its layers.
_COARSE_END, _MIDDLE_END, _GANSPACE_WS = 4, 8, 18


@dataclass
class Directions:
    """components [k, w_dim] (orthonormal rows), explained variance, stds and the mean w."""

    components: np.ndarray  # [k, w_dim] float32, row i = direction i
    explained_variance: np.ndarray  # [k] variance of w along each direction, descending
    explained_ratio: np.ndarray  # [k] share of the total variance of w
    stds: np.ndarray  # [k] sqrt(explained_variance): one slider unit
    mean: np.ndarray  # [w_dim] mean w of the samples
    spec: DirectionsSpec
    key: str  # sha256 of the model file or weights

    @property
    def count(self) -> int:
        return int(self.components.shape[0])

    def summary(self) -> dict:
        """What a UI needs: count, per-direction variance share and std, how they were found."""
        return {
            "count": self.count,
            "explained_ratio": [round(float(v), 6) for v in self.explained_ratio],
            "stds": [round(float(v), 6) for v in self.stds],
            "key": self.key,
            **self.spec.model_dump(),
        }


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(G) -> str:
    """sha256 over every parameter and buffer (name, shape, bytes): the key of a network with no file."""
    digest = hashlib.sha256()
    for name, tensor in sorted(G.state_dict().items()):
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@torch.no_grad()
def sample_w(G, spec: DirectionsSpec, batch: int = 2048, progress: Callable[[int, int], None] | None = None):
    """w [N, w_dim] float64 for N latents from RandomState(seed) (classes drawn uniformly when
    the model is conditional), mapped in batches without truncation."""
    rng = np.random.RandomState(spec.seed)
    device = G.mapping.w_avg.device
    out = []
    for start in range(0, spec.n_samples, batch):
        n = min(batch, spec.n_samples - start)
        z = torch.from_numpy(rng.randn(n, G.z_dim)).to(device, torch.float32)
        c = None
        if G.c_dim:
            c = torch.zeros([n, G.c_dim], device=device)
            c[torch.arange(n), torch.from_numpy(rng.randint(0, G.c_dim, n))] = 1
        out.append(G.mapping(z, c)[:, 0].double().cpu())  # every w of one latent is the same
        if progress:
            progress(start + n, spec.n_samples)
    return torch.cat(out)


def pca(w: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Top-k principal axes of w [N, D]: (components [k, D], variances [k], total variance, mean [D]).
    Signs are fixed so each axis's largest entry is positive (repeatable across runs)."""
    mean = w.mean(0)
    x = w - mean
    cov = x.T @ x / max(1, x.shape[0] - 1)  # [D, D]
    values, vectors = torch.linalg.eigh(cov)  # ascending
    order = torch.argsort(values, descending=True)[:k]
    values, vectors = values[order].clamp(min=0), vectors[:, order].T  # [k], [k, D]
    peak = vectors.gather(1, vectors.abs().argmax(1, keepdim=True))
    vectors = vectors * torch.sign(peak)
    return vectors, values, torch.trace(cov), mean


def compute_directions(G, spec: DirectionsSpec, key: str, progress=None) -> Directions:
    """Sample, map and PCA; `progress(done, total)` hears about each mapped batch."""
    k = min(spec.num_directions, G.w_dim)
    vectors, values, total, mean = pca(sample_w(G, spec, progress=progress), k)
    return Directions(
        components=vectors.float().numpy(),
        explained_variance=values.float().numpy(),
        explained_ratio=(values / total.clamp(min=1e-30)).float().numpy(),
        stds=values.sqrt().float().numpy(),
        mean=mean.float().numpy(),
        spec=spec,
        key=key,
    )


def save_npz(directions: Directions, path: Path) -> None:
    """Write the directions as .npz (atomically: a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(
            f,
            components=directions.components,
            explained_variance=directions.explained_variance,
            explained_ratio=directions.explained_ratio,
            stds=directions.stds,
            mean=directions.mean,
            key=np.array(directions.key),
            spec=np.array(directions.spec.model_dump_json()),
            format_version=np.array(FORMAT_VERSION),
        )
    os.replace(tmp, path)


def load_npz(path: Path) -> Directions:
    with np.load(path, allow_pickle=False) as data:
        return Directions(
            components=data["components"],
            explained_variance=data["explained_variance"],
            explained_ratio=data["explained_ratio"],
            stds=data["stds"],
            mean=data["mean"],
            spec=DirectionsSpec.model_validate_json(str(data["spec"])),
            key=str(data["key"]),
        )


class DirectionsCache:
    """`<folder>/<sha256>-<spec slug>.npz`; a damaged file is recomputed, never trusted."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, key: str, spec: DirectionsSpec) -> Path:
        return self.folder / f"{key}-{spec.slug()}.npz"

    def get(self, key: str, spec: DirectionsSpec) -> Directions | None:
        path = self.path(key, spec)
        if not path.is_file():
            return None
        try:
            found = load_npz(path)
        except (OSError, ValueError, KeyError):
            return None
        return found if found.key == key and found.spec == spec else None

    def get_or_compute(self, G, key: str, spec: DirectionsSpec, progress=None) -> tuple[Directions, bool]:
        """(directions, whether they came from the cache)."""
        found = self.get(key, spec)
        if found is not None:
            return found, True
        directions = compute_directions(G, spec, key, progress)
        save_npz(directions, self.path(key, spec))
        return directions, False


def layer_range(name: str, num_ws: int, first: int = 0, last: int | None = None) -> tuple[int, int]:
    """The ws an edit touches, as [start, stop): GANSpace's coarse/middle/fine scaled to num_ws,
    all of them, or custom first..last (inclusive; last None = the final w)."""
    coarse = max(1, round(num_ws * _COARSE_END / _GANSPACE_WS))
    middle = max(coarse + 1, round(num_ws * _MIDDLE_END / _GANSPACE_WS))
    ranges = {"all": (0, num_ws), "coarse": (0, coarse), "middle": (coarse, middle), "fine": (middle, num_ws)}
    if name in ranges:
        return ranges[name]
    if name != "custom":
        raise ValueError(f"layer range must be one of {LAYER_RANGES}, got {name!r}")
    last = num_ws - 1 if last is None else last
    if not 0 <= first <= last < num_ws:
        raise ValueError(f"custom range must satisfy 0 <= first <= last <= {num_ws - 1}")
    return first, last + 1


def apply_edit(ws: torch.Tensor, directions: Directions, amounts, start: int, stop: int) -> torch.Tensor:
    """ws [N, num_ws, w_dim] moved by sum_i amounts[i] * std_i * direction_i in ws start..stop-1."""
    amounts = list(amounts)
    if len(amounts) > directions.count:
        raise ValueError(f"{len(amounts)} amounts for {directions.count} directions")
    if not any(amounts):
        return ws
    scale = torch.tensor(amounts, dtype=torch.float64) * torch.from_numpy(directions.stds[: len(amounts)]).double()
    delta = scale @ torch.from_numpy(directions.components[: len(amounts)]).double()  # [w_dim]
    out = ws.clone()
    out[:, start:stop] += delta.to(ws)
    return out
