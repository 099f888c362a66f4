"""The FastAPI application: `create_app(settings)` wires settings, sessions, routes and the UI.

Heavy imports (the GAN engine, and through it numpy maths) happen in the lifespan, never
at import, so `ganlab --help` and test collection stay fast.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ganlab import __version__
from ganlab.config import Settings, get_settings
from ganlab.server import routes_gan2d
from ganlab.server.sessions import SessionRegistry


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from ganlab.gan2d.params import param_schema

    app.state.gan2d_schema = param_schema()
    app.state.sessions.start()
    try:
        yield
    finally:
        await app.state.sessions.close()


def _include_stylegan3(app: FastAPI) -> None:
    """The StyleGAN3 routes live in their own module, written separately; mount them when present."""
    try:
        routes_stylegan3 = importlib.import_module("ganlab.server.routes_stylegan3")
    except ModuleNotFoundError as error:
        if error.name != "ganlab.server.routes_stylegan3":
            raise  # a missing dependency *inside* that module is a real error
        return
    app.include_router(routes_stylegan3.router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A fresh app; tests pass their own Settings, `ganlab serve` uses the environment's."""
    settings = settings or get_settings()
    app = FastAPI(
        title="ganlab",
        version=__version__,
        lifespan=lifespan,
        description="GAN Lab in Python: live 2D GAN training over a websocket, and StyleGAN3 generation.",
    )
    app.state.settings = settings
    app.state.sessions = SessionRegistry(settings)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        return {"status": "ok", "version": __version__, "sessions": len(app.state.sessions)}

    app.include_router(routes_gan2d.router)
    _include_stylegan3(app)
    if settings.static_dir.is_dir():  # mounted last: routes above take precedence over files
        app.mount("/", StaticFiles(directory=settings.static_dir, html=True), name="static")
    return app
