"""Where sweep runs execute: in this process, a local process pool, or Ray tasks.

Every backend yields results as runs finish (not in submission order), so the caller can
write each one to disk at once and an interruption loses at most the runs in flight. Each
run limits torch and BLAS to one thread itself (see sweep.run_one), so all backends get one
core per run. Beyond one machine, scaling is Ray's job; there is no home-made scheduler.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from ganlab.studies.run import run_one
from ganlab.studies.spec import RunConfig, SweepError

BACKENDS = ("local", "ray")


def default_workers() -> int:
    """Cores this process may use (respects CPU affinity, e.g. under taskset or cgroups)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def execute(configs: list[RunConfig], workers: int, backend: str) -> Iterator[dict[str, Any]]:
    """Run `configs` on `backend` and yield each result as it finishes."""
    if backend not in BACKENDS:
        raise SweepError(f"--backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if not configs:
        return iter(())
    if backend == "ray":
        return _ray(configs)
    if workers <= 1 or len(configs) == 1:
        return (run_one(c) for c in configs)  # no pool start-up cost for serial sweeps
    return _pool(configs, min(workers, len(configs)))


def _pool(configs: list[RunConfig], workers: int) -> Iterator[dict[str, Any]]:
    # spawn, not fork: the parent may already hold torch's OpenMP threads, which a fork
    # copies in a broken state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: set[Future] = {pool.submit(run_one, c) for c in configs}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:  # on Ctrl-C or an early close, drop queued runs instead of finishing them
            for future in pending:
                future.cancel()


def _ray(configs: list[RunConfig]) -> Iterator[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise SweepError("--backend ray needs the optional extra: pip install 'ganlab[ray]'") from None
    if not ray.is_initialized():
        # Joins the cluster named by RAY_ADDRESS (or one started with `ray start`), else starts
        # a local one. Every node needs ganlab installed.
        ray.init(address=os.environ.get("RAY_ADDRESS"), log_to_driver=False)
    task = ray.remote(num_cpus=1)(run_one)
    pending = [task.remote(c) for c in configs]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        for ref in pending:
            ray.cancel(ref)
