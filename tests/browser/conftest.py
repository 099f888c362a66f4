"""Real Chromium (Debian's, via playwright.sync_api) against the shared live server.

Every page collects console errors and page errors; a test fails if any appear.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope: sync Playwright keeps an event loop running in this thread while it is
    # open, which would break the asyncio tests that run after the browser tests.
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):  # CI installs Chromium (make test): a missing browser is a failure there
            pytest.fail("no chromium on PATH in CI; `make test` should have installed it")
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield _BypassCSP(browser)
        browser.close()


class _BypassCSP:
    """The browser, whose contexts bypass the app's Content-Security-Policy by default: Playwright
    evaluates `wait_for_function` predicates with eval, which a strict CSP (rightly) blocks.
    tests/browser/test_security.py checks the app itself under the real policy."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


class PageErrors(list):
    """Console errors and uncaught exceptions seen by one page."""


def open_page(browser, server, hash_: str = "", width: int = 1280, height: int = 800):
    """A fresh context (own sessionStorage, so its own session) on the app; waits for a frame."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = PageErrors()
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(f"{server.url}/{hash_}")
    page.wait_for_function("window.ganlab && window.ganlab.frames.latest !== null", timeout=15_000)
    return context, page, errors


@pytest.fixture
def app_page(browser, server):
    """(page, errors) on a fresh session at 1280x800; fails the test on any console error."""
    context, page, errors = open_page(browser, server)
    yield page, errors
    context.close()
    assert not errors, errors


@pytest.fixture(autouse=True)
def no_console_errors(request):
    """A test on a shared `page` that records `problems` (the StyleGAN tab's pages) fails on the
    first console error or uncaught exception it caused, not only when the module ends."""
    yield
    if "page" in request.fixturenames:
        problems = getattr(request.getfixturevalue("page"), "problems", None)
        assert not problems, problems
