"""The FastAPI application: `create_app(settings)` wires settings, sessions, routes and the UI.

Heavy imports (the GAN engine, and through it numpy maths) happen in the lifespan, never
at import, so `ganlab --help` and test collection stay fast.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ganlab import __version__
from ganlab.config import Settings, get_settings
from ganlab.server.access import access_token
from ganlab.server.gan2d import routes as gan2d_routes
from ganlab.server.gan2d.sessions import SessionRegistry
from ganlab.server.origin import GuardMiddleware
from ganlab.server.stylegan3 import routes as stylegan3_routes


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from ganlab.gan2d.params import param_schema

    app.state.gan2d_schema = param_schema()
    await app.state.sessions.start()
    try:
        yield
    finally:
        await app.state.sessions.close()


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
    # Host, Origin and the access token are checked once, here, for every route and websocket
    # (origin.py, access.py); the same middleware adds the security headers to every response.
    app.state.token = access_token(settings)
    app.add_middleware(GuardMiddleware, settings=settings, token=app.state.token)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        return {"status": "ok", "version": __version__, "sessions": len(app.state.sessions)}

    app.include_router(gan2d_routes.router)
    app.include_router(stylegan3_routes.router)
    if settings.static_dir.is_dir():  # mounted last: routes above take precedence over files
        app.mount("/", StaticFiles(directory=settings.static_dir, html=True), name="static")
    return app
