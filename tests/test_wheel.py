"""ganlab as a user gets it from `pip install`: the wheel holds every file of the package (the UI
included), and installed into a fresh venv outside the checkout it serves the app, trains and
inspects StyleGAN3 from any folder. These are the Docker image's steps, run without Docker: the
build stage's sources and wheel build, then the image's ENV, CMD and HEALTHCHECK on the installed
wheel. The slow tests take the wheel's declared dependencies from the project venv (see `installed`);
`GANLAB_TEST_FULL_INSTALL=1` installs them from the index with the CPU torch pin, as the image does."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import websockets

from tests.test_packaging import dockerfile_env, dockerfile_exec, makefile_torch_pin
from tests.wheel_env import (
    REPO,
    Installed,
    clean_env,
    copy_build_context,
    link_declared_dependencies,
    package_files,
    pip,
    site_packages,
    wheel_names,
)

PORT_LINE = re.compile(rb"Uvicorn running on http://[^:]+:(\d+)")


@dataclass
class Built:
    wheel: Path
    sdist: Path
    log: str


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """`python -m build` (sdist, then the wheel from the sdist) on a copy of the build context."""
    root = tmp_path_factory.mktemp("ganlab-build")
    context = copy_build_context(root / "context")
    out = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(root / "dist"),
                          str(context)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    (wheel,) = (root / "dist").glob("ganlab-*.whl")
    (sdist,) = (root / "dist").glob("ganlab-*.tar.gz")
    return Built(wheel, sdist, out.stdout + out.stderr)


def test_wheel_holds_exactly_the_package_tree(built):
    names = wheel_names(built.wheel)
    dist_info = {n for n in names if n.split("/")[0].endswith(".dist-info")}
    missing, extra = package_files() - (names - dist_info), (names - dist_info) - package_files()
    assert not missing and not extra, f"missing from the wheel: {sorted(missing)}; not in the tree: {sorted(extra)}"
    # The UI at every depth: shared modules, each tab's folder and the vendored library.
    for name in ("ganlab/static/index.html", "ganlab/static/js/gan2d/main.js", "ganlab/static/vendor/README.md"):
        assert name in names


def test_wheel_metadata_is_spdx_mit_with_both_licence_notices(built):
    with zipfile.ZipFile(built.wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
        licenses = {n.split(".dist-info/licenses/", 1)[1] for n in archive.namelist() if "/licenses/" in n}
    assert "\nLicense-Expression: MIT\n" in text
    assert "Classifier: License ::" not in text  # superseded by the expression
    assert "Classifier: Programming Language :: Python :: 3.11" in text
    assert licenses == {"LICENSE", "ganlab/static/vendor/uplot-LICENSE.txt"}


def test_build_prints_no_deprecation_warning(built):
    assert "deprecat" not in built.log.lower(), built.log


def test_sdist_holds_the_package_tree_and_licence(built):
    with tarfile.open(built.sdist) as archive:
        names = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
    assert package_files() | {"pyproject.toml", "README.md", "LICENSE"} <= names


def test_pip_install_dot_builds_the_same_wheel(built, tmp_path):
    """`pip install .` (not editable) builds its wheel in-tree with pip; it must ship the same files."""
    context = copy_build_context(tmp_path / "context")
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--wheel-dir", str(tmp_path / "dist"), str(context)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "deprecat" not in (out.stdout + out.stderr).lower(), out.stdout + out.stderr
    (wheel,) = (tmp_path / "dist").glob("ganlab-*.whl")
    assert wheel_names(wheel) == wheel_names(built.wheel)


# ---- the wheel installed into a fresh venv outside the checkout ----


@pytest.fixture(scope="module")
def installed(built) -> Iterator[Installed]:
    """A new venv outside the checkout with the wheel installed in it by pip. By default its dependencies
    are the project venv's (seconds, no 1 GB copy of torch); GANLAB_TEST_FULL_INSTALL=1 makes pip install
    the CPU torch pin and resolve every dependency from the index instead, as the Docker image does."""
    root = Path(tempfile.mkdtemp(prefix="ganlab-wheel-"))
    try:
        assert not root.is_relative_to(REPO)
        venv, workdir = root / "venv", root / "elsewhere"
        workdir.mkdir()
        env = clean_env(venv)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
        if os.environ.get("GANLAB_TEST_FULL_INSTALL") == "1":
            pip(venv, "install", makefile_torch_pin(), str(built.wheel), cwd=workdir)
        else:
            link_declared_dependencies(venv, built.wheel)
            pip(venv, "install", "--no-deps", str(built.wheel), cwd=workdir)
        pip(venv, "check", cwd=workdir)  # every declared requirement is met, in range
        install_s = time.monotonic() - started
        print(f"\nfresh venv with the wheel: {install_s:.1f} s")  # shown with -s
        yield Installed(venv, workdir, env, install_s)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# torch's version from its metadata, not an import (seconds saved): "+cpu" marks the CPU build.
PROBE = """
import json, sys, importlib.metadata as md
import ganlab
from ganlab.config import DEFAULT_STATIC_DIR
print(json.dumps({"ganlab": ganlab.__file__, "static": str(DEFAULT_STATIC_DIR), "path": sys.path,
                  "finders": [repr(f) for f in sys.meta_path], "torch": md.version("torch"),
                  "dist": str(md.distribution("ganlab").locate_file(""))}))
"""


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_installed_ganlab_is_the_wheels_not_the_checkout(installed):
    out = installed.run(installed.bin("python"), "-c", PROBE)
    assert out.returncode == 0, out.stderr
    probe = json.loads(out.stdout)
    site = site_packages(installed.venv)
    assert Path(probe["ganlab"]) == site / "ganlab" / "__init__.py"
    assert Path(probe["static"]) == site / "ganlab" / "static"
    assert Path(probe["dist"]) == site
    assert not any(str(REPO) in entry for entry in probe["path"]), probe["path"]
    assert not any("editable" in finder.lower() for finder in probe["finders"]), probe["finders"]
    assert probe["torch"] == makefile_torch_pin().split("==")[1] + "+cpu"


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    log: Path

    def get(self, path: str) -> tuple[bytes, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=120) as response:
            assert response.status == 200, path
            return response.read(), response.headers.get("content-type", "")


def serve_like_the_image(installed: Installed, timeout_s: float = 120) -> Served:
    """The image's CMD with the image's ENV, on loopback, a free port and a scratch models folder."""
    (installed.workdir / "models").mkdir(exist_ok=True)
    env = {**installed.env, **dockerfile_env(), "GANLAB_HOST": "127.0.0.1", "GANLAB_PORT": "0",
           "GANLAB_MODELS_DIR": str(installed.workdir / "models")}
    log = installed.workdir / "serve.log"
    command, *args = dockerfile_exec(-1, "CMD")
    with log.open("wb") as sink:
        process = subprocess.Popen([installed.bin(command), *args], cwd=installed.workdir, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if match := PORT_LINE.search(log.read_bytes()):
            return Served(int(match.group(1)), process, log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"ganlab serve did not start:\n{log.read_text(errors='replace')}")


async def first_frames(port: int) -> tuple[dict, dict]:
    """hello, then the first binary frame's header, then the header after one `step`."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/gan2d", open_timeout=30) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        first = await next_frame(ws)
        await ws.send(json.dumps({"type": "step"}))
        while (header := await next_frame(ws))["epoch"] < 1:
            pass
        return hello, {"first": first, "stepped": header}


async def next_frame(ws) -> dict:
    while not isinstance(raw := await asyncio.wait_for(ws.recv(), 30), bytes):
        pass
    (length,) = struct.unpack_from("<I", raw)
    header = json.loads(raw[4:4 + length])
    start = 4 + length + (-length) % 4
    assert all((len(raw) - start) >= a["offset"] + 4 * _count(a["shape"]) for a in header["arrays"])
    return header


def _count(shape: list[int]) -> int:
    total = 1
    for side in shape:
        total *= side
    return total


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_installed_wheel_serves_trains_and_inspects_from_another_folder(installed):
    # The two CLI runs go alongside the server: each pays torch's import, so this saves wall time.
    train = installed.start("ganlab", "train", "--epochs", "200", "--json", "--out", "runs/smoke")
    info = installed.start("ganlab", "stylegan3", "info", "demo")
    served = serve_like_the_image(installed)
    try:
        page, kind = served.get("/")
        assert kind.startswith("text/html") and page == (REPO / "ganlab/static/index.html").read_bytes()
        module = re.search(rb'<script type="module" src="([^"]+)"', page).group(1).decode()
        for path in (module, "vendor/uplot-1.6.32.esm.js"):
            body, kind = served.get("/" + path)
            assert "javascript" in kind and body == (REPO / "ganlab/static" / path).read_bytes(), path
        for path in ("/healthz", "/api/gan2d/schema", "/api/stylegan3/models"):
            served.get(path)
        hello, frames = asyncio.run(first_frames(served.port))
        assert hello["type"] == "hello" and hello["session_id"] and hello["state"] == "paused"
        assert {a["name"] for a in frames["first"]["arrays"]} >= {"real", "fake", "d_grid", "gradients"}
        assert frames["stepped"]["epoch"] == 1 and frames["stepped"]["losses"]["d_loss"] is not None
        assert healthcheck(installed, served.port).returncode == 0
    finally:
        served.process.terminate()
        served.process.wait(timeout=30)
    assert healthcheck(installed, served.port).returncode != 0  # it does notice a dead server
    stdout, stderr = train.communicate(timeout=300)
    assert train.returncode == 0, stderr
    result = json.loads(stdout)
    assert result["epochs"] == 200 and result["diverged"] is None
    assert {p.name for p in (installed.workdir / "runs/smoke").iterdir()} >= {"state.safetensors", "plot.png"}
    stdout, stderr = info.communicate(timeout=300)
    assert info.returncode == 0, stderr
    assert "StyleGAN3-T" in stdout and "L14_256_3" in stdout


def healthcheck(installed: Installed, port: int) -> subprocess.CompletedProcess:
    """The image's HEALTHCHECK command, with the venv's python, against `port`."""
    command, *args = dockerfile_exec(-1, "HEALTHCHECK")
    return installed.run(installed.bin(command), *args, timeout=60, GANLAB_PORT=str(port))
