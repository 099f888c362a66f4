"""The StyleGAN3 tab's analysis views and latent directions in real Chromium (tiny demo, CPU).

One page at 1440x900 is shared by the tests in order: latent-direction sliders (visible,
moving one changes the picture, the link carries it), the FFT view, untransform, and the layer
statistics with the energy order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tests.browser.sg3_page import READY, open_sg3_tab, pixels, set_box, settle, start_sg3_server
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
TAB = "#tab-stylegan3"


@pytest.fixture(scope="module")
def views_server(tmp_path_factory) -> Iterator[LiveServer]:
    live = start_sg3_server(tmp_path_factory.mktemp("models"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, views_server: LiveServer):
    tab = open_sg3_tab(browser, views_server, 1440, 900)
    settle(tab)
    yield tab
    tab.context.close()


def in_viewport(page, selector: str) -> bool:
    """The element is inside the viewport and not covered by anything else."""
    return page.eval_on_selector(selector, """e => {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.bottom > innerHeight || r.right > innerWidth || r.top < 0 || r.left < 0) return false;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit === e || e.contains(hit);
    }""")


def test_direction_sliders_edit_the_image_and_the_link_carries_it(page, views_server: LiveServer) -> None:
    before = pixels(page)
    page.click(f"{TAB} [data-role=sg3-directions-panel] > summary")
    page.wait_for_selector(f"{TAB} input[data-param=edit_0]", timeout=30_000)
    assert "20 directions from 10,000 latents" in page.inner_text("[data-role=sg3-directions-status]")
    page.locator(f"{TAB} input[data-param=edit_0]").scroll_into_view_if_needed()
    assert in_viewport(page, f"{TAB} input[data-param=edit_0]")
    set_box(page, "edit_1", 4)
    edited = pixels(page)
    assert np.abs(edited - before).mean() > 3
    page.wait_for_function("() => location.hash.includes('sg3.edit_amounts=0%2C4')", timeout=5_000)
    page.select_option(f"{TAB} select[data-param=edit_layers]", "fine")
    settle(page)
    fine = pixels(page)
    assert np.abs(fine - edited).mean() > 1 and np.abs(fine - before).mean() > 0.5
    page.wait_for_function("() => location.hash.includes('sg3.edit_layers=fine')", timeout=5_000)
    other = page.context.new_page()
    other.goto(page.evaluate("location.href"))
    other.click("#tab-btn-stylegan3")
    other.wait_for_selector(READY, timeout=30_000)
    settle(other)
    assert np.abs(pixels(other) - fine).mean() < 1
    assert other.input_value(f"{TAB} input[name=edit_1_box]") == "4"  # the panel opened with the edit
    other.close()
    page.click(f"{TAB} button:text-is('Reset edit')")
    settle(page)
    assert np.abs(pixels(page) - before).mean() < 1


def test_fft_view_draws_a_spectrum_beside_the_image(page) -> None:
    image = pixels(page)
    page.click(f"{TAB} [data-role=sg3-spectrum-panel] > summary")
    page.check(f"{TAB} input[data-param=fft]")
    settle(page)
    both = pixels(page)
    assert both.shape[:2] == (64, 128)
    assert np.abs(both[:, :64] - image).mean() < 2 and np.abs(both[:, 64:] - image).mean() > 20
    box = page.locator("canvas[data-role=sg3-image]").bounding_box()
    assert box["width"] > 1.8 * box["height"]  # drawn wide, not squeezed into a square
    set_box(page, "fft_beta", 0)
    assert np.abs(pixels(page)[:, 64:] - both[:, 64:]).mean() > 1
    page.uncheck(f"{TAB} input[data-param=fft]")
    settle(page)
    assert pixels(page).shape[:2] == (64, 64)


def test_untransform_holds_the_content_still(page) -> None:
    base = pixels(page)
    set_box(page, "translate_x", 0.125)
    moved = pixels(page)
    page.check(f"{TAB} input[data-param=untransform]")
    settle(page)
    back = pixels(page)
    inner = (slice(12, 52), slice(12, 52))
    assert np.abs(back - base)[inner].mean() < np.abs(moved - base)[inner].mean() / 3
    page.uncheck(f"{TAB} input[data-param=untransform]")
    set_box(page, "translate_x", 0)


def test_layer_statistics_and_energy_order(page) -> None:
    option = page.eval_on_selector(f"{TAB} select[data-param=layer]", "s => s.options[4].value")
    page.select_option(f"{TAB} select[data-param=layer]", option)
    settle(page)
    table = page.inner_text("[data-role=sg3-layer-stats]")
    assert "All channels" in table and "Max |v|" in table and any(ch.isdigit() for ch in table)
    page.select_option(f"{TAB} select[data-param=layer_order]", "energy")
    settle(page)
    chips = page.locator("[data-role=sg3-layer-top] button")
    strongest = chips.nth(0).inner_text()
    assert f"channel {strongest}" in page.inner_text(".sg3-caption")
    first = pixels(page)
    chips.nth(2).click()
    settle(page)
    assert page.evaluate("() => window.ganlabStyleGAN3.store.get('params').layer_channel") == 2
    assert np.abs(pixels(page) - first).mean() > 1
    page.click("text=Show image")
    settle(page)
