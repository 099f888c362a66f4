"""What the StyleGAN tab's browser tests share: a server on the tiny demo, a page opened on the
tab that records console errors, and reading the picture's pixels back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conftest import LiveServer, start_server

READY = "canvas[data-role=sg3-image][data-frames]"
READ_PIXELS = """() => {
  const c = document.querySelector('canvas[data-role=sg3-image]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return {w: c.width, h: c.height, data: Array.from(d)};
}"""


def start_sg3_server(models_dir: Path, **env: str) -> LiveServer:
    """A real server on the CPU with the tiny 64x64 demo and `models_dir` as its models folder."""
    base = {"GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu", "GANLAB_MODELS_DIR": str(models_dir)}
    live = start_server({**base, **env})
    live.models_dir = models_dir
    return live


def open_sg3_tab(browser, server: LiveServer, width: int = 1440, height: int = 900, *, accept_downloads=False,
                 before_goto=None):
    """A fresh context on the app, switched to the StyleGAN tab, once its first image is drawn.
    `page.problems` collects console errors and uncaught exceptions; `before_goto(page)` can
    attach listeners (a websocket watcher) before the page loads."""
    context = browser.new_context(accept_downloads=accept_downloads, viewport={"width": width, "height": height})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    if before_goto is not None:
        before_goto(page)
    page.goto(server.url + "/")
    page.click("#tab-btn-stylegan3")
    page.wait_for_selector(READY, timeout=30_000)
    return page


def settle(page) -> None:
    page.evaluate("() => window.ganlabStyleGAN3.settled()")


def pixels(page) -> np.ndarray:
    got = page.evaluate(READ_PIXELS)
    return np.array(got["data"], dtype=np.float32).reshape(got["h"], got["w"], 4)[..., :3]


def set_box(page, name: str, value, wait: bool = True) -> None:
    """Type into a slider's number box (fires `change`, as a user would), then wait for the image."""
    page.fill(f"input[name={name}_box]", str(value))
    page.dispatch_event(f"input[name={name}_box]", "change")
    if wait:
        settle(page)
