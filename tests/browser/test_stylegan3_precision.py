"""Drag previews and the Force FP32 switch in real Chromium against a real server (tiny demo).

While the pointer is down on the seed pad the tab asks for bf16 previews; letting go asks for
the same params once more with preview false, and that frame is the exact fp32 image (the
same pixels as with Force FP32 on). The switch is visible and changes what is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from tests.browser.sg3_page import open_sg3_tab, pixels, settle, start_sg3_server
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
SIZES = [(1440, 900), (1366, 768), (1024, 700)]


@pytest.fixture(scope="module")
def sg3_server(tmp_path_factory) -> Iterator[LiveServer]:
    live = start_sg3_server(tmp_path_factory.mktemp("models"), GANLAB_SG3_BF16="1")  # bf16 previews on any CPU
    yield live
    live.stop()


def open_tab(browser, server: LiveServer, width: int, height: int):
    """The tab with `page.sent` (render requests) and `page.got` (frame headers) recorded."""

    def watch_socket(page) -> None:
        page.sent, page.got = [], []

        def watch(ws) -> None:
            if not ws.url.endswith("/ws/stylegan3"):
                return
            ws.on("framesent", lambda payload: page.sent.append(json.loads(payload)))
            ws.on("framereceived", lambda payload: isinstance(payload, bytes) and page.got.append(header(payload)))

        page.on("websocket", watch)

    page = open_sg3_tab(browser, server, width, height, before_goto=watch_socket)
    settle(page)
    return page.context, page


def header(payload: bytes) -> dict:
    length = int.from_bytes(payload[:4], "little")
    return json.loads(payload[4 : 4 + length])


def renders(page) -> list[dict]:
    return [m["params"] for m in page.sent if m.get("type") == "render"]


def drag_pad(page) -> None:
    page.locator("canvas[data-role=sg3-pad]").scroll_into_view_if_needed()
    pad = page.locator("canvas[data-role=sg3-pad]").bounding_box()
    x, y = pad["x"] + pad["width"] / 2, pad["y"] + pad["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x + step * 6, y, steps=2)
        page.wait_for_timeout(60)
    page.mouse.up()
    settle(page)


def test_drag_previews_then_exact_fp32_and_the_switch(browser, sg3_server: LiveServer) -> None:
    context, page = open_tab(browser, sg3_server, 1440, 900)
    try:
        switch = page.locator("[data-role=sg3-force-fp32]")
        assert switch.is_visible() and not page.is_checked("input[data-param=force_fp32]")
        box = switch.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900 and box["x"] + box["width"] <= 1440
        page.sent.clear()
        drag_pad(page)
        sent = renders(page)
        assert any(p["preview"] for p in sent[:-1]), sent  # frames while the pointer was down
        assert sent[-1]["preview"] is False and sent[-1]["force_fp32"] is False  # the release frame
        assert page.got[-1]["precision"] == "fp32" and not page.got[-1]["preview"]
        assert any(f["precision"] == "bf16" for f in page.got), page.got
        released = pixels(page)

        page.sent.clear()
        page.check("input[data-param=force_fp32]")
        settle(page)
        assert renders(page)[-1]["force_fp32"] is True
        assert np.array_equal(pixels(page), released)  # the release frame was already exact fp32
        page.sent.clear()
        page.got.clear()
        drag_pad(page)
        assert renders(page) and all(not p["preview"] and p["force_fp32"] for p in renders(page))
        assert {f["precision"] for f in page.got} == {"fp32"}
        assert "fp32" in page.inner_text("[data-role=sg3-device]")
        page.uncheck("input[data-param=force_fp32]")
        settle(page)
        assert renders(page)[-1]["force_fp32"] is False
        assert not page.problems, page.problems
    finally:
        context.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_switch_fits_the_top_bar(browser, sg3_server: LiveServer, width: int, height: int, tmp_path) -> None:
    context, page = open_tab(browser, sg3_server, width, height)
    try:
        switch = page.locator("[data-role=sg3-force-fp32]").bounding_box()
        badge = page.locator("[data-role=sg3-device]").bounding_box()
        assert switch["x"] >= badge["x"] + badge["width"] and switch["x"] + switch["width"] <= width
        assert abs((switch["y"] + switch["height"] / 2) - (badge["y"] + badge["height"] / 2)) < 6  # one row
        page.screenshot(path=str(tmp_path / f"sg3-{width}x{height}.png"))
    finally:
        context.close()
