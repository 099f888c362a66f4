"""Export video in real Chromium: progress is shown, a download arrives and decodes; Cancel stops it."""

from __future__ import annotations

from collections.abc import Iterator

import imageio.v2 as imageio
import numpy as np
import pytest

from tests.conftest import LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
WATCH_NOTE = """() => {
  window.videoNotes = [];
  const note = document.querySelector('[data-role=sg3-video-note]');
  new MutationObserver(() => window.videoNotes.push(note.textContent))
    .observe(note, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def sg3_server(tmp_path_factory) -> Iterator[LiveServer]:
    env = {"GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu", "GANLAB_MODELS_DIR": str(tmp_path_factory.mktemp("m"))}
    live = start_server(env)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, sg3_server: LiveServer):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.goto(sg3_server.url + "/")
    page.click("#tab-btn-stylegan3")
    page.wait_for_selector("canvas[data-role=sg3-image][data-frames]", timeout=30_000)
    page.wait_for_selector("[data-role=sg3-video-export]")
    yield page
    assert not page.problems, page.problems
    context.close()


def set_box(page, name: str, value) -> None:
    page.fill(f"input[name={name}_box]", str(value))
    page.dispatch_event(f"input[name={name}_box]", "change")


def test_export_interpolation_downloads_a_video(page, tmp_path) -> None:
    set_box(page, "video_w_frames", 2)
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
    set_box(page, "video_w_frames", 240)
    page.click("[data-role=sg3-video-export]")
    note = "document.querySelector('[data-role=sg3-video-note]').textContent"
    page.wait_for_function(f"() => /frame [1-9]\\d* of 960/.test({note})", timeout=30_000)
    assert page.is_visible("[data-role=sg3-video-bar]")
    page.click("[data-role=sg3-video-cancel]")
    page.wait_for_function("() => document.querySelector('[data-role=sg3-video]').dataset.state === 'cancelled'",
                           timeout=30_000)
    assert "Cancelled" in page.inner_text("[data-role=sg3-video-note]")
    assert page.is_enabled("[data-role=sg3-video-export]")
