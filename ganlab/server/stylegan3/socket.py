"""`WS /ws/stylegan3`: interactive rendering where the latest request wins.

Client -> server (JSON text, each with an `id` the client picks):
* `render` {params}: one image (or a layer view) for RenderParams;
* `grid` {params, rows, cols}: seeds seed .. seed+rows*cols-1, one frame per tile;
* `interpolate` {params, to_seed, steps}: `steps` frames moving in W from seed to to_seed;
* `load` {model}: load a model now (progress messages, then `model`);
* `directions` {model}: its latent directions (PCA of W; progress `phase` directions, then `directions`),
  handled beside the pending slot, so a render sent after it does not replace it;
* `download` {source: hub name or https URL}, `cancel_download` {key}: the model hub.

Server -> client: text `hello` (device, models, limits, hub), `directions` (count, explained
variance shares, stds, layer ranges), `progress` while a model loads
(`phase` loading/ready) or a render takes long (`phase` render: the synthesis layer it is on,
and the frame of a grid or interpolation), `model` (its info and layer table), `download` (a
hub download's state, sent to every socket), `error` (message and field), `done` after a job;
and binary frames: `uint32 LE header length | JSON header | JPEG bytes`.

There is one pending slot per connection, not a queue: a request that arrives while another
waits replaces it (the replaced one is counted in the next frame's `skipped`), and a
multi-frame job stops as soon as anything newer arrives, at the next synthesis layer of the
frame it is on (a drag preview likewise, for the exact frame asked for on release). So a slow
render never piles up work.
Across connections, one client (address) may have at most `GANLAB_SG3_MAX_QUEUED_RENDERS`
renders waiting or running; beyond that a request is answered with an `error` of code `busy`.

Malformed input (binary frames, bad or deeply nested JSON, unknown types, bad values) is
answered with an `error` message and the socket stays open, as on the GAN Lab socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from dataclasses import dataclass, field

from fastapi import WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from ganlab.server.stylegan3.directions import serve_directions
from ganlab.server.stylegan3.downloads import handle_message
from ganlab.server.stylegan3.params import SEED_MAX, FieldError, RenderParams, first_error
from ganlab.server.stylegan3.progress import LayerReporter, Superseded
from ganlab.server.stylegan3.service import BusyError, StyleGAN3Service

log = logging.getLogger("ganlab.stylegan3")
MAX_MESSAGE_CHARS = 65_536
MAX_JSON_DEPTH = 16  # the deepest real message is 3 levels; deeper ones are refused before validation
JOB_KINDS = ("render", "grid", "interpolate", "load", "directions")
HUB_KINDS = ("download", "cancel_download")
_LEN = struct.Struct("<I")


@dataclass
class Job:
    """A validated request: its frames' params, or a model to load."""

    id: object
    kind: str
    frames: list[RenderParams] = field(default_factory=list)
    model: str | None = None
    extra: dict = field(default_factory=dict)


def encode_image_frame(header: dict, jpeg: bytes) -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return _LEN.pack(len(head)) + head + jpeg


def _int_field(message: dict, name: str, low: int, high: int, default: int) -> int:
    value = message.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FieldError(name, f"must be a whole number between {low} and {high}")
    return value


def parse_job(message: dict, service: StyleGAN3Service) -> Job:
    """Validate one client message into a Job; FieldError names what is wrong."""
    kind = message.get("type")
    if kind not in JOB_KINDS:
        raise FieldError("type", f"must be one of {', '.join(JOB_KINDS + HUB_KINDS)}")
    job_id = message.get("id")
    if kind in ("load", "directions"):
        params = _params({"model": message.get("model", "")})
        return Job(job_id, kind, model=params.model)
    params = _params(message.get("params") or {})
    if kind == "render":
        return Job(job_id, kind, [params], params.model)
    limits = service.config
    if kind == "grid":
        rows = _int_field(message, "rows", 1, limits.max_grid, 3)
        cols = _int_field(message, "cols", 1, limits.max_grid, 3)
        frames = [
            params.model_copy(update={"seed": (params.seed + i) & SEED_MAX}) for i in range(rows * cols)
        ]
        return Job(job_id, kind, frames, params.model, {"rows": rows, "cols": cols})
    to_seed = _int_field(message, "to_seed", 0, SEED_MAX, (params.seed + 1) & SEED_MAX)
    steps = _int_field(message, "steps", 2, limits.max_frames, 8)
    frames = [
        params.model_copy(update={"interp_seed": to_seed, "interp_t": i / (steps - 1)}) for i in range(steps)
    ]
    return Job(job_id, kind, frames, params.model, {"to_seed": to_seed})


def _params(raw: object) -> RenderParams:
    if not isinstance(raw, dict):
        raise FieldError("params", "must be an object")
    try:
        return RenderParams.model_validate(raw)
    except ValidationError as error:
        name, message = first_error(error)
        raise FieldError(name, message) from None


def json_depth(value: object) -> int:
    """Nesting depth of decoded JSON (a scalar is 0), without recursion."""
    depth, level = 0, [(value, 1)]
    while level:
        item, d = level.pop()
        if isinstance(item, dict | list):
            depth = max(depth, d)
            level.extend((child, d + 1) for child in (item.values() if isinstance(item, dict) else item))
    return depth


def decode_message(raw: dict) -> dict:
    """An ASGI websocket message -> a JSON object; FieldError('message') for anything else."""
    if raw.get("bytes") is not None:
        raise FieldError("message", "binary messages are not accepted: send requests as JSON text")
    text = raw.get("text") or ""
    if len(text) > MAX_MESSAGE_CHARS:
        raise FieldError("message", f"longer than {MAX_MESSAGE_CHARS} characters")
    too_deep = FieldError("message", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as error:
        raise FieldError("message", f"bad JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise too_deep from None
    if json_depth(message) > MAX_JSON_DEPTH:
        raise too_deep
    if not isinstance(message, dict):
        raise FieldError("message", "must be a JSON object")
    return message


class RenderSocket:
    """One browser connection: a receive loop filling the pending slot, a worker draining it."""

    def __init__(self, websocket: WebSocket, service: StyleGAN3Service):
        self.ws, self.service = websocket, service
        self.client = websocket.client.host if websocket.client else "unknown"
        self.pending: Job | None = None
        self.skipped = 0
        self.wake = asyncio.Event()
        self.send_lock = asyncio.Lock()
        self.tasks: set[asyncio.Task] = set()  # fire-and-forget sends (progress, downloads)
        self.render_s: dict[str, float] = {}  # last time per image of each model, for estimates

    def post(self, message: dict) -> None:
        """Send without waiting (from event-loop callbacks); the send lock keeps the order of frames."""
        task = asyncio.get_running_loop().create_task(self.send_json(message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _on_download(self, state: dict) -> None:
        self.post({"type": "download", "download": state})

    async def send_json(self, message: dict) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(message))

    async def send_bytes(self, data: bytes) -> None:
        async with self.send_lock:
            await self.ws.send_bytes(data)

    async def serve(self) -> None:
        models = await asyncio.to_thread(self.service.registry.list_models)  # reads file headers
        await self.send_json(
            {
                "type": "hello",
                "device": self.service.device_info(),
                "models": models,
                "limits": self.service.config.model_dump(include={"max_grid", "max_frames"}),
                "hub": self.service.downloads.snapshot(),
            }
        )
        self.service.downloads.listeners.add(self._on_download)
        worker = asyncio.create_task(self._work_forever())
        try:
            await self._receive_forever()
        except WebSocketDisconnect:
            pass
        finally:
            self.service.downloads.listeners.discard(self._on_download)
            for task in list(self.tasks):
                task.cancel()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker

    async def _receive_forever(self) -> None:
        while True:
            raw = await self.ws.receive()
            if raw["type"] == "websocket.disconnect":
                return
            message = None
            try:
                message = decode_message(raw)
                if message.get("type") in HUB_KINDS:
                    handle_message(self.service.downloads, message)  # its state reaches every socket
                    continue
                job = parse_job(message, self.service)
                if job.kind == "directions":  # beside the render slot: a newer render must not drop it
                    self._spawn(serve_directions(self, job))
                    continue
            except FieldError as error:
                await self._error(message.get("id") if isinstance(message, dict) else None, error)
                continue
            except Exception as error:  # a bug in validation must not end the connection
                log.exception("StyleGAN3 message failed")
                await self._send_error(None, None, f"internal error: {type(error).__name__}: {error}")
                continue
            if self.pending is not None:
                self.skipped += 1  # the replaced request is never rendered: latest wins
            self.pending = job
            self.wake.set()

    async def _error(self, job_id, error: FieldError) -> None:
        await self._send_error(job_id, error.field, error.message)

    async def _send_error(self, job_id, field_name: str | None, message: str, code: str | None = None) -> None:
        reply = {"type": "error", "id": job_id, "field": field_name, "message": message}
        if code:
            reply["code"] = code
        await self.send_json(reply)

    async def _work_forever(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            job, self.pending = self.pending, None
            if job is None:
                continue
            try:
                await self._run(job)
            except FieldError as error:
                await self._error(job.id, error)
            except BusyError as error:
                await self._send_error(job.id, None, str(error), code="busy")
            except (WebSocketDisconnect, asyncio.CancelledError):
                raise
            except Exception as error:  # a broken model file must not end the connection
                await self._send_error(job.id, "model", f"{type(error).__name__}: {error}")

    def _give_way(self, job: Job, params: RenderParams):
        """When a frame stops between two layers (read on the render thread): a grid or an
        interpolation for any newer request, a drag preview for one that is not a preview."""
        if len(job.frames) > 1:
            return lambda: self.pending is not None
        return self._exact_frame_waiting if params.preview else None

    def _exact_frame_waiting(self) -> bool:
        pending = self.pending
        return pending is not None and not (pending.frames and all(p.preview for p in pending.frames))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, job: Job) -> None:
        async def progress(update: dict) -> None:
            await self.send_json({"type": "progress", "id": job.id, "model": job.model, **update})

        model = await self.service.get_model(job.model, progress)
        if job.kind == "load":
            await self.send_json({"type": "model", "id": job.id, "model": model.id, "info": model.info})
            return
        from ganlab.server.stylegan3.render import encode_jpeg

        quality = self.service.config.jpeg_quality
        for index, params in enumerate(job.frames):
            if index and self.pending is not None:
                await self.send_json({"type": "done", "id": job.id, "kind": job.kind, "superseded": True})
                return  # something newer arrived: the rest of this job is stale
            reporter = LayerReporter(
                self.post,
                {"id": job.id, "model": model.id, "kind": job.kind, "frame": index, "frames": len(job.frames)},
                self.render_s.get(model.id),
                self.service.config.progress_after_s,
                give_way=self._give_way(job, params),
            )
            try:
                result, jpeg = await self.service.render(
                    model, params, lambda r: encode_jpeg(r.image, quality), client=self.client, on_layer=reporter
                )
            except Superseded:  # let go mid-preview, or anything newer mid-grid: that renders now
                await self.send_json({"type": "done", "id": job.id, "kind": job.kind, "superseded": True})
                return
            if params.layer is None and not result.reused_stages:  # a full render, for the estimate
                self.render_s[model.id] = result.render_ms / 1e3
            header = {
                "type": "image",
                "id": job.id,
                "kind": job.kind,
                "index": index,
                "count": len(job.frames),
                "model": model.id,
                "seed": params.seed,
                "width": int(result.image.shape[1]),
                "height": int(result.image.shape[0]),
                "render_ms": round(result.render_ms, 1),
                "threads": result.threads,
                "precision": result.precision,
                "preview": params.preview,
                "reused_stages": result.reused_stages,
                "layer": result.layer,
                "skipped": self.skipped,
                **job.extra,
            }
            self.skipped = 0
            await self.send_bytes(encode_image_frame(header, jpeg))
        if len(job.frames) > 1:
            await self.send_json({"type": "done", "id": job.id, "kind": job.kind, "superseded": False})
