"""ws -> video frames: every grid cell rendered at time t and tiled row by row, as gen_video.py does.

`make_video` is the whole job for the CLI; the server calls `VideoJob.step` one frame at a time
on its render thread, so interactive renders can run between two frames and a cancel takes
effect after the current frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganlab.stylegan3 import render
from ganlab.stylegan3.video.keyframes import WalkInterpolator, frame_times, keyframe_ws
from ganlab.stylegan3.video.params import GIF_PIXELS_NOTE, VideoParams, check_for_model
from ganlab.stylegan3.video.writer import GIF_MAX_PIXELS, VideoWriter, choose_format


class Cancelled(Exception):
    """The video was cancelled; its file is removed."""


CELLS_PER_BATCH = 4  # a 4x4 grid of 1024 images in one batch would hold gigabytes of activations


@torch.no_grad()
def render_frame(G, ws: np.ndarray, force_fp32: bool = False) -> np.ndarray:
    """ws [rows, cols, num_ws, w_dim] -> uint8 [rows*H, cols*W, C], a few cells per batch."""
    rows, cols = ws.shape[:2]
    cells = torch.from_numpy(ws.reshape(rows * cols, *ws.shape[2:])).float()
    images = [render.to_uint8(render.synthesize(G, b, force_fp32)) for b in cells.split(CELLS_PER_BATCH)]
    return render.image_grid(np.concatenate(images), rows, cols)


@dataclass
class VideoJob:
    """One video being made: call `step()` until it returns False, then `finish()`."""

    G: object
    params: VideoParams
    path: Path
    force_fp32: bool = False

    def __post_init__(self):
        p, G = self.params, self.G
        check_for_model(p, G.img_resolution, G.num_ws, G.c_dim)
        self.format, self.note = choose_format(p.format)
        if self.format == "gif":
            pixels = p.frames * p.rows * p.cols * G.img_resolution**2
            if pixels > GIF_MAX_PIXELS:
                from ganlab.stylegan3.video.params import VideoError

                raise VideoError("format", GIF_PIXELS_NOTE.format(pixels=pixels, limit=GIF_MAX_PIXELS))
            self.path = self.path.with_suffix(".gif")
        render.set_input_transform(self.G)  # gen_video renders untransformed
        self.interp = WalkInterpolator(keyframe_ws(G, p), p.kind, p.wraps)
        self.times = frame_times(p)
        self.done = 0
        self.writer = VideoWriter(self.path, p.fps, self.format)

    @property
    def total(self) -> int:
        return len(self.times)

    def step(self) -> bool:
        """Render and write the next frame; False when every frame is written."""
        if self.done >= self.total:
            return False
        render.set_input_transform(self.G)  # the server's model may have been moved in between
        self.writer.append(render_frame(self.G, self.interp.at(self.times[self.done]), self.force_fp32))
        self.done += 1
        return self.done < self.total

    def finish(self) -> Path:
        self.writer.close()
        return self.path

    def abort(self) -> None:
        self.writer.abort()


def make_video(
    G,
    params: VideoParams,
    path: Path,
    on_frame: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    force_fp32: bool = False,
) -> VideoJob:
    """Write the whole video; `on_frame(done, total)` after each frame. Returns the finished job."""
    job = VideoJob(G, params, Path(path), force_fp32)
    try:
        while job.done < job.total:
            if cancelled and cancelled():
                raise Cancelled
            job.step()
            if on_frame:
                on_frame(job.done, job.total)
    except BaseException:
        job.abort()
        raise
    job.finish()
    return job
