"""Latent walk videos, as NVIDIA's gen_video.py makes them.

* `params.py`: every setting of a video, declared once (CLI, API and tab all use it);
* `keyframes.py`: the seed layout and the interpolation of W between keyframes;
* `frames.py`: ws -> the frames (one picture per grid cell, tiled), with progress and cancel;
* `writer.py`: frames -> .mp4 (imageio-ffmpeg's bundled encoder) or .gif (Pillow).
No web imports: the server and the CLI both call these.
"""
