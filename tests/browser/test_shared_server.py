"""A class shares one server: when the server lowers a session's frame rate, its page says so
(issue 15), in the header next to the connection badge, readable and inside the viewport."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page
from tests.conftest import start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

READOUT = """() => {
  const el = document.getElementById('frame-note');
  const r = el.getBoundingClientRect();
  return {text: el.textContent, title: el.title, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible: !el.hidden && r.width > 0, overflow: el.scrollWidth > el.clientWidth + 1,
          width: innerWidth, height: innerHeight, rate: document.getElementById('epoch-rate').textContent};
}"""


@pytest.fixture(scope="module")
def crowded():
    # Frames may take 1% of the one worker's core: two playing sessions each get far fewer than 30/s.
    live = start_server({"GANLAB_WORKERS": "1", "GANLAB_FRAME_SHARE": "0.01", "GANLAB_MAX_SESSIONS": "8"})
    yield live
    live.stop()


@pytest.mark.parametrize("size", [(1440, 900), (1024, 700)])
def test_a_lowered_frame_rate_shows_in_the_header(browser, crowded, size) -> None:
    pages = [open_page(browser, crowded, width=size[0], height=size[1]) for _ in range(2)]
    try:
        for _, page, _ in pages:
            page.click("#btn-play")
        page = pages[0][1]
        # Once both play, the reason says so (it may first say why one session alone gets fewer).
        page.wait_for_function("document.getElementById('frame-note').title.includes('2 sessions share')",
                               timeout=30_000)
        box = page.evaluate(READOUT)
        assert box["visible"] and "frames/s · shared server" in box["text"] and "epochs/s" in box["rate"], box
        assert "2 sessions share" in box["title"], box  # the reason, on hover
        assert box["left"] >= 0 and box["top"] >= 0, box
        assert box["right"] <= box["width"] and box["bottom"] <= box["height"], box
        assert not box["overflow"], box
        page.click("#btn-play")  # paused: the readout is back to the step count, no stale note
        page.wait_for_function("document.getElementById('frame-note').hidden")
        assert page.evaluate(READOUT)["title"] == ""
    finally:
        for context, _, errors in pages:
            context.close()
            assert not errors, errors
