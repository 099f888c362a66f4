"""The on-disk checkpoint format of a 2D GAN run: arrays in `state.safetensors`, everything else
(params, counters, RNG states, history) in `state.json`. The Trainer decides what goes in
(`Trainer.state()` / `Trainer.load`); this module only writes, reads and checks the format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

FORMAT = "ganlab.gan2d/1"
ARRAYS = "state.safetensors"
META = "state.json"


def write(directory: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(out / ARRAYS), metadata={"format": FORMAT})
    (out / META).write_text(json.dumps({"format": FORMAT, **meta}, indent=1))


def read(directory: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, meta) of a checkpoint folder; ValueError if it is not one."""
    src = Path(directory)
    meta = json.loads((src / META).read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{src / META}: not a ganlab 2D GAN checkpoint (format {meta.get('format')!r})")
    return load_file(str(src / ARRAYS)), meta
