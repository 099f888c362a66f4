"""A hostile page in real Chromium (issue 9): it can neither upload a model nor open either socket.

ganlab is bound to loopback; the hostile page comes from a second loopback HTTP server on
another port, which is what any web page the user visits amounts to. It tries what a page
can: a `no-cors` POST of a real network file (a "simple" request the browser sends without
asking), a CORS POST, and both websockets. Chromium maps `rebind.example` to 127.0.0.1 to
play the second half of a DNS-rebinding attack: the page's own name now points at ganlab.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import save_micro_network

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

HOSTILE_PAGE = """<!doctype html><meta charset="utf-8"><title>not ganlab</title>
<script>
const target = new URLSearchParams(location.search).get("target");
const upload = target + "/api/stylegan3/models?filename=planted.safetensors";
async function tryFetch(mode, headers) {
  const body = await (await fetch("net.safetensors")).blob();
  try {
    const r = await fetch(upload, {method: "POST", mode, headers, body});
    return mode === "no-cors" ? "sent (opaque)" : "status " + r.status;
  } catch (e) { return "blocked"; }
}
function trySocket(path) {
  return new Promise((done) => {
    const ws = new WebSocket(target.replace("http", "ws") + path);
    ws.onopen = () => { done("open"); ws.close(); };
    ws.onclose = (e) => done("closed " + e.code);
    setTimeout(() => done("timeout"), 8000);
  });
}
window.results = (async () => ({
  noCorsPlain: await tryFetch("no-cors", {"Content-Type": "text/plain"}),
  noCorsNone: await tryFetch("no-cors", {}),
  cors: await tryFetch("cors", {"Content-Type": "application/octet-stream"}),
  gan2d: await trySocket("/ws/gan2d"),
  stylegan3: await trySocket("/ws/stylegan3"),
}))();
</script>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Iterator[LiveServer]:
    models = tmp_path_factory.mktemp("models")
    live = start_server({"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"})
    live.models_dir = models
    yield live
    live.stop()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Iterator[int]:
    """A second loopback web server, on another port, serving the hostile page and a real network file."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "index.html").write_text(HOSTILE_PAGE)
    save_micro_network(root / "net.safetensors")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium on PATH")
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.example 127.0.0.1"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        yield browser
        browser.close()


def poll(page, expression: str, timeout_s: float = 15.0) -> None:
    """Wait until `expression` is true. Not `wait_for_function`: Playwright evaluates its predicate
    with eval, which the app's own Content-Security-Policy blocks (as it should)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def open_app(browser, server: LiveServer, hash_: str = ""):
    """The app under its real CSP, with console errors and page errors collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(f"{server.url}/{hash_}")
    poll(page, "!!(window.ganlab && window.ganlab.frames.latest)")
    return context, page, errors


def _planted(models: Path) -> list[str]:
    return [p.name for p in models.rglob("*") if p.is_file()]


def test_a_page_on_another_origin_can_neither_upload_nor_open_a_socket(chromium, target, hostile) -> None:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{hostile}/index.html?target=http://127.0.0.1:{target.port}")
    results = page.evaluate("window.results")
    context.close()
    assert results["cors"] == "blocked", results  # the preflight gets no CORS answer
    assert results["gan2d"] == "closed 1006" and results["stylegan3"] == "closed 1006", results
    assert _planted(target.models_dir) == [], "a cross-site page put a file in the models folder"
    log = target.log()
    assert log.count("POST /api/stylegan3/models") >= 2 and "403" in log  # the no-cors POSTs arrived, refused


def test_a_rebound_name_gets_nothing_from_the_server(chromium, target, hostile) -> None:
    context = chromium.new_context()
    page = context.new_page()
    # Phase 2 of DNS rebinding: the attacker's name now resolves to 127.0.0.1, ganlab's port.
    response = page.goto(f"http://rebind.example:{target.port}/")
    assert response.status == 400 and "GANLAB_ALLOWED_HOSTS" in page.content()
    page.goto(f"http://rebind.example:{hostile}/index.html?target=http://rebind.example:{target.port}")
    results = page.evaluate("window.results")
    context.close()
    assert results["gan2d"] == "closed 1006" and results["stylegan3"] == "closed 1006", results
    assert _planted(target.models_dir) == []


def test_a_shared_link_with_an_absurd_speed_is_harmless(chromium, target) -> None:
    context, page, errors = open_app(chromium, target, "#max_epochs_per_s=1e-300")
    try:
        poll(page, "document.querySelector('#banner').textContent.includes('max_epochs_per_s')")
        page.click("#btn-play")
        poll(page, "window.ganlab.store.get('run').epoch > 20")
        assert page.evaluate("window.ganlab.store.get('run').state") == "playing"
        assert not [e for e in errors if "max_epochs_per_s" not in e], errors
    finally:
        context.close()


def test_the_content_security_policy_breaks_neither_tab(chromium, target) -> None:
    context, page, errors = open_app(chromium, target)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.click("#btn-play")
        poll(page, "window.ganlab.store.get('run').epoch > 5")
        page.click("#tab-btn-stylegan3")
        poll(page, "!!document.querySelector('canvas[data-role=sg3-image][data-frames]')", timeout_s=60)
        page.wait_for_timeout(500)
        headers = page.evaluate("fetch('/').then(r => r.headers.get('content-security-policy'))")
        assert "frame-ancestors 'none'" in headers
        assert not violations and not errors, (violations, errors)
    finally:
        context.close()
