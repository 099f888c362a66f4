"""Video exports for the tab and scripts: a job per request, rendered a frame at a time.

* `POST   /api/stylegan3/videos` VideoRequest -> 202 and the job: `{id, state, done, total, ...}`;
* `GET    /api/stylegan3/videos/{id}`: the job now (the tab polls it for its progress bar);
* `DELETE /api/stylegan3/videos/{id}`: cancel it (after the frame being rendered; no file is kept);
* `GET    /api/stylegan3/videos/{id}/file`: the finished .mp4/.gif as an attachment.

Each frame goes to the service's render thread on its own, so the tab's interactive renders
slip in between two frames instead of waiting for the whole video. One running video per client.
Files live in a temporary folder of the server's; the oldest finished ones are dropped past
`KEEP_FINISHED`. States: `running`, `done`, `failed` (with `error`), `cancelled`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import Field, ValidationError, field_validator

from ganlab.server.stylegan3.params import FieldError, check_model_id
from ganlab.server.stylegan3.service import StyleGAN3Service, get_service
from ganlab.stylegan3.video.params import VideoError, VideoParams, first_error

log = logging.getLogger("ganlab.stylegan3")
KEEP_FINISHED = 8
router = APIRouter(tags=["stylegan3"])


class VideoRequest(VideoParams):
    """A video of one model: VideoParams plus the model id (the tab's current one)."""

    model: str = Field("demo", min_length=1, max_length=255, description="Model id from GET /api/stylegan3/models.")

    @field_validator("model")
    @classmethod
    def _safe_model_id(cls, value: str) -> str:
        return check_model_id(value)


@dataclass
class VideoJobState:
    id: str
    client: str
    params: VideoRequest
    state: str = "running"
    done: int = 0
    total: int = 0
    path: Path | None = None
    note: str | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    cancelled: bool = False

    def as_dict(self) -> dict:
        elapsed = time.monotonic() - self.started
        return {
            "id": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "elapsed_s": round(elapsed, 2),
            "eta_s": round(elapsed / self.done * (self.total - self.done), 1) if self.done else None,
            "format": self.path.suffix.lstrip(".") if self.path else self.params.format,
            "filename": self.path.name if self.path else None,
            "note": self.note,
            "error": self.error,
            "url": f"/api/stylegan3/videos/{self.id}/file" if self.state == "done" else None,
        }


class VideoManager:
    """The jobs of one service; `start`/`cancel` run on the event loop."""

    def __init__(self, service: StyleGAN3Service):
        self.service = service
        self.jobs: dict[str, VideoJobState] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="ganlab-videos-"))
        weakref.finalize(self, shutil.rmtree, self.folder, True)
        self._tasks: set[asyncio.Task] = set()

    async def start(self, params: VideoRequest, client: str) -> VideoJobState:
        if any(j.client == client and j.state == "running" for j in self.jobs.values()):
            raise FieldError("video", "this client already has a video rendering; cancel it or wait", status=429)
        model = await self.service.get_model(params.model)
        info = model.info
        from ganlab.stylegan3.video.params import check_for_model

        try:
            check_for_model(params, info["resolution"], info["num_ws"], info["c_dim"])
        except VideoError as error:
            raise FieldError(error.field, error.message) from None
        job = VideoJobState(uuid.uuid4().hex[:12], client, params, total=params.frames)
        self.jobs[job.id] = job
        self._forget_old()
        task = asyncio.create_task(self._run(job, model))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: VideoJobState, model) -> None:
        from ganlab.stylegan3.video.frames import VideoJob

        name = f"sg3_video_{job.params.rows}x{job.params.cols}_seed{job.params.seeds[0]}_{job.id}.{job.params.format}"
        work = None
        try:
            work = await self.service.in_render_thread(VideoJob, model.G, job.params, self.folder / name)
            job.path, job.note = work.path, work.note
            while work.done < work.total:
                if job.cancelled:
                    raise asyncio.CancelledError
                await self.service.in_render_thread(work.step)
                job.done = work.done
            await self.service.in_render_thread(work.finish)
            job.state = "done"
        except asyncio.CancelledError:
            job.state = "cancelled"
            if work is not None:
                await self.service.in_render_thread(work.abort)
        except Exception as exc:  # a failed video must never take the server with it
            log.exception("video %s failed", job.id)
            job.state, job.error = "failed", str(exc) or type(exc).__name__
            if work is not None:
                work.abort()

    def cancel(self, job_id: str) -> VideoJobState:
        job = self.get(job_id)
        job.cancelled = True
        return job

    def get(self, job_id: str) -> VideoJobState:
        job = self.jobs.get(job_id)
        if job is None:
            raise FieldError("id", "no such video (finished videos are kept only a while)", status=404)
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs.values() if j.state != "running"]
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            if job.path is not None:
                job.path.unlink(missing_ok=True)
            del self.jobs[job.id]


def get_videos(service: StyleGAN3Service) -> VideoManager:
    """The service's video manager, made on first use (the service itself knows nothing of videos)."""
    manager = getattr(service, "videos", None)
    if manager is None:
        manager = service.videos = VideoManager(service)
    return manager


def _videos(request: Request) -> VideoManager:
    return get_videos(get_service(request.app))


Videos = Annotated[VideoManager, Depends(_videos)]


def _http_error(error: FieldError, where: str = "body") -> HTTPException:
    detail = [{"loc": [where, error.field], "msg": error.message, "type": "value_error"}]
    return HTTPException(error.status, detail=detail)


@router.get("/api/stylegan3/videos/schema")
def video_schema() -> dict:
    """VideoRequest's JSON schema: bounds, defaults, descriptions (the tab builds its form from it)."""
    return VideoRequest.model_json_schema()


@router.post("/api/stylegan3/videos", status_code=202)
async def start_video(videos: Videos, request: Request, body: Annotated[dict, Body()]) -> dict:
    try:
        params = VideoRequest.model_validate(body)
    except ValidationError as error:
        field_name, message = first_error(error)
        raise _http_error(FieldError(field_name, message)) from None
    try:
        job = await videos.start(params, request.client.host if request.client else "unknown")
    except FieldError as error:
        raise _http_error(error) from None
    return job.as_dict()


@router.get("/api/stylegan3/videos/{job_id}")
def video_status(job_id: str, videos: Videos) -> dict:
    try:
        return videos.get(job_id).as_dict()
    except FieldError as error:
        raise _http_error(error, "path") from None


@router.delete("/api/stylegan3/videos/{job_id}")
def cancel_video(job_id: str, videos: Videos) -> dict:
    try:
        return videos.cancel(job_id).as_dict()
    except FieldError as error:
        raise _http_error(error, "path") from None


@router.get("/api/stylegan3/videos/{job_id}/file")
def video_file(job_id: str, videos: Videos) -> FileResponse:
    try:
        job = videos.get(job_id)
    except FieldError as error:
        raise _http_error(error, "path") from None
    if job.state != "done" or job.path is None or not job.path.is_file():
        raise _http_error(FieldError("id", f"the video is {job.state}, not done", status=409), "path")
    media = "video/mp4" if job.path.suffix == ".mp4" else "image/gif"
    return FileResponse(job.path, media_type=media, filename=job.path.name, headers={"Cache-Control": "no-store"})
