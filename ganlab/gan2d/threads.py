"""One compute thread per training loop.

The networks are tiny: a second BLAS or torch thread only adds spinning and contention
(measured: a 64-wide run went from 446 to 98 epochs/s when OpenBLAS used 2 threads on a
busy 2-core machine). Parallelism comes from processes (sweeps) or sessions instead.
"""

from __future__ import annotations

import torch
from threadpoolctl import threadpool_limits

_limiter = None


def single_thread() -> None:
    """Limit torch and the BLAS behind numpy to one thread in this process."""
    global _limiter
    torch.set_num_threads(1)
    if _limiter is None:
        _limiter = threadpool_limits(limits=1)
