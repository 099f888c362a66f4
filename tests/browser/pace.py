"""How long the default page takes to converge at the default pace, in real Chromium (by hand:
`python -m tests.browser.pace`, optionally with a link hash such as `'#seed=3'`).

Not a test: it measures wall time, which depends on the machine. It opens the page at
1366×768, presses Play and reads the newest frame header once a second until the run counts as
converged: grid JS < 0.2 with every mode captured and at least 90 % high-quality samples.
"""

from __future__ import annotations

import shutil
import sys
import time

from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import start_server

LIMIT_S = 90


def converged(metrics: dict) -> bool:
    js, hq = metrics.get("js"), metrics.get("hq_fraction")
    return js is not None and js < 0.2 and metrics.get("modes_captured") == metrics.get("num_modes") \
        and hq is not None and hq >= 0.9


def main(hash_: str) -> None:
    from playwright.sync_api import sync_playwright

    server = start_server({"GANLAB_MAX_SESSIONS": "4"})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{server.url}/{hash_}")
            page.wait_for_function("window.ganlab && window.ganlab.frames.latest !== null", timeout=15_000)
            page.click("#btn-play")
            start = time.monotonic()
            while time.monotonic() - start < LIMIT_S:
                header = page.evaluate("window.ganlab.frames.latest.header")
                elapsed, metrics = time.monotonic() - start, header["metrics"]
                print(f"{elapsed:5.1f} s  epoch {header['epoch']:6d}  js {metrics['js']:.3f}  "
                      f"modes {metrics.get('modes_captured')}  hq {metrics.get('hq_fraction') or 0:.2f}  "
                      f"{header['epochs_per_s']} epochs/s")
                if converged(metrics):
                    print(f"converged after {elapsed:.1f} s, at epoch {header['epoch']}")
                    break
                time.sleep(1)
            else:
                print(f"not converged within {LIMIT_S} s")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
