"""StyleGAN3 HTTP and websocket routes (the "StyleGAN3" tab and scripts).

* `GET  /api/stylegan3/models`: the demo and every network under GANLAB_MODELS_DIR.
* `POST /api/stylegan3/models?filename=NAME.pkl`: upload a network (raw request body).
* `GET  /api/stylegan3/models/{id}/layers`: resolution, num_ws, c_dim and the layer table (loads it).
* `GET  /api/stylegan3/models/{id}/directions` (JSON summary) and `.../directions.npz`: latent directions.
* `GET  /api/stylegan3/device`, `GET /api/stylegan3/schema`: device badge and RenderParams schema.
* `GET  /api/stylegan3/hub`: the hub catalog (what is downloaded) and running downloads.
* `POST /api/stylegan3/downloads` {source}, `GET` it, `DELETE /api/stylegan3/downloads/{key}`: downloads.
* `POST /api/stylegan3/generate`: RenderParams JSON -> PNG with the settings in its text metadata.
* `/api/stylegan3/videos`: video exports with progress and cancel (videos.py).
* `WS   /ws/stylegan3`: interactive rendering, latest request wins (stylegan3_socket.py).

Errors are 4xx with FastAPI's validation shape, `{"detail": [{"loc": [..., field], "msg": ...}]}`,
so every client reads the offending field the same way.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, WebSocket
from fastapi.responses import Response

from ganlab.server.origin import CLOSE_POLICY, origin_allowed
from ganlab.server.stylegan3.params import SEED_MAX, FieldError, RenderParams
from ganlab.server.stylegan3.service import BusyError, StyleGAN3Service, get_service
from ganlab.server.stylegan3.socket import RenderSocket
from ganlab.server.stylegan3.uploads import (
    adopt_upload,
    check_content_type,
    clean_filename,
    prepare_folder,
    receive_to_file,
    upload_budget,
)
from ganlab.server.stylegan3.videos import router as video_router

router = APIRouter(tags=["stylegan3"])


def _service(request: Request) -> StyleGAN3Service:
    return get_service(request.app)


Service = Annotated[StyleGAN3Service, Depends(_service)]


def field_http_error(error: FieldError, where: str = "body") -> HTTPException:
    """A FieldError as the same JSON shape FastAPI uses for its own validation errors."""
    return HTTPException(
        error.status, detail=[{"loc": [where, error.field], "msg": error.message, "type": "value_error"}]
    )


@router.get("/api/stylegan3/models")
def list_models(service: Service) -> list[dict]:
    """`{id, name, resolution, config, conditional, loaded, size_bytes, untrained}` for each model."""
    return service.registry.list_models()


@router.get("/api/stylegan3/models/{model_id:path}/layers")
async def model_layers(model_id: str, service: Service) -> dict:
    """Load the model if needed; its info and synthesis layer table (name, size, channels)."""
    try:
        model = await service.get_model(model_id)
    except FieldError as error:
        raise field_http_error(error, "path") from None
    return {"id": model.id, **model.info}


@router.get("/api/stylegan3/models/{model_id:path}/directions")
async def model_directions(model_id: str, service: Service) -> dict:
    """Latent directions (PCA of W, GANSpace): count, explained variance shares, stds, layer ranges.
    Found on first use (seconds), then cached per model sha256."""
    from ganlab.server.stylegan3.directions import directions_info

    try:
        model = await service.get_model(model_id)
    except FieldError as error:
        raise field_http_error(error, "path") from None
    directions, cached = await service.find_directions(model)
    return {"id": model.id, **directions_info(directions, model.info["num_ws"], cached)}


@router.get(
    "/api/stylegan3/models/{model_id:path}/directions.npz",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the directions as .npz"}},
)
async def model_directions_npz(model_id: str, service: Service) -> Response:
    """The directions file itself (components, explained_variance, explained_ratio, stds, mean, key, spec)."""
    try:
        model = await service.get_model(model_id)
    except FieldError as error:
        raise field_http_error(error, "path") from None
    directions, _ = await service.find_directions(model)
    path = service.directions.cache.path(directions.key, directions.spec)
    name = re.sub(r"[^A-Za-z0-9]+", "-", model.id.rsplit(".", 1)[0]) + "_directions.npz"
    return Response(
        path.read_bytes(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/api/stylegan3/models", status_code=201)
async def upload_model(
    request: Request,
    service: Service,
    filename: Annotated[str, Query(description="Name for the file: *.pkl or *.safetensors")],
) -> dict:
    """Add a network: the request body is the file (application/octet-stream). Refused (and deleted)
    unless it loads safely, and unless it fits the per-file limit and the uploads quota."""
    try:
        name = clean_filename(filename)
        check_content_type(request.headers.get("content-type"))
        declared = request.headers.get("content-length", "")
        folder = prepare_folder(service.registry)
        part = folder / f".{uuid.uuid4().hex}.part"
        with upload_budget(service.registry, folder, int(declared) if declared.isdigit() else None) as limit:
            await receive_to_file(request.stream(), part, limit)
        model = await service.in_load_thread(adopt_upload, service.registry, part, name)
    except FieldError as error:
        where = {"filename": "query", "content-type": "header"}.get(error.field, "body")
        raise field_http_error(error, where) from None
    entry = next(m for m in service.registry.list_models() if m["id"] == model.id)
    return {**entry, "layers": model.info["layers"], "num_ws": model.info["num_ws"]}


@router.get("/api/stylegan3/hub")
def hub(service: Service) -> dict:
    """Every hub model (name, config, resolution, training set, size, licence, URL, whether it is
    here) and the downloads the server knows about."""
    return service.downloads.snapshot()


@router.get("/api/stylegan3/downloads")
def list_downloads(service: Service) -> list[dict]:
    return [job.as_dict() for job in service.downloads.jobs.values()]


@router.post("/api/stylegan3/downloads", status_code=202)
async def start_download(service: Service, body: Annotated[dict, Body()]) -> dict:
    """Start (or join) the download of `{"source": NAME or https URL}`; progress via GET or the socket.
    Another page's Origin is refused before this runs (origin.GuardMiddleware)."""
    try:
        return service.downloads.start(body.get("source")).as_dict()
    except FieldError as error:
        raise field_http_error(error) from None


@router.delete("/api/stylegan3/downloads/{key}")
async def cancel_download(key: str, service: Service) -> dict:
    """Cancel a running download: its partial file is deleted."""
    try:
        return service.downloads.cancel(key).as_dict()
    except FieldError as error:
        raise field_http_error(error, "path") from None


@router.get("/api/stylegan3/device")
def device(service: Service) -> dict:
    """What the device badge shows."""
    return service.device_info()


@router.get("/api/stylegan3/schema")
def schema(service: Service) -> dict:
    """RenderParams' JSON schema (bounds, defaults, descriptions) plus server limits."""
    return {
        **RenderParams.model_json_schema(),
        "x-limits": service.config.model_dump(include={"max_grid", "max_frames", "max_upload_mb"}),
    }


def settings_filename(params: RenderParams, suffix: str = "png") -> str:
    """A filename that says how the image was made: model, seed, psi, transform, mixing."""
    parts = [
        re.sub(r"[^A-Za-z0-9]+", "-", params.model.rsplit(".", 1)[0]),
        f"seed{params.seed}",
        f"psi{params.truncation_psi:g}",
    ]
    if params.truncation_cutoff is not None:
        parts.append(f"cut{params.truncation_cutoff}")
    if params.class_idx is not None:
        parts.append(f"class{params.class_idx}")
    if any(params.translate) or params.rotate:
        parts.append(f"tx{params.translate[0]:g}_ty{params.translate[1]:g}_rot{params.rotate:g}")
    if params.mix_seed is not None and params.mix_ws:
        parts.append(f"mix{params.mix_seed}")
    if params.layer:
        parts.append(f"{params.layer}_ch{params.layer_channel}")
    if any(params.edit_amounts):
        parts.append(f"edit-{params.edit_layers}")
    if params.fft:
        parts.append("fft")
    return "sg3_" + "_".join(parts) + f".{suffix}"


def busy_http_error(error: BusyError) -> HTTPException:
    """429 with Retry-After, in the same detail shape as every other error."""
    return HTTPException(
        429, detail=[{"loc": ["body"], "msg": str(error), "type": "busy"}], headers={"Retry-After": "1"}
    )


def client_key(request: Request) -> str:
    """Whom a render counts against: the peer address (every tab of one browser shares it)."""
    return request.client.host if request.client else "unknown"


async def _render_png(
    service: StyleGAN3Service, params: RenderParams, client: str, grid: tuple[int, int] | None = None
):
    import numpy as np

    from ganlab.server.stylegan3.render import encode_png
    from ganlab.stylegan3.render import image_grid

    try:
        model = await service.get_model(params.model)
        if grid is None:
            result, png = await service.render(
                model, params, lambda r: encode_png(r.image, _meta(params, model)), client=client
            )
            return png, result.render_ms
        tiles, total_ms = [], 0.0
        for i in range(grid[0] * grid[1]):
            result, _ = await service.render(
                model, params.model_copy(update={"seed": (params.seed + i) & SEED_MAX}), client=client
            )
            tiles.append(result.image)
            total_ms += result.render_ms
        return encode_png(
            image_grid(np.stack(tiles), *grid), {**_meta(params, model), "grid": list(grid)}
        ), total_ms
    except FieldError as error:
        raise field_http_error(error) from None
    except BusyError as error:
        raise busy_http_error(error) from None


def _meta(params: RenderParams, model) -> dict:
    return {**params.model_dump(mode="json"), "resolution": model.info["resolution"]}


def _png_response(png: bytes, render_ms: float, filename: str) -> Response:
    return Response(
        png,
        media_type="image/png",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Render-Ms": f"{render_ms:.1f}",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/api/stylegan3/generate",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The image as PNG"}},
)
async def generate(params: RenderParams, service: Service, request: Request) -> Response:
    """Render one image as PNG; its settings are in the PNG text chunk `ganlab.settings` and the filename."""
    png, render_ms = await _render_png(service, params, client_key(request))
    return _png_response(png, render_ms, settings_filename(params))


@router.post(
    "/api/stylegan3/grid",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "rows x cols seeds as one PNG"}},
)
async def grid(
    params: RenderParams,
    service: Service,
    request: Request,
    rows: Annotated[int, Query(ge=1, le=8)] = 3,
    cols: Annotated[int, Query(ge=1, le=8)] = 3,
) -> Response:
    """Seeds seed .. seed+rows*cols-1 with the same settings, tiled row by row into one PNG."""
    limit = service.config.max_grid
    if rows > limit or cols > limit:
        raise field_http_error(FieldError("rows" if rows > limit else "cols", f"at most {limit}"), "query")
    png, render_ms = await _render_png(service, params, client_key(request), (rows, cols))
    return _png_response(png, render_ms, settings_filename(params).replace("sg3_", f"sg3_grid{rows}x{cols}_"))


@router.websocket("/ws/stylegan3")
async def stylegan3_socket(websocket: WebSocket) -> None:
    """Interactive rendering; see ganlab/server/stylegan3/socket.py for the messages."""
    if not origin_allowed(websocket, websocket.app.state.settings):
        await websocket.close(code=CLOSE_POLICY, reason="origin not allowed")
        return
    await websocket.accept()
    if getattr(websocket.app.state, "stylegan3", None) is None:  # the first call imports torch: seconds
        await websocket.send_text(json.dumps({"type": "starting", "message": "Starting the StyleGAN3 engine…"}))
    service = await asyncio.to_thread(get_service, websocket.app)
    await RenderSocket(websocket, service).serve()


router.include_router(video_router)  # /api/stylegan3/videos: video exports (videos.py)
