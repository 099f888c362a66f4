"""A learner's first minutes on the GAN Lab tab at 1366×768, in real Chromium, asserted from
pixels and the DOM: fakes from epoch 0, the knobs beside the plot, exact values, knobs that do
not apply, a readable plot, a correct PNG, charts that read at a glance, a failure explained,
compare mode 3 → 4 values, and the lab notebook.

The tests share one page and run in order, as one journey (each step starts where the last
left off), so the module costs one page load.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import open_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
WIDTH, HEIGHT = 1366, 768
STORE = "window.ganlab.store"

# Fake-sample outline pixels (#7b3294) on the overlay, and the overlay's size.
FAKE_PIXELS = """() => {
  const c = document.querySelector('#dist canvas.overlay');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const near = (v, c) => Math.abs(v - c) < 30;
    if (d[i + 3] > 150 && near(d[i], 123) && near(d[i + 1], 50) && near(d[i + 2], 148)) n++;
  }
  return n;
}"""
# With only the gradient layer on: the farthest arrow pixel from its nearest fake sample, in CSS px.
ARROW_REACH = """() => {
  const c = document.querySelector('#dist canvas.overlay'), dpr = c.width / c.clientWidth;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const f = window.ganlab.frames.latest, [x0, x1, y0, y1] = f.header.view_box, fake = f.arrays.fake;
  const px = [], py = [];
  for (let k = 0; k < fake.length / 2; k++) {
    px.push((fake[2 * k] - x0) / (x1 - x0) * c.clientWidth);
    py.push((1 - (fake[2 * k + 1] - y0) / (y1 - y0)) * c.clientWidth);
  }
  let reach = 0, pink = 0;
  for (let i = 0; i < d.length; i += 4 * 3) {  // every third pixel is plenty
    if (d[i + 3] < 60) continue;
    pink++;
    const p = i / 4, x = (p % c.width) / dpr, y = Math.floor(p / c.width) / dpr;
    let best = Infinity;
    for (let k = 0; k < px.length; k++) best = Math.min(best, (px[k] - x) ** 2 + (py[k] - y) ** 2);
    reach = Math.max(reach, Math.sqrt(best));
  }
  return [reach, pink, c.clientWidth];
}"""
# Fake-coloured pixels within 12 CSS px of the overlay's border (the off-view triangles).
EDGE_MARKS = """() => {
  const c = document.querySelector('#dist canvas.overlay'), m = Math.round(12 * c.width / c.clientWidth);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const p = i / 4, x = p % c.width, y = Math.floor(p / c.width);
    const edge = x < m || y < m || x >= c.width - m || y >= c.height - m;
    if (edge && d[i + 3] > 150 && Math.abs(d[i] - 123) < 30 && Math.abs(d[i + 1] - 50) < 30) n++;
  }
  return n;
}"""
VARIANTS = "window.ganlab.compare.variants()"


@pytest.fixture(scope="module")
def journey(browser, server) -> Iterator[tuple]:
    context, page, errors = open_page(browser, server, width=WIDTH, height=HEIGHT)
    yield page, errors, context
    context.close()
    assert not errors, errors


def wait(page, condition: str, timeout_ms: int = 15_000) -> None:
    page.wait_for_function(condition, timeout=timeout_ms)


def params(page) -> dict:
    return page.evaluate(f"{STORE}.get('params')")


def test_fakes_are_drawn_at_epoch_0(journey) -> None:
    page, _, _ = journey
    assert page.evaluate("window.ganlab.frames.latest.header.epoch") == 0
    page.wait_for_timeout(150)  # one animation frame paints it
    assert page.evaluate(FAKE_PIXELS) > 300, "purple fake dots are on the plot before any training"
    assert page.is_hidden("#offview-count"), "with G's tanh mapped onto the view, no fake is off the view"


def test_knobs_and_plot_are_on_screen_together(journey) -> None:
    page, _, _ = journey
    assert page.evaluate("window.scrollY") == 0
    ids = ["param-g_lr", "param-g_lr-box", "param-d_lr", "param-d_lr-box", "param-g_steps", "param-d_steps",
           "param-g_optimizer", "param-d_optimizer", "param-loss", "param-noise_dim", "param-noise_type", "dist",
           "btn-play", "speed"]
    for element_id in ids:
        box = page.locator(f"#{element_id}").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, element_id
        assert box["x"] + box["width"] <= WIDTH and box["y"] + box["height"] <= HEIGHT, (element_id, box)
        # Nothing covers it: the pixel at its centre belongs to it.
        hit = page.evaluate(
            "([id, x, y]) => { const e = document.elementFromPoint(x, y); return !!e && "
            "(e.id === id || document.getElementById(id).contains(e)); }",
            [element_id, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit, f"#{element_id} is covered"
    plot = page.locator("#dist").bounding_box()
    assert plot["width"] >= 420, f"the plot is {plot['width']} px wide"


def test_typing_a_value_gives_exactly_that_value(journey) -> None:
    page, _, _ = journey
    page.fill("#param-d_lr-box", "0.001")
    page.press("#param-d_lr-box", "Enter")
    wait(page, f"{STORE}.get('params').d_lr === 0.001")
    assert "d_lr=0.001&" in page.evaluate("location.hash") + "&"
    assert page.input_value("#param-d_lr-box") == "0.001"
    slider = page.evaluate("[document.querySelector('#param-d_lr').value, document.querySelector('#param-d_lr').max]")
    assert slider == ["9", "21"], "the slider sits on 0.001 of its 1-2-5 ladder"
    page.fill("#param-d_lr-box", "0.1")
    page.press("#param-d_lr-box", "Enter")
    wait(page, f"{STORE}.get('params').d_lr === 0.1")


def greyed(page, key: str) -> bool:
    return page.evaluate(
        f"(() => {{ const r = document.querySelector('.param[data-param={key}]');"
        f" return r.classList.contains('inapplicable') && Number(getComputedStyle(r).opacity) < 0.6"
        f" && document.querySelector('#param-{key}').disabled; }})()"
    )


def test_knobs_that_do_not_apply_are_greyed_with_a_reason(journey) -> None:
    page, _, _ = journey
    assert greyed(page, "g_beta1") and greyed(page, "d_beta2") and greyed(page, "gp_weight")
    assert not greyed(page, "g_momentum")
    assert "adam" in page.get_attribute(".param[data-param=g_beta1]", "title")
    assert "wasserstein_gp" in page.get_attribute(".param[data-param=gp_weight]", "title")
    assert page.evaluate("document.querySelector('#manifold_axis_u').disabled"), "noise_dim 2: no slice to choose"
    page.select_option("#param-g_optimizer", "adam")
    wait(page, f"{STORE}.get('params').g_optimizer === 'adam'")
    assert not greyed(page, "g_beta1") and greyed(page, "g_momentum") and greyed(page, "d_beta1")
    page.select_option("#param-g_optimizer", "sgd")
    wait(page, f"{STORE}.get('params').g_optimizer === 'sgd'")


def test_gan_labs_datasets_bring_their_settings_and_show_fakes_at_once(journey) -> None:
    page, _, _ = journey
    page.select_option("#param-dataset", "ring")
    wait(page, "window.ganlab.frames.latest.header.dataset === 'ring'")
    got = params(page)
    assert (got["d_steps"], got["d_layers"], got["d_width"], got["g_width"]) == (3, 3, 9, 10), "GAN Lab's ring preset"
    assert "Keep my settings" in page.inner_text("#banner")
    for dataset in ("ring", "line", "disjoint"):
        if dataset != "ring":
            page.select_option("#param-dataset", dataset)
        wait(page, f"window.ganlab.frames.latest.header.dataset === '{dataset}'"
                   " && window.ganlab.frames.latest.header.epoch === 0")
        page.wait_for_timeout(150)
        assert page.evaluate(FAKE_PIXELS) > 300, f"fakes are drawn at epoch 0 on {dataset}"
        assert page.is_hidden("#offview-count"), dataset
    page.select_option("#param-dataset", "gaussians")
    wait(page, "window.ganlab.frames.latest.header.dataset === 'gaussians'")
    wait(page, f"{STORE}.get('params').d_steps === 2")


def test_one_step_gives_whole_epochs_on_the_axis(journey) -> None:
    page, _, _ = journey
    page.click("#btn-step_epoch")
    wait(page, f"{STORE}.get('run').epoch === 1")
    page.wait_for_timeout(300)
    for chart in page.evaluate("window.ganlab.charts.describe()"):
        assert chart["xTicks"] and all(float(t).is_integer() for t in chart["xTicks"]), chart


def test_playing_at_the_default_pace_then_legends_and_arrows_read(journey) -> None:
    page, _, _ = journey
    assert page.input_value("#speed") == "100", "a pace you can watch by default"
    page.click("#btn-play")
    wait(page, f"{STORE}.get('run').epoch > 250", 20_000)
    page.mouse.move(5, HEIGHT - 5)  # the pointer is off every chart
    page.wait_for_timeout(300)
    for chart in page.evaluate("window.ganlab.charts.describe()"):
        values = [v.replace(",", "") for v in chart["legend"]]
        assert values and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values), chart
    page.click("#btn-play")
    wait(page, f"{STORE}.get('run').state === 'paused'")
    for layer in ("heatmap", "real", "fake"):
        page.uncheck(f"[data-ui=layer_{layer}]")
    page.wait_for_timeout(200)
    reach, pink, side = page.evaluate(ARROW_REACH)
    assert pink > 50, "arrows are drawn"
    assert reach <= 0.1 * side + 6, f"an arrow reaches {reach:.0f} px from its sample; the cap is {0.1 * side:.0f} px"
    for layer in ("heatmap", "real", "fake"):
        page.check(f"[data-ui=layer_{layer}]")


def test_full_speed_is_one_click_and_the_control_shows_the_pace(journey) -> None:
    page, _, _ = journey
    page.click("#btn-full-speed")
    wait(page, f"{STORE}.get('run').max_epochs_per_s === null && document.querySelector('#speed').value === '0'")
    page.click("#btn-full-speed")
    wait(page, f"{STORE}.get('run').max_epochs_per_s === 100")
    page.select_option("#speed", "slow")
    wait(page, f"{STORE}.get('run').slow_motion === true")
    assert page.input_value("#speed") == "slow"
    assert "0.67 s" in page.get_attribute("#speed", "title"), "k_D + k_G = 3 steps in 2 s"
    page.select_option("#speed", "100")
    wait(page, f"{STORE}.get('run').slow_motion === false && {STORE}.get('run').max_epochs_per_s === 100")


def test_png_is_opaque_and_holds_the_heatmap(journey, tmp_path) -> None:
    page, _, _ = journey
    with page.expect_download(timeout=10_000) as info:
        page.click("#dl-png")
    path = tmp_path / "view.png"
    info.value.save_as(path)
    rgba = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGBA")).reshape(-1, 4).astype(int)
    transparent = float((rgba[:, 3] < 255).mean())
    assert transparent < 0.01, f"{transparent:.1%} of the PNG is transparent"
    background = float((rgba[:, :3] == 250).all(axis=1).mean())
    assert background < 0.1, f"{background:.0%} of the PNG is bare background: the heatmap is missing"
    r, g, b = rgba[:, 0], rgba[:, 1], rgba[:, 2]
    assert ((g > r + 15) & (g > b + 15)).mean() > 0.05, "D's green (real) side of the PRGn scale is there"
    assert len(np.unique(rgba[:, :3], axis=0)) > 200


def test_a_stalled_run_is_explained_with_a_fix(journey) -> None:
    page, _, _ = journey
    page.evaluate("window.ganlab.send({type: 'set', params: {d_lr: 10, g_lr: 10, d_optimizer: 'adam',"
                  " g_optimizer: 'adam', g_output: 'linear'}})")
    wait(page, f"{STORE}.get('params').g_output === 'linear'")
    page.click("#btn-play")
    page.wait_for_selector("#banner:not([hidden]) >> text=Training has stalled", timeout=20_000)
    text = page.inner_text("#banner")
    assert "d_lr = 10" in text and "d_lr = 0.001" in text, text
    assert re.search(r"\d+ of 300 fake samples are outside the view", page.inner_text("#offview-count"))
    assert page.evaluate(EDGE_MARKS) > 20, "the fakes that left are marked at the plot's edge"
    page.click("#btn-health-fix")
    wait(page, f"{STORE}.get('params').d_lr === 0.001 && {STORE}.get('params').g_lr === 0.001")
    page.evaluate("window.ganlab.send({type: 'pause'});"
                  " window.ganlab.send({type: 'set', params: window.ganlab.schema.presets.gan_lab})")
    wait(page, f"{STORE}.get('params').g_output === 'tanh' && {STORE}.get('params').d_optimizer === 'sgd'")
    wait(page, f"{STORE}.get('run').state === 'paused'")


def test_compare_from_3_to_4_values_while_playing_runs_every_tile(journey) -> None:
    page, _, _ = journey
    page.click("#btn-compare")
    wait(page, f"{VARIANTS}.length === 3 && {VARIANTS}.every(v => v.hasFrame)")
    page.click("#compare-play")
    wait(page, f"{VARIANTS}.every(v => v.epoch > 20)")
    page.select_option("#compare-knob", "d_steps")
    page.click("#compare-apply")
    wait(page, f"{VARIANTS}.length === 4 && {VARIANTS}.map(v => v.params && v.params.d_steps).join() === '1,2,3,5'")
    wait(page, f"{VARIANTS}.every(v => v.state === 'playing' && v.epoch > 20)", 20_000)
    grid = page.locator("#compare-grid").bounding_box()
    tiles = [page.locator(f".compare-tile[data-variant='{i}']").bounding_box() for i in range(4)]
    assert sum(t["width"] for t in tiles) > 0.9 * grid["width"], "the tiles use the width"
    page.click("#compare-play")
    wait(page, f"{VARIANTS}.every(v => v.state === 'paused')")
    page.click("#compare-exit")


def test_notebook_snapshots_changes_export_and_reload(journey, tmp_path) -> None:
    page, _, _ = journey
    page.click("#btn-snapshot")
    page.fill("#snapshot-note", "before lowering g_lr")
    page.press("#snapshot-note", "Enter")
    page.fill("#param-g_lr-box", "0.01")
    page.press("#param-g_lr-box", "Enter")
    wait(page, f"{STORE}.get('params').g_lr === 0.01")
    page.click("#btn-step_epoch")
    wait(page, "window.ganlab.notebook.journal.state.changes.some(c => c.key === 'g_lr' && c.to === 0.01)")
    page.click("#btn-snapshot")
    wait(page, "window.ganlab.notebook.journal.state.snapshots.length === 2")
    changes = page.evaluate("window.ganlab.notebook.journal.state.changes")
    assert {"key": "g_lr", "from": 0.03, "to": 0.01} in [{k: c[k] for k in ("key", "from", "to")} for c in changes]
    with page.expect_download(timeout=10_000) as info:
        page.click("#btn-notebook-export")
    html = (tmp_path / "nb.html")
    info.value.save_as(html)
    text = html.read_text()
    assert text.count('src="data:image/png;base64,') == 2, "both snapshots are inside the file"
    assert "before lowering g_lr" in text and "<code>g_lr</code>" in text and "<svg" in text
    assert "<script" not in text
    page.wait_for_timeout(400)  # the notebook is saved shortly after each change
    page.reload()
    wait(page, "window.ganlab && window.ganlab.frames.latest !== null")
    wait(page, "window.ganlab.notebook.journal.state.snapshots.length === 2")
    assert page.locator(".nb-entry").count() == 2
    assert page.evaluate(f"{STORE}.get('params').g_lr") == 0.01, "the session came back with the notebook"
