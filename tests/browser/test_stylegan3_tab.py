"""The StyleGAN3 tab in real Chromium against a real server (tiny 64x64 demo, CPU).

One page is shared by the tests in order: open the tab, change psi, translate, view a
layer, download, follow a shared link. Every test fails on console errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.browser.sg3_page import READY, open_sg3_tab, pixels, set_box, settle, start_sg3_server
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture(scope="module")
def sg3_server(tmp_path_factory) -> Iterator[LiveServer]:
    live = start_sg3_server(tmp_path_factory.mktemp("models"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(browser, sg3_server: LiveServer):
    """One page on the StyleGAN3 tab (the session-wide Chromium of tests/browser/conftest.py)."""
    page = open_sg3_tab(browser, sg3_server, 1400, 1000, accept_downloads=True)
    yield page
    page.context.close()


def test_demo_image_appears(page) -> None:
    settle(page)
    assert "untrained" in page.inner_text(".sg3-panel").lower()
    assert page.input_value("#tab-stylegan3 select[data-param=model]") == "demo"
    image = pixels(page)
    assert image.shape == (64, 64, 3) and image.std() > 5  # not blank
    assert page.inner_text("[data-role=sg3-device]").startswith("CPU")
    assert "per image" in page.inner_text("[data-role=sg3-timing]")


def test_psi_changes_the_image(page) -> None:
    before = pixels(page)
    set_box(page, "truncation_psi", 0.2)
    after = pixels(page)
    assert np.abs(after - before).mean() > 3
    page.wait_for_function("() => location.hash.includes('sg3.truncation_psi=0.2')", timeout=5_000)


def test_translate_shifts_content_right(page) -> None:
    set_box(page, "truncation_psi", 1)
    base = pixels(page).mean(axis=2)
    set_box(page, "translate_x", 0.125)  # 8 pixels at 64x64
    moved = pixels(page).mean(axis=2)
    errors = {s: np.abs(moved[:, 12 + s : 52 + s] - base[:, 12:52]).mean() for s in range(-10, 11)}
    assert min(errors, key=errors.get) in (7, 8, 9), errors
    set_box(page, "translate_x", 0)


def test_layer_view_shows_the_layer(page) -> None:
    option = page.eval_on_selector("#tab-stylegan3 select[data-param=layer]", "s => s.options[4].value")
    page.select_option("#tab-stylegan3 select[data-param=layer]", option)
    settle(page)
    size = int(option.split("_")[1])
    image = pixels(page)
    assert image.shape[:2] == (size, size) and image.std() > 1
    assert "channels" in page.inner_text(".sg3-caption")
    page.click("text=Show image")
    settle(page)
    assert pixels(page).shape[:2] == (64, 64)


def test_pad_mixing_grid_and_interpolation(page) -> None:
    before = pixels(page)
    pad = page.locator("canvas[data-role=sg3-pad]").bounding_box()
    page.mouse.move(pad["x"] + pad["width"] / 2, pad["y"] + pad["height"] / 2)
    page.mouse.down()
    page.mouse.move(pad["x"] + pad["width"] * 0.6, pad["y"] + pad["height"] / 2, steps=4)  # half a seed right
    page.mouse.up()
    settle(page)
    offset = page.evaluate("() => window.ganlabStyleGAN3.store.get('params').seed_offset")
    assert 0.2 < offset[0] < 0.8 and offset[1] == 0
    assert np.abs(pixels(page) - before).mean() > 1  # W blended toward seed 1
    page.click("#tab-stylegan3 button:text-is('Snap')")
    page.click("#tab-stylegan3 button:text-is('fine')")
    settle(page)
    assert page.evaluate("() => window.ganlabStyleGAN3.store.get('params').mix_ws") == list(range(11, 16))
    page.select_option("#tab-stylegan3 select.sg3-grid-size", "2")
    page.click("#tab-stylegan3 button:text-is('Render grid')")
    page.wait_for_function(
        "() => document.querySelector('.sg3-grid-size + button + span').textContent.startsWith('4 of 4')"
    )
    assert page.eval_on_selector("canvas[data-role=sg3-grid]", "c => [c.width, c.height]") == [128, 128]
    page.fill("#tab-stylegan3 input[name=interp_steps_box]", "3")
    page.dispatch_event("#tab-stylegan3 input[name=interp_steps_box]", "change")
    page.click("#tab-stylegan3 button:text-is('Render & play')")
    page.wait_for_function(
        "() => /3 frames, playing/.test(document.querySelector('#tab-stylegan3').innerText)"
    )
    page.click("#tab-stylegan3 button:text-is('Stop')")
    page.click("#tab-stylegan3 button:text-is('none')")
    settle(page)


def test_download_png_with_settings_in_name(page, tmp_path: Path) -> None:
    with page.expect_download(timeout=20_000) as info:
        page.click("[data-role=sg3-download]")
    download = info.value
    assert download.suggested_filename.startswith(
        "sg3_demo_seed0_psi"
    ) and download.suggested_filename.endswith(".png")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_shared_link_reproduces_the_image(page, sg3_server: LiveServer) -> None:
    set_box(page, "truncation_psi", 0.5)
    page.fill("#tab-stylegan3 [data-param=seed]", "5")
    page.dispatch_event("#tab-stylegan3 [data-param=seed]", "change")
    settle(page)
    page.wait_for_function("() => location.hash.includes('sg3.seed=5')")
    link, original = page.evaluate("location.href"), pixels(page)
    other = page.context.new_page()
    other.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    other.goto(link)
    other.click("#tab-btn-stylegan3")
    other.wait_for_selector(READY, timeout=30_000)
    settle(other)
    assert other.input_value("#tab-stylegan3 [data-param=seed]") == "5"
    assert np.abs(pixels(other) - original).mean() < 1
    other.close()


def test_upload_and_pick_a_conditional_model(page, tmp_path: Path) -> None:
    from tests.server.stylegan3.test_sg3_api import save_micro_network

    save_micro_network(tmp_path / "micro.safetensors")
    page.set_input_files("#tab-stylegan3 input[type=file]", str(tmp_path / "micro.safetensors"))
    picked = "() => document.querySelector('#tab-stylegan3 select[data-param=model]').value"
    page.wait_for_function(f"{picked} === 'uploads/micro.safetensors'", timeout=20_000)
    page.wait_for_function(
        "() => document.querySelector('canvas[data-role=sg3-image]').width === 32", timeout=20_000
    )
    settle(page)
    assert page.is_visible("#tab-stylegan3 [data-param=class_idx]")
    first = pixels(page)
    page.fill("#tab-stylegan3 [data-param=class_idx]", "2")
    page.dispatch_event("#tab-stylegan3 [data-param=class_idx]", "change")
    settle(page)
    assert np.abs(pixels(page) - first).mean() > 0.5
    page.wait_for_function("() => location.hash.includes('sg3.class_idx=2')", timeout=5_000)


def test_a_broken_model_file_is_listed_greyed_out_with_its_reason(page, sg3_server: LiveServer) -> None:
    (sg3_server.models_dir / "bad.safetensors").write_bytes((2**62).to_bytes(8, "little") + b"{}")
    page.click("#tab-stylegan3 button[title='Look for new files in the models folder']")
    option = page.locator("#tab-stylegan3 select[data-param=model] option[value='bad.safetensors']")
    option.wait_for(state="attached", timeout=10_000)
    assert option.is_disabled() and "larger than" in option.get_attribute("title")
    assert option.inner_text().startswith("⚠ bad.safetensors (cannot be used:")
    assert page.input_value("#tab-stylegan3 select[data-param=model]") == "uploads/micro.safetensors"


# ---- the model hub, against a loopback file server --------------------------------------------

FILES = "stylegan3/versions/1/files/"
RECORD_BUSY = """() => {
  window.busySeen = [];
  const overlay = document.querySelector('[data-role=sg3-busy]');
  new MutationObserver(() => { if (!overlay.hidden) window.busySeen.push(overlay.innerText); })
    .observe(overlay, {attributes: true, childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def hub_files():
    from tests.stylegan3.hubserver import HubServer

    with HubServer() as files:
        yield files


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory, hub_files) -> Iterator[LiveServer]:
    live = start_sg3_server(
        tmp_path_factory.mktemp("hub-models"),
        GANLAB_HUB_BASE_URL=hub_files.url,
        GANLAB_HUB_RETRY_DELAY_S="0.05",
        GANLAB_SG3_PROGRESS_AFTER_S="0",
    )
    yield live
    live.stop()


def open_tab(browser, server: LiveServer, width: int = 1440, height: int = 900):
    return open_sg3_tab(browser, server, width, height)


def unfold_hub(tab) -> None:
    """Open the hub's list as a user would, if it is folded (it is once a trained model is here)."""
    if not tab.evaluate("document.querySelector('.sg3-hub-body').open"):
        tab.click(".sg3-hub-body > summary")


def hub_row(tab, name: str):
    return tab.locator(f"[data-role=sg3-hub] .sg3-hub-row[data-model={name}]")


def test_first_run_leads_with_the_hub_and_a_download_ends_in_a_picture(browser, hub_server, hub_files) -> None:
    from tests.stylegan3.hubfiles import micro_pickle

    data = micro_pickle()
    name = "stylegan3-t-ffhqu-256x256"
    hub_files.add(FILES + f"{name}.pkl", data, bps=150_000, drop_at=len(data) // 3, drops=1)
    tab = open_tab(browser, hub_server)
    lead = tab.locator("[data-role=sg3-lead]")
    assert lead.is_visible() and "untrained network with random weights" in lead.inner_text()
    button = tab.locator("[data-role=sg3-lead-get]")
    assert button.inner_text() == "Get StyleGAN3-T FFHQ-U 256 (283 MB; fastest on a CPU)"
    assert button.bounding_box()["y"] < 200  # above the fold, before any control
    tab.evaluate(RECORD_BUSY)
    button.click()
    text = lead.locator("[data-role=sg3-dl-text]")
    tab.wait_for_function(
        "() => / of .* · \\d+% · .*\\/s/.test(document.querySelector('[data-role=sg3-lead] [data-role=sg3-dl-text]')"
        ".textContent)",
        timeout=20_000,
    )
    bar = lead.locator("progress.sg3-dl-bar").bounding_box()
    assert text.is_visible() and bar["width"] > 100 and bar["height"] > 4
    tab.wait_for_function(
        "() => document.querySelector('#tab-stylegan3 select[data-param=model]').value === "
        f"'{name}.pkl' && document.querySelector('canvas[data-role=sg3-image]').width === 32",
        timeout=60_000,
    )
    settle(tab)
    image = pixels(tab)
    assert image.shape == (32, 32, 3) and image.std() > 3  # the downloaded network's picture
    assert not lead.is_visible()  # a real model is here now: the hub steps back
    assert hub_row(tab, name).locator(".sg3-hub-head button").inner_text() == "Use"
    assert hub_files.hits(FILES + f"{name}.pkl")[-1] == f"bytes={len(data) // 3}-"  # the cut was resumed
    assert any("Rendering" in text and "of 16" in text for text in tab.evaluate("window.busySeen")), tab.evaluate(
        "window.busySeen"
    )
    assert (hub_server.models_dir / f"{name}.pkl").read_bytes() == data and not tab.problems
    tab.context.close()
    later = open_tab(browser, hub_server)  # a trained model is here: no lead card, the hub list folded
    assert not later.locator("[data-role=sg3-lead]").is_visible()
    assert not later.evaluate("document.querySelector('.sg3-hub-body').open")
    assert later.locator("[data-role=sg3-hub] summary").is_visible() and not later.problems
    later.context.close()


def test_two_tabs_share_one_download(browser, hub_server, hub_files) -> None:
    from tests.stylegan3.hubfiles import micro_safetensors

    name = "stylegan3-r-ffhqu-256x256"
    hub_files.add(FILES + f"{name}.pkl", micro_safetensors(), bps=200_000)
    first, second = open_tab(browser, hub_server), open_tab(browser, hub_server, 1366, 768)
    unfold_hub(first)
    unfold_hub(second)
    hub_row(first, name).locator("button", has_text="Download").click()
    for tab in (first, second):  # the other tab sees the same download without asking
        hub_row(tab, name).locator("[data-role=sg3-dl-text]").filter(has_text="%").wait_for(timeout=20_000)
    hub_row(second, name).locator("button", has_text="Download").click(force=True)  # disabled: it is running
    for tab in (first, second):
        hub_row(tab, name).locator("button", has_text="Use").wait_for(timeout=60_000)
    assert len(hub_files.hits(FILES + f"{name}.pkl")) == 1
    first.wait_for_function(
        f"() => document.querySelector('#tab-stylegan3 select[data-param=model]').value === '{name}.pkl'"
    )
    assert f"{name}.pkl" in second.inner_text("#tab-stylegan3 select[data-param=model]")
    assert not first.problems and not second.problems
    first.context.close()
    second.context.close()


def test_cancel_and_a_missing_file_in_the_tab(browser, hub_server, hub_files) -> None:
    from tests.stylegan3.hubfiles import micro_pickle

    slow, missing = "stylegan3-t-afhqv2-512x512", "stylegan3-r-afhqv2-512x512"
    hub_files.add(FILES + f"{slow}.pkl", micro_pickle(), bps=50_000)
    hub_files.add(FILES + f"{missing}.pkl", b"", status=404)
    tab = open_tab(browser, hub_server, 1024, 700)
    unfold_hub(tab)
    row = hub_row(tab, slow)
    row.locator("button", has_text="Download").click()
    row.locator("[data-role=sg3-dl-text]").filter(has_text="%").wait_for(timeout=20_000)
    row.locator("button", has_text="Cancel").click()
    row.locator("[data-role=sg3-dl-text]").filter(has_text="Cancelled; nothing was kept.").wait_for(timeout=20_000)
    assert not [p for p in hub_server.models_dir.rglob(f"{slow}*") if p.suffix != ".lock"]
    assert row.locator("button", has_text="Download").is_enabled()
    row = hub_row(tab, missing)
    row.locator("button", has_text="Download").click()
    error = row.locator("[data-role=sg3-dl-error]")
    error.wait_for(timeout=20_000)
    assert "was not found (HTTP 404)" in error.inner_text() and "models folder" in error.inner_text()
    assert error.bounding_box()["width"] > 150 and row.locator("button", has_text="Try again").is_visible()
    assert not tab.problems
    tab.context.close()


@pytest.mark.parametrize("width,height", [(1366, 768), (1024, 700)])
def test_picture_and_its_first_controls_are_on_screen_on_first_run(browser, hub_server, width, height) -> None:
    """Only the demo is here, so the lead card and the hub's list show; the picture, the seed and
    (at laptop size) ψ must still be on screen without scrolling, not pushed under the hub."""
    tab = open_tab(browser, hub_server, width, height)
    wanted = ["canvas[data-role=sg3-image]", "#tab-stylegan3 [data-param=seed]"]
    if height >= 768:
        wanted.append("#tab-stylegan3 input[name=truncation_psi_box]")
    for selector in wanted:
        box = tab.locator(selector).first.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, selector
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (selector, box)
    image = tab.locator("canvas[data-role=sg3-image]").bounding_box()
    assert image["width"] >= 300, image  # the picture is the largest thing, not a thumbnail
    assert not tab.problems
    tab.context.close()
