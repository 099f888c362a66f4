"""Frames -> a video file: H.264 .mp4 through imageio-ffmpeg's own ffmpeg binary, or an animated .gif.

The .mp4 settings follow gen_video.py (libx264, 12 Mbit/s); yuv420p needs even sides, which
every StyleGAN size is, so frames are never rescaled (macro_block_size=2). GIF is the fallback
when no ffmpeg can run (IMAGEIO_FFMPEG_EXE pointing nowhere, a platform without the wheel's
binary); Pillow writes it, so it needs every frame in memory and is capped by `GIF_MAX_PIXELS`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

GIF_MAX_PIXELS = 2**28  # frames x height x width kept in memory until the GIF is written
MP4_BITRATE = "12M"


def ffmpeg_exe() -> str | None:
    """The ffmpeg imageio would run, if it exists and is executable (IMAGEIO_FFMPEG_EXE first)."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None
    found = shutil.which(exe) or (exe if os.path.isfile(exe) and os.access(exe, os.X_OK) else None)
    return found


def choose_format(requested: str) -> tuple[str, str | None]:
    """(format to write, a note when it is not the one asked for)."""
    if requested == "mp4" and ffmpeg_exe() is None:
        return "gif", "no ffmpeg could be run (imageio-ffmpeg missing or IMAGEIO_FFMPEG_EXE wrong); wrote a GIF instead"
    return requested, None


class VideoWriter:
    """`append(frame)` uint8 [H, W, 3] frames, then `close()`; use as a context manager."""

    def __init__(self, path: Path, fps: int, fmt: str):
        self.path, self.fps, self.fmt = Path(path), fps, fmt
        self.count = 0
        self._gif: list = []
        self._mp4 = None
        if fmt == "mp4":
            import imageio.v2 as imageio

            self._mp4 = imageio.get_writer(
                str(self.path), format="FFMPEG", mode="I", fps=fps, codec="libx264",
                bitrate=MP4_BITRATE, macro_block_size=2, ffmpeg_log_level="error",
            )
        elif fmt != "gif":
            raise ValueError(f"format: {fmt!r} is not mp4 or gif")

    def append(self, frame: np.ndarray) -> None:
        if frame.shape[-1] == 1:  # grey models: both formats want RGB here
            frame = np.repeat(frame, 3, axis=-1)
        if self._mp4 is not None:
            self._mp4.append_data(frame)
        else:
            from PIL import Image

            self._gif.append(Image.fromarray(frame))
        self.count += 1

    def close(self) -> None:
        if self._mp4 is not None:
            self._mp4.close()
            self._mp4 = None
        elif self._gif:
            # GIF delays are in centiseconds: 60 fps plays at 50 in most viewers.
            self._gif[0].save(
                self.path, format="GIF", save_all=True, append_images=self._gif[1:],
                duration=max(10, round(1000 / self.fps)), loop=0,
            )
            self._gif = []

    def abort(self) -> None:
        """Stop without a file (cancelled or failed): nothing half-written is left."""
        try:
            if self._mp4 is not None:
                self._mp4.close()
        except Exception:  # the encoder may already be gone; the file goes either way
            pass
        self._mp4, self._gif = None, []
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
