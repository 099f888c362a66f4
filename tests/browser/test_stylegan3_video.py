"""Export video in real Chromium: progress is shown, a download arrives and decodes; Cancel stops it."""

from __future__ import annotations

from collections.abc import Iterator

import imageio.v2 as imageio
import numpy as np
import pytest

from tests.browser.sg3_page import open_sg3_tab, set_box, start_sg3_server
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
WATCH_NOTE = """() => {
  window.videoNotes = [];
  const note = document.querySelector('[data-role=sg3-video-note]');
  new MutationObserver(() => window.videoNotes.push(note.textContent))
    .observe(note, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def sg3_server(tmp_path_factory) -> Iterator[LiveServer]:
    live = start_sg3_server(tmp_path_factory.mktemp("m"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, sg3_server: LiveServer):
    page = open_sg3_tab(browser, sg3_server, 1400, 1000, accept_downloads=True)
    page.wait_for_selector("[data-role=sg3-video-export]")
    yield page
    assert not page.problems, page.problems
    page.context.close()


def test_export_interpolation_downloads_a_video(page, tmp_path) -> None:
    set_box(page, "video_w_frames", 2, wait=False)
    page.evaluate(WATCH_NOTE)
    with page.expect_download(timeout=60_000) as info:
        page.click("[data-role=sg3-video-export]")
    download = info.value
    assert download.suggested_filename.endswith(".mp4")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with imageio.get_reader(str(path), format="FFMPEG") as reader:
        frames = np.stack([f for f in reader.iter_data()])
    assert frames.shape == (4, 64, 64, 3)  # 2 keyframes (seed, To seed) x 2 frames, the 64x64 demo
    assert np.abs(np.diff(frames.astype(int), axis=0)).mean() > 1
    notes = page.evaluate("() => window.videoNotes")
    assert any(n.startswith("frame ") and " of 4" in n for n in notes), notes
    assert "4 frames" in page.inner_text("[data-role=sg3-video-note]")
    assert page.is_visible("[data-role=sg3-video-link]")


def test_cancel_a_seed_walk(page) -> None:
    page.select_option("select[name=video_mode]", "walk")
    assert page.is_visible("input[name=video_keyframes]")
    set_box(page, "video_w_frames", 240, wait=False)
    page.click("[data-role=sg3-video-export]")
    note = "document.querySelector('[data-role=sg3-video-note]').textContent"
    page.wait_for_function(f"() => /frame [1-9]\\d* of 960/.test({note})", timeout=30_000)
    assert page.is_visible("[data-role=sg3-video-bar]")
    page.click("[data-role=sg3-video-cancel]")
    page.wait_for_function("() => document.querySelector('[data-role=sg3-video]').dataset.state === 'cancelled'",
                           timeout=30_000)
    assert "Cancelled" in page.inner_text("[data-role=sg3-video-note]")
    assert page.is_enabled("[data-role=sg3-video-export]")
