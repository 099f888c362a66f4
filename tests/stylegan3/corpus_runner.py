"""Load network files, each in a fork with an address-space cap and a wall-time limit; print JSON.

    python corpus_runner.py CAP_MB LIMIT_S FILE...

torch and the loader are imported once; then every file is loaded in a fork whose address
space may grow by at most CAP_MB (RLIMIT_AS) and which SIGALRM kills after LIMIT_S. One
JSON line per file: outcome (loaded, refused, killed), the error's type and message, the
wall time, and the fork's peak RSS above the parent's at the fork (MB).
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(path: str, cap_mb: int, limit_s: float, out: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + cap_mb * 2**20, resource.RLIM_INFINITY))
    import signal

    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # killed outright, even inside C code
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    from ganlab.stylegan3.loader import load_network

    try:
        load_network(path)
        result = {"outcome": "loaded"}
    except BaseException as exc:  # noqa: BLE001 - every escape is reported, that is the point
        kind = type(exc)
        result = {
            "outcome": "refused",
            "error_type": f"{kind.__module__}.{kind.__qualname__}",
            "error_mro": [f"{k.__module__}.{k.__qualname__}" for k in kind.__mro__],
            "message": str(exc)[:400],
        }
    os.write(out, json.dumps(result).encode())
    os._exit(0)


def main() -> None:
    cap_mb, limit_s, paths = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
    import torch

    import ganlab.stylegan3.loader  # noqa: F401 - imported before forking, as the server has it

    torch.set_num_threads(1)  # no thread pools to fork
    for path in paths:
        read, write = os.pipe()
        base = _rss_mb()
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            _child(path, cap_mb, limit_s, write)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        os.close(read)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        result = json.loads(b"".join(chunks) or b"{}") or {"outcome": "killed", "error_type": f"status {status}"}
        result.update(
            file=os.path.basename(path),
            seconds=round(seconds, 4),
            rss_mb=round(max(0.0, usage.ru_maxrss / 1024 - base), 1),
            limit_hit=bool(seconds >= limit_s or not math.isfinite(seconds)),
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
