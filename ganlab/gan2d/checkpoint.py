"""Save and restore a Trainer's full state: weights, optimizer moments, params, RNG streams,
counters and history. Arrays go to `state.safetensors`; everything else to `state.json`.
Restoring continues bit-for-bit as if the run had never stopped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load_file, save_file

from ganlab.gan2d.params import TrainParams

if TYPE_CHECKING:
    from ganlab.gan2d.trainer import Trainer

FORMAT = "ganlab.gan2d/1"
ARRAYS = "state.safetensors"
META = "state.json"


def state_arrays(t: Trainer) -> dict[str, np.ndarray]:
    arrays = {"G.flat": t.G.flat, "D.flat": t.D.flat}
    for name, opt in (("g_opt", t.g_opt), ("d_opt", t.d_opt)):
        arrays.update({f"{name}.{k}": v for k, v in opt.state().items()})
    if t.points is not None:
        arrays["points"] = t.points.astype(np.float64)
    return {k: np.ascontiguousarray(v) for k, v in arrays.items()}


def state_meta(t: Trainer) -> dict[str, Any]:
    return {
        "format": FORMAT, "params": t.params.model_dump(), "backend": t.backend,
        "counters": {"epoch": t.epoch, "step": t.step, "d_updates": t.d_updates, "g_updates": t.g_updates,
                     "g_opt_t": t.g_opt.t, "d_opt_t": t.d_opt.t},
        "pools": {"data": t.data_pool.state(), "noise": t.noise_pool.state()},
        "gp_rng": t.gp_rng.bit_generator.state,
        "losses": t.losses, "diverged": t.diverged, "last_phase": t.last_phase, "history": t.history,
        "layers": {"G": t.G.sizes, "D": t.D.sizes},
    }


def save(t: Trainer, directory: str | Path) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state_arrays(t), str(out / ARRAYS), metadata={"format": FORMAT})
    (out / META).write_text(json.dumps(state_meta(t), indent=1))


def load(directory: str | Path) -> Trainer:
    from ganlab.gan2d.trainer import Trainer

    src = Path(directory)
    meta = json.loads((src / META).read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{src / META}: not a ganlab 2D GAN checkpoint (format {meta.get('format')!r})")
    arrays = load_file(str(src / ARRAYS))
    t = Trainer(TrainParams.model_validate(meta["params"]), points=arrays.get("points"), backend=meta["backend"])
    t.G.flat[...] = arrays["G.flat"]
    t.D.flat[...] = arrays["D.flat"]
    c = meta["counters"]
    t.g_opt.load(c["g_opt_t"], {k: arrays[f"g_opt.{k}"] for k in ("buf", "sq")})
    t.d_opt.load(c["d_opt_t"], {k: arrays[f"d_opt.{k}"] for k in ("buf", "sq")})
    t.data_pool.restore(meta["pools"]["data"])
    t.noise_pool.restore(meta["pools"]["noise"])
    t.gp_rng.bit_generator.state = meta["gp_rng"]
    t.epoch, t.step, t.d_updates, t.g_updates = c["epoch"], c["step"], c["d_updates"], c["g_updates"]
    t.losses, t.diverged, t.last_phase = meta["losses"], meta["diverged"], meta["last_phase"]
    t.history = meta["history"]
    return t
