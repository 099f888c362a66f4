"""The StyleGAN tab with a StyleGAN2 network in real Chromium against a real server (CPU).

A tiny StyleGAN2 .safetensors (from the committed official reference numbers) sits in the
server's models folder next to the tiny StyleGAN3 demo. The noise-mode control is enabled for
it and disabled for StyleGAN3; translate and rotate are disabled for it, saying why.
Set GANLAB_SCREENSHOTS=<folder> to also keep the page at three window sizes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
MODEL = "sg2tiny.safetensors"
READ_PIXELS = """() => {
  const c = document.querySelector('canvas[data-role=sg3-image]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return {w: c.width, h: c.height, data: Array.from(d)};
}"""
SIZES = ((1440, 900), (1366, 768), (1024, 700))


@pytest.fixture(scope="module")
def sg2_server(tmp_path_factory) -> Iterator[LiveServer]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stylegan3"))
    from sg2_fixtures import load_sg2_fixture

    from ganlab.stylegan3.loader import save_safetensors

    models = tmp_path_factory.mktemp("models")
    save_safetensors(load_sg2_fixture("official_sg3_skip32").generator(), models / MODEL)
    live = start_server({"GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu", "GANLAB_MODELS_DIR": str(models)})
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, sg2_server: LiveServer):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.goto(sg2_server.url + "/")
    page.click("#tab-btn-stylegan3")
    page.wait_for_selector("canvas[data-role=sg3-image][data-frames]", timeout=30_000)
    yield page
    assert not page.problems, page.problems
    context.close()


def settle(page) -> None:
    page.evaluate("() => window.ganlabStyleGAN3.settled()")


def pixels(page) -> np.ndarray:
    got = page.evaluate(READ_PIXELS)
    return np.array(got["data"], dtype=np.float32).reshape(got["h"], got["w"], 4)[..., :3]


NOISE = "#tab-stylegan3 select[data-param=noise_mode]"
TRANSLATE = "#tab-stylegan3 input[name=translate_x]"


def test_stylegan3_demo_has_the_noise_control_disabled(page) -> None:
    settle(page)
    assert page.is_disabled(NOISE) and page.is_enabled(TRANSLATE)


def test_stylegan2_model_draws_with_noise_enabled_and_no_transform(page) -> None:
    page.select_option("#tab-stylegan3 select[data-param=model]", MODEL)
    page.wait_for_function("() => document.querySelector('canvas[data-role=sg3-image]').width === 32", timeout=20_000)
    settle(page)
    image = pixels(page)
    assert image.shape == (32, 32, 3) and image.std() > 5
    assert page.is_enabled(NOISE) and page.is_disabled(TRANSLATE)
    assert page.is_disabled("#tab-stylegan3 input[name=rotate]")
    title = page.evaluate(
        "() => document.querySelector('#tab-stylegan3 input[name=translate_x]').closest('label').title"
    )
    assert title == "StyleGAN2 has no input transform"
    page.select_option(NOISE, "none")
    settle(page)
    assert np.abs(pixels(page) - image).mean() > 0.5
    page.wait_for_function("() => location.hash.includes('sg3.noise_mode=none')", timeout=5_000)


def test_stylegan2_layer_view_and_mixing_over_its_ws(page) -> None:
    page.select_option("#tab-stylegan3 select[data-param=layer]", "b16.conv1")
    page.wait_for_function("() => document.querySelector('canvas[data-role=sg3-image]').width === 16", timeout=20_000)
    settle(page)
    assert pixels(page).std() > 1
    page.click("#tab-stylegan3 .sg3-panel button:has-text('Show image')")
    settle(page)
    boxes = page.locator("#tab-stylegan3 [data-param=mix_ws] input[type=checkbox]")
    assert boxes.count() == 8  # num_ws of this 32 px StyleGAN2 network
    before = pixels(page)
    boxes.nth(7).check()  # the last w drives the final ToRGB: mixing it changes the colours
    settle(page)
    assert np.abs(pixels(page) - before).mean() > 0.5


def test_screenshots_at_three_sizes(page) -> None:
    folder = os.environ.get("GANLAB_SCREENSHOTS")
    if not folder:
        pytest.skip("set GANLAB_SCREENSHOTS to keep screenshots")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        page.screenshot(path=str(Path(folder) / f"sg2-tab-{width}x{height}.png"), full_page=True)
