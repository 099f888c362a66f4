"""`ganlab serve`: run the web app (GAN Lab tab + StyleGAN3 tab) under uvicorn."""

from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction) -> None:
    from ganlab.config import get_settings

    settings = get_settings()
    parser = subparsers.add_parser(
        "serve",
        help="run the web UI and API",
        description="Serve GAN Lab at http://HOST:PORT/. Settings come from GANLAB_* environment "
        "variables (see ganlab/config.py); the flags override host and port.",
    )
    parser.add_argument("--host", default=settings.host, help=f"bind address (default {settings.host})")
    parser.add_argument(
        "--port",
        type=int,
        default=settings.port,
        help=f"TCP port, 0 picks a free one (default {settings.port})",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(func=run)


def limit_math_threads() -> None:
    """One BLAS/OpenMP thread per training thread. With more, spinning workers starve each other
    on a small machine (shared/TOOLCHAIN.md measured a 5-50x collapse). Must run before numpy
    or torch is imported, so it lives here rather than in the app."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def print_access_link(settings, token: str) -> None:
    """Beyond loopback the server needs its token: say where to open it, once, at start."""
    import socket

    host = socket.gethostname() if settings.host in ("0.0.0.0", "::", "") else settings.host
    port = settings.port or "PORT"
    where = "GANLAB_TOKEN" if settings.token else "made up for this run; set GANLAB_TOKEN to keep one"
    print(f"ganlab: access token required ({where}). Open: http://{host}:{port}/?token={token}", flush=True)


def run(args: argparse.Namespace) -> int:
    limit_math_threads()
    import uvicorn

    from ganlab.config import get_settings
    from ganlab.server.app import create_app

    settings = get_settings().model_copy(update={"host": args.host, "port": args.port})
    app = create_app(settings)
    if app.state.token is not None:
        print_access_link(settings, app.state.token)
    # uvicorn closes sockets on messages above ws_max_size; keep it well above our own limit so
    # an oversized command gets a readable error instead of a dropped connection.
    ws_max_size = max(16 * 2**20, 4 * settings.max_message_bytes)
    # Frames are float32 noise to deflate: compressing them costs CPU and saves little.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        ws_max_size=ws_max_size,
        ws_per_message_deflate=False,
    )
    return 0
