"""Browser tests of compare mode (static/js/compare/): 2–4 variants of one knob, each its own
session, as live small multiples over shared charts; entered from a `compare=` link."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.conftest import open_page
from tests.conftest import LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

G_LRS = [0.0001, 0.001, 0.01]
LINK = "#dataset=ring&compare=g_lr:0.0001,0.001,0.01"
VARIANTS = "window.ganlab.compare.variants()"
# Per tile: [non-transparent heatmap pixels, distinct heatmap colours, painted overlay pixels].
TILE_PIXELS = """() => Array.from(document.querySelectorAll('.compare-tile')).map((tile) => {
  const heat = tile.querySelector('canvas.heatmap'), over = tile.querySelector('canvas.overlay');
  const h = heat.getContext('2d').getImageData(0, 0, heat.width, heat.height).data;
  const o = over.getContext('2d').getImageData(0, 0, over.width, over.height).data;
  let opaque = 0, overlay = 0; const colours = new Set();
  for (let i = 0; i < h.length; i += 4) {
    if (h[i + 3] === 255) opaque++;
    colours.add(h[i] << 16 | h[i + 1] << 8 | h[i + 2]);
  }
  for (let i = 3; i < o.length; i += 4) if (o[i] > 0) overlay++;
  return [opaque, colours.size, overlay, heat.width * heat.height];
})"""


@pytest.fixture(scope="module")
def short_grace_server() -> Iterator[LiveServer]:
    """Own server whose detached sessions expire after 1 s, so leaving compare mode is observable."""
    live = start_server({"GANLAB_MAX_SESSIONS": "8", "GANLAB_SESSION_GRACE_S": "1"})
    yield live
    live.stop()


def live_sessions(server: LiveServer) -> int:
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
        return json.load(response)["sessions"]


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_compare_link_runs_variants_side_by_side(browser, short_grace_server) -> None:
    server = short_grace_server
    context, page, errors = open_page(browser, server, LINK)
    try:
        page.wait_for_function(
            f"{VARIANTS}.length === 3"
            f" && {VARIANTS}.every(v => v.hasFrame && v.params && v.params.dataset === 'ring')",
            timeout=15_000,
        )
        assert page.is_hidden("#dist"), "the single view steps aside"
        variants = page.evaluate(VARIANTS)
        assert [v["params"]["g_lr"] for v in variants] == G_LRS, "each session runs its own g_lr"
        assert (
            len({v["sessionId"] for v in variants} | {page.evaluate("sessionStorage['ganlab.session_id']")})
            == 4
        )
        labels = page.eval_on_selector_all(
            ".compare-tile .compare-knob", "els => els.map(e => e.textContent)"
        )
        assert labels == [f"g_lr = {v}" for v in ("0.0001", "0.001", "0.01")]

        # Same seed, same init: before training every variant shows the same fakes and heatmap.
        first = page.evaluate(
            "[0, 1, 2].map(i => { const f = window.ganlab.compare.frame(i);"
            " return [f.header.epoch, Array.from(f.arrays.fake), Array.from(f.arrays.d_grid)]; })"
        )
        assert all(epoch == 0 for epoch, _, _ in first)
        assert first[0][1] == first[1][1] == first[2][1], "fake samples differ at epoch 0"
        assert first[0][2] == first[1][2] == first[2][2], "D heatmaps differ at epoch 0"

        page.wait_for_timeout(200)  # one animation frame paints the tiles
        tiles = page.evaluate(TILE_PIXELS)
        overlays = [tile[2] for tile in tiles]
        for opaque, colours, overlay, size in tiles:
            assert opaque == size and colours > 20, "the heatmap is painted with the PRGn scale"
            assert overlay > 200, "real and fake dots are drawn over it"

        # The layer switches are the page's own: real dots go from every tile and the link says so.
        page.uncheck("#compare-layer_real")
        page.wait_for_timeout(200)
        without_real = [tile[2] for tile in page.evaluate(TILE_PIXELS)]
        assert all(a < b for a, b in zip(without_real, overlays, strict=True)), (without_real, overlays)
        assert "layer_real=false" in page.evaluate("location.hash")
        page.check("#compare-layer_real")

        chart = page.evaluate("window.ganlab.compare.chart()")
        assert chart["series"] == [[f"g_lr={v}" for v in G_LRS]] * 3, "one series per variant in each chart"
        points_before = chart["points"]

        page.click("#compare-play")
        page.wait_for_function(f"{VARIANTS}.every(v => v.epoch > 40)", timeout=15_000)
        points = page.evaluate("window.ganlab.compare.chart()")["points"]
        assert all(after > before + 5 for before, after in zip(points_before, points, strict=True)), points
        assert page.inner_text("#compare-play").endswith("Pause all")

        page.click("#compare-play")
        page.wait_for_function(f"{VARIANTS}.every(v => v.state === 'paused')", timeout=5_000)
        page.wait_for_timeout(300)
        counters = page.eval_on_selector_all(".compare-epoch", "els => els.map(e => e.textContent)")
        page.wait_for_timeout(500)
        assert page.eval_on_selector_all(".compare-epoch", "els => els.map(e => e.textContent)") == counters
        assert all(c != "000,000" for c in counters)
        assert "compare=g_lr" in page.evaluate("location.hash")

        page.click("#compare-exit")
        assert page.is_visible("#dist") and page.is_hidden("#compare")
        assert "compare=" not in page.evaluate("location.hash")
        assert "dataset=ring" in page.evaluate("location.hash"), "the normal params stay in the link"
        # Only the main session is left once the closed variants' grace period (1 s) ends.
        wait_for(lambda: live_sessions(server) == 1, 6, "the variant sessions to be deleted")
        assert not errors, errors
    finally:
        context.close()


def test_compare_shows_server_validation_and_prefills_studies(browser, server) -> None:
    context, page, errors = open_page(browser, server, "#compare=g_lr:0.001,50")
    try:
        page.wait_for_function(f"{VARIANTS}.length === 2 && {VARIANTS}[1].error !== null", timeout=15_000)
        message = page.inner_text(".compare-tile[data-variant='1'] .compare-error")
        assert "g_lr" in message and "10" in message, message
        assert page.is_hidden(".compare-tile[data-variant='0'] .compare-error")

        page.select_option("#compare-knob", "d_steps")
        assert page.input_value("#compare-values") == "1, 2, 3, 5"
        page.click("#compare-apply")
        page.wait_for_function(
            f"{VARIANTS}.map(v => v.params && v.params.d_steps).join() === '1,2,3,5'", timeout=15_000
        )
        assert page.locator(".compare-tile").count() == 4
        assert "compare=d_steps:1,2,3,5" in page.evaluate("location.hash")

        page.fill("#compare-values", "1")
        page.click("#compare-apply")
        assert "d_steps" in page.inner_text("#compare-form-error")
        page.click("#compare-exit")
        assert not errors, errors
    finally:
        context.close()


def test_compare_marks_the_variant_that_diverges(browser, server) -> None:
    # Without its gradient penalty and with an unbounded (linear) G, WGAN's critic blows up at
    # d_lr = 10 within a few epochs.
    context, page, errors = open_page(
        browser, server, "#loss=wasserstein_gp&gp_weight=0&g_output=linear&compare=d_lr:0.01,10"
    )
    try:
        page.wait_for_function(
            f"{VARIANTS}.length === 2 && {VARIANTS}.every(v => v.hasFrame)", timeout=15_000
        )
        assert page.is_hidden(".compare-badge")
        page.click("#compare-play")
        page.wait_for_function(
            f"{VARIANTS}[1].state === 'diverged' && {VARIANTS}[0].epoch > 20", timeout=15_000
        )
        page.wait_for_timeout(200)
        assert page.is_visible(".compare-tile[data-variant='1'] .compare-badge")
        assert page.is_hidden(".compare-tile[data-variant='0'] .compare-badge"), (
            "only the diverged one is marked"
        )
        assert page.evaluate(f"{VARIANTS}[0].state") == "playing", "the others carry on"
        page.click("#compare-reset")
        page.wait_for_function(f"{VARIANTS}.every(v => v.state !== 'diverged')", timeout=5_000)
        page.click("#compare-exit")
        assert not errors, errors
    finally:
        context.close()
