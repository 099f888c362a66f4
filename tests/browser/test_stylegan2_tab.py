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

from tests.browser.sg3_page import open_sg3_tab, pixels, settle, start_sg3_server
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
MODEL = "sg2tiny.safetensors"
SIZES = ((1440, 900), (1366, 768), (1024, 700))


@pytest.fixture(scope="module")
def sg2_server(tmp_path_factory) -> Iterator[LiveServer]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stylegan3"))
    from sg2_fixtures import load_sg2_fixture

    from ganlab.stylegan3.loader import save_safetensors

    models = tmp_path_factory.mktemp("models")
    save_safetensors(load_sg2_fixture("official_sg3_skip32").generator(), models / MODEL)
    live = start_sg3_server(models)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, sg2_server: LiveServer):
    page = open_sg3_tab(browser, sg2_server)
    yield page
    assert not page.problems, page.problems
    page.context.close()


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


def test_picture_and_controls_on_screen_at_three_sizes(page) -> None:
    """The StyleGAN2 picture and seed box, and at 1440x900 its noise control, need no scrolling.
    Set GANLAB_SCREENSHOTS to a folder to keep the pictures."""
    folder = os.environ.get("GANLAB_SCREENSHOTS")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")  # as the tab opens; earlier tests scrolled to the mixing boxes
        page.wait_for_timeout(200)
        wanted = ["canvas[data-role=sg3-image]", "#tab-stylegan3 [data-param=seed]"]
        wanted += [NOISE] if height >= 900 else []
        for selector in wanted:
            box = page.locator(selector).first.bounding_box()
            assert box and box["x"] >= 0 and box["y"] >= 0, (width, selector)
            assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (width, selector, box)
        if folder:
            page.screenshot(path=str(Path(folder) / f"sg2-tab-{width}x{height}.png"), full_page=True)
