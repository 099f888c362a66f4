"""Run `python -m ganlab <group> ...` as a user would, on the CPU with one thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args, group: str = "stylegan3", check: bool = True, env_extra: dict | None = None, timeout: int = 120):
    env = {**os.environ, "PYTHONPATH": str(REPO), "GANLAB_DEVICE": "cpu", "OMP_NUM_THREADS": "1", **(env_extra or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "ganlab", group, *map(str, args)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
