"""Refresh the documentation's pictures of the GAN Lab tab (`make screenshots`).

Not a test: tests never rewrite tracked files. This starts a real server and Chromium, as the
browser tests do, and writes
- docs/screenshot.png: the README's picture, the default two-Gaussians page with the
  manifold on, trained for a while (1366×768);
- docs/ui-after-1366x768.png: docs/ui.md's "after" picture, the default page while playing
  at the default pace.
Pass another folder to write elsewhere: `python -m tests.browser.screenshots /tmp/shots`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import REPO, start_server

SIZE = {"width": 1366, "height": 768}
READY = "window.ganlab && window.ganlab.frames.latest !== null"


def shoot(browser, url: str, path: Path, *, until_epoch: int, pause: bool) -> None:
    page = browser.new_page(viewport=SIZE)
    try:
        page.goto(url)
        page.wait_for_function(READY, timeout=15_000)
        page.click("#btn-play")
        page.wait_for_function(f"window.ganlab.store.get('run').epoch > {until_epoch}", timeout=60_000)
        if pause:
            page.click("#btn-play")
            page.wait_for_function("window.ganlab.store.get('run').state === 'paused'", timeout=5_000)
        page.mouse.move(2, SIZE["height"] - 2)  # off the charts, so their legends show the latest values
        page.wait_for_timeout(400)
        page.screenshot(path=str(path))
        print(f"wrote {path}")
    finally:
        page.close()


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        sys.exit("no chromium on PATH (apt-get install -y chromium)")
    out.mkdir(parents=True, exist_ok=True)
    server = start_server({"GANLAB_MAX_SESSIONS": "4"})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            shoot(browser, f"{server.url}/#layer_manifold=true&max_epochs_per_s=0", out / "screenshot.png",
                  until_epoch=2500, pause=True)
            shoot(browser, f"{server.url}/", out / "ui-after-1366x768.png", until_epoch=400, pause=False)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs")
