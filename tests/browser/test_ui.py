"""Browser tests: the GAN Lab tab in real Chromium, clicking, moving sliders, reading pixels."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

HEATMAP_PIXELS = """() => {
  const c = document.querySelector('#dist canvas.heatmap');
  return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}"""
OVERLAY_GREEN = """() => {
  const c = document.querySelector('#dist canvas.overlay');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let cx = 0, cy = 0, n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 100 && d[i + 1] > 100 && d[i] < 60 && d[i + 2] < 100) {  // real-sample green
      const p = i / 4; cx += p % c.width; cy += Math.floor(p / c.width); n++;
    }
  }
  return n ? [cx / n / c.width, cy / n / c.height, n] : [0, 0, 0];
}"""


def epoch(page) -> int:
    return int(page.inner_text("#epoch-counter").replace(",", ""))


def echoed(page, key: str):
    return page.evaluate(f"window.ganlab.store.get('params')[{key!r}]")


def test_page_loads_with_every_control(app_page) -> None:
    page, _ = app_page
    schema_keys = page.evaluate("Object.keys(window.ganlab.schema.properties)")
    rendered = page.eval_on_selector_all(
        "[data-param]:not(input):not(select)", "els => els.map(e => e.dataset.param)"
    )
    assert sorted(rendered) == sorted(schema_keys), "every TrainParams key gets exactly one control"
    for node in (
        "noise",
        "generator",
        "fake",
        "real",
        "discriminator",
        "pred_real",
        "pred_fake",
        "gradients",
    ):
        assert page.is_visible(f"#node-{node}")
    assert page.is_visible("#chart-losses") and page.is_visible("#chart-divergence")
    assert page.inner_text("#epoch-counter") == "000,000"


def test_selects_show_readable_names_and_send_slugs(app_page) -> None:
    page, _ = app_page
    options = page.eval_on_selector_all("#param-noise_type option", "os => os.map(o => [o.value, o.textContent])")
    assert dict(options) == {"uniform": "Uniform U(0, 1)", "gaussian": "Gaussian (GAN Lab)",
                             "normal": "Normal N(0, 1)", "uniform_centered": "Uniform U(−1, 1)"}
    assert page.eval_on_selector("#param-init option[value=he]", "o => o.textContent") == "He (Kaiming)"
    page.select_option("#param-noise_type", "uniform_centered")
    page.wait_for_function("window.ganlab.store.get().params.noise_type === 'uniform_centered'", timeout=20_000)
    page.select_option("#param-noise_type", "gaussian")
    page.wait_for_function("window.ganlab.store.get().params.noise_type === 'gaussian'", timeout=20_000)


def test_heatmap_changes_while_training(app_page) -> None:
    page, _ = app_page
    before = page.evaluate(HEATMAP_PIXELS)
    page.click("#btn-play")
    page.wait_for_function("window.ganlab.store.get('run').epoch > 300", timeout=15_000)
    page.wait_for_timeout(300)
    after = page.evaluate(HEATMAP_PIXELS)
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    assert changed > len(before) // 20, f"only {changed} heatmap channels changed"
    assert "epochs/s" in page.inner_text("#epoch-rate")
    page.click("#btn-play")  # pause


def test_d_lr_slider_moves_in_1_2_5_steps(app_page) -> None:
    page, _ = app_page
    assert echoed(page, "d_lr") == 0.1
    page.focus("#param-d_lr")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.ganlab.store.get('params').d_lr === 0.5", timeout=10_000)
    assert page.input_value("#param-d_lr-box") == "0.5", "the box beside the slider shows the exact value"
    assert "d_lr=0.5" in page.evaluate("location.hash")
    assert echoed(page, "g_lr") == 0.03, "only the moved key changes"


def test_pause_step_and_reset(app_page) -> None:
    page, _ = app_page
    page.click("#btn-play")
    page.wait_for_function("window.ganlab.store.get('run').epoch > 50", timeout=15_000)
    page.click("#btn-play")
    page.wait_for_function("window.ganlab.store.get('run').state === 'paused'", timeout=5_000)
    page.wait_for_timeout(300)
    paused_at = epoch(page)
    page.wait_for_timeout(500)
    assert epoch(page) == paused_at, "the counter moved while paused"
    page.click("#btn-step_epoch")
    page.wait_for_function(f"window.ganlab.store.get('run').epoch === {paused_at + 1}", timeout=5_000)
    page.click("#btn-step_d")
    page.wait_for_function("window.ganlab.store.get('run').phase === 'd'", timeout=5_000)
    assert page.get_attribute("#node-discriminator", "class").count("active-d") == 1
    page.click("#btn-reset")
    page.wait_for_function("window.ganlab.store.get('run').epoch === 0", timeout=5_000)
    assert page.inner_text("#epoch-counter") == "000,000"


def test_drawing_changes_real_samples(app_page, browser, server) -> None:
    page, _ = app_page
    page.uncheck("[data-ui=layer_fake]")
    page.uncheck("[data-ui=layer_gradients]")
    page.uncheck("[data-ui=layer_heatmap]")
    page.wait_for_timeout(200)
    before = page.evaluate(OVERLAY_GREEN)
    page.click("#btn-draw")
    box = page.locator("#dist canvas.overlay").bounding_box()
    page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for k in range(1, 21):  # a short stroke in the top-right corner
        page.mouse.move(
            box["x"] + (0.75 + k * 0.01) * box["width"], box["y"] + (0.15 + k * 0.005) * box["height"]
        )
    page.mouse.up()
    page.click("#btn-draw-apply")
    page.wait_for_function("window.ganlab.store.get('params').dataset === 'drawn'", timeout=10_000)
    page.wait_for_function("window.ganlab.frames.latest.header.dataset === 'drawn'", timeout=10_000)
    page.wait_for_timeout(300)
    cx, cy, n = page.evaluate(OVERLAY_GREEN)
    assert n > 50 and cx > 0.7 and cy < 0.3, (before, (cx, cy, n))
    link = page.evaluate("location.hash")
    assert "dataset=drawn" in link and "points=" in link, "a drawing travels in the shared link"
    context, shared, errors = open_page(browser, server, link)
    try:
        shared.wait_for_function("window.ganlab.frames.latest.header.dataset === 'drawn'", timeout=10_000)
        real = shared.evaluate("Array.from(window.ganlab.frames.latest.arrays.real)")
        xs, ys = real[0::2], real[1::2]
        assert sum(xs) / len(xs) > 0.7 and sum(ys) / len(ys) > 0.7, "the shared drawing is the real data"
    finally:
        context.close()
    assert not errors, errors


def test_hash_link_restores_setup(browser, server) -> None:
    link = "#dataset=ring&d_lr=0.3&seed=7&g_width=12&layer_manifold=true&slow_motion=false&d_steps_hide=1"
    context, page, errors = open_page(browser, server, link)
    try:
        page.wait_for_function(
            "(() => { const p = window.ganlab.store.get('params');"
            " return p.dataset === 'ring' && p.d_lr === 0.3 && p.seed === 7 && p.g_width === 12; })()",
            timeout=10_000,
        )
        page.wait_for_function("window.ganlab.frames.latest.header.dataset === 'ring'", timeout=10_000)
        assert page.is_checked("[data-ui=layer_manifold]")
        assert not page.is_visible("[data-param=d_steps]"), "d_steps_hide=1 hides the control"
        assert page.is_visible("[data-param=g_steps]")
        assert page.input_value("#param-dataset") == "ring"
        assert "d_steps_hide=1" in page.evaluate("location.hash")
    finally:
        context.close()
    assert not errors, errors


def test_narrow_window_is_usable(browser, server) -> None:
    context, page, errors = open_page(browser, server, width=420, height=800)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 2, f"page scrolls sideways by {overflow}px"
        assert page.locator("#dist").bounding_box()["width"] > 300
        page.click("#btn-step_epoch")
        page.wait_for_function("window.ganlab.store.get('run').epoch === 1", timeout=5_000)
    finally:
        context.close()
    assert not errors, errors


def test_transport_bar_is_one_row_at_1024(browser, server) -> None:
    """A second row of buttons pushes the plot and the knobs down on small laptops."""
    context, page, errors = open_page(browser, server, width=1024, height=700)
    try:
        tops = page.eval_on_selector_all(
            "#transport button, #transport select",
            "els => els.map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => Math.round(r.top))",
        )
        assert len(tops) >= 8 and max(tops) - min(tops) <= 6, tops
        assert page.locator("#dist").bounding_box()["y"] < 160
    finally:
        context.close()
    assert not errors, errors


def test_stylegan3_tab_imports_its_module(browser, server) -> None:
    context, page, errors = open_page(browser, server)
    stub = "export function mountStyleGAN3Tab(root) { root.textContent = 'stub tab mounted'; }"
    page.route(
        "**/js/stylegan3/tab.js", lambda route: route.fulfill(body=stub, content_type="text/javascript")
    )
    try:
        assert page.is_visible("#teacher-label") and page.is_visible("#connection")
        page.click("#tab-btn-stylegan3")
        page.wait_for_selector("text=stub tab mounted", timeout=5_000)
        assert not page.is_visible("#tab-ganlab")
        # The GAN Lab tab's header tools mean nothing here: "choose controls to hide" and its connection badge.
        assert page.is_hidden("#teacher-label") and page.is_hidden("#connection")
        page.click("#tab-btn-ganlab")
        assert page.is_visible("#dist")
        assert page.is_visible("#teacher-label") and page.is_visible("#connection")
    finally:
        context.close()
    assert not errors, errors


def test_downloads(app_page, tmp_path) -> None:
    page, _ = app_page
    page.click("#btn-step_epoch")
    page.wait_for_function("window.ganlab.store.get('run').epoch === 1", timeout=5_000)
    saved = {}
    for button, name in [
        ("#dl-png", "ganlab_view.png"),
        ("#dl-samples", "ganlab_samples.csv"),
        ("#dl-model", "ganlab_model.zip"),
        ("#dl-history", "ganlab_history.csv"),
    ]:
        with page.expect_download(timeout=10_000) as info:
            page.click(button)
        assert info.value.suggested_filename == name
        saved[name] = tmp_path / name
        info.value.save_as(saved[name])
    assert saved["ganlab_view.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = saved["ganlab_samples.csv"].read_text().splitlines()
    assert lines[0] == "kind,x,y,d" and len(lines) == 1 + 450 + 300
    assert saved["ganlab_model.zip"].read_bytes()[:2] == b"PK"
    assert saved["ganlab_history.csv"].read_text().startswith("epoch,step,d_loss,g_loss,kl,js")
    # Round trip: the samples CSV uploads back as data, and only its real rows are used.
    real = [tuple(map(float, line.split(",")[1:3])) for line in lines[1:] if line.startswith("real,")]
    page.set_input_files("#csv-file", str(saved["ganlab_samples.csv"]))
    page.wait_for_function("window.ganlab.frames.latest.header.dataset === 'csv'", timeout=10_000)
    shown = page.evaluate("Array.from(window.ganlab.frames.latest.arrays.real)")
    pairs = {(round(x, 4), round(y, 4)) for x, y in zip(shown[0::2], shown[1::2], strict=True)}
    assert pairs <= {(round(x, 4), round(y, 4)) for x, y in real}, "every real sample shown is a real row of the file"


def test_diverged_banner_offers_reset(app_page) -> None:
    page, _ = app_page
    patch = '{"loss": "wasserstein_gp", "gp_weight": 0, "d_lr": 10, "g_lr": 10, "g_output": "linear"}'
    page.evaluate(f"window.ganlab.send({{type: 'set', params: {patch}}})")
    page.wait_for_function("window.ganlab.store.get('params').loss === 'wasserstein_gp'", timeout=5_000)
    plot_before = page.locator("#dist").bounding_box()
    page.click("#btn-play")
    page.wait_for_selector("#banner:not([hidden]) >> text=diverged", timeout=10_000)
    page.wait_for_timeout(200)  # frames still in flight must not re-enable Play
    assert page.is_disabled("#btn-play")
    assert page.locator("#dist").bounding_box() == plot_before  # the message floats; nothing moves
    assert page.locator("#btn-banner_reset").bounding_box()["y"] < 200  # and it is seen at once
    page.click("#btn-banner_reset")
    page.wait_for_function("window.ganlab.store.get('run').state === 'paused'", timeout=5_000)
    assert page.is_hidden("#banner") and page.is_enabled("#btn-play")


def test_csv_upload_becomes_real_data(app_page, tmp_path) -> None:
    page, _ = app_page
    rows = "\n".join(f"{10 + 0.01 * i},{-5 + 0.02 * (i % 7)}" for i in range(200))
    (tmp_path / "points.csv").write_text("x,y\n" + rows + "\n")
    page.set_input_files("#csv-file", str(tmp_path / "points.csv"))
    page.wait_for_function("window.ganlab.frames.latest.header.dataset === 'csv'", timeout=10_000)
    view_box = page.evaluate("window.ganlab.frames.latest.header.view_box")
    assert view_box[0] < 10 < 12 < view_box[1] and view_box[2] < -5 < view_box[3]
    (tmp_path / "bad.csv").write_text("x,y\n1,2\nthree,4\n")
    page.set_input_files("#csv-file", str(tmp_path / "bad.csv"))
    page.wait_for_selector("#banner:not([hidden]) >> text=line 3", timeout=5_000)


def test_teacher_hides_controls_and_graph_toggles_layers(app_page) -> None:
    page, _ = app_page
    page.check("#teacher-mode")
    page.click("[data-param=d_lr] > .hide-toggle")
    page.click("[data-control=step] > .hide-toggle")
    assert "d_lr_hide=1" in page.evaluate("location.hash") and "step_hide=1" in page.evaluate("location.hash")
    assert page.is_visible("[data-param=d_lr]"), "teacher mode still shows hidden controls, faded"
    page.uncheck("#teacher-mode")
    assert not page.is_visible("[data-param=d_lr]") and not page.is_visible("#btn-step_epoch")
    page.click("#node-real")
    assert not page.is_checked("[data-ui=layer_real]")
    assert "layer_real=false" in page.evaluate("location.hash")
    assert "layer-off" in page.get_attribute("#node-real", "class")


def test_manifold_slice_axes_from_link(browser, server) -> None:
    context, page, errors = open_page(browser, server, "#noise_dim=4&manifold_axis_u=1&manifold_axis_v=3")
    try:
        axes = "window.ganlab.frames.latest.header.manifold_axes.join()"
        page.wait_for_function(f"{axes} === '1,3'", timeout=10_000)
        assert page.is_visible("[data-control=manifold_axes]")
        page.fill("#manifold_axis_v", "2")
        page.dispatch_event("#manifold_axis_v", "change")
        page.wait_for_function(f"{axes} === '1,2'", timeout=10_000)
        assert "manifold_axis_v=2" in page.evaluate("location.hash")
    finally:
        context.close()
    assert not errors, errors


GENERATOR_THUMB = """() => {
  const c = document.querySelector('#node-generator canvas');
  return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}"""


def test_generator_hover_morphs_from_noise_grid(app_page) -> None:
    page, _ = app_page
    # Some training, so the manifold differs from the flat grid.
    page.evaluate("for (let i = 0; i < 30; i++) window.ganlab.send({type: 'step', what: 'epoch'})")
    page.wait_for_function("window.ganlab.store.get('run').epoch === 30", timeout=10_000)
    page.wait_for_timeout(300)
    settled = page.evaluate(GENERATOR_THUMB)
    page.hover("#node-generator")
    page.wait_for_timeout(250)
    early = page.evaluate(GENERATOR_THUMB)
    page.wait_for_timeout(2300)
    late = page.evaluate(GENERATOR_THUMB)
    assert sum(a != b for a, b in zip(early, settled, strict=True)) > 100, "the morph starts from the grid"
    assert sum(a != b for a, b in zip(late, settled, strict=True)) < 50, "and ends on the manifold"


def test_a_link_lists_every_value_it_could_not_use(browser, server) -> None:
    context, page, errors = open_page(browser, server, "#d_lr=abc&dataset=nope&g_lr=50&bogus=1&d_steps=3")
    try:
        page.wait_for_function("window.ganlab.store.get('params').d_steps === 3", timeout=10_000)
        text = page.inner_text("#banner")
        for bit in ("d_lr=abc (not a number)", "dataset=nope (not one of", "g_lr=50 (above the maximum 10)", "bogus=1"):
            assert bit in text, text
        params = page.evaluate("window.ganlab.store.get('params')")
        assert (params["d_lr"], params["dataset"], params["g_lr"]) == (0.1, "gaussians", 0.03), "defaults stay"
    finally:
        context.close()
    assert not errors, errors
