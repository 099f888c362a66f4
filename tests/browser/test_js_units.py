"""Runs the UI's JavaScript unit tests (tests/browser/js/*.test.mjs) with `node --test`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).resolve().parent / "js"


@pytest.mark.timeout(60)
def test_js_units() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    result = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=50)
    assert result.returncode == 0, result.stdout + result.stderr
