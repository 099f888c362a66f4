"""`ganlab stylegan3 download` and `--network NAME|URL` through real subprocesses and a loopback server.

The progress bar is checked on a real pseudo-terminal; a full disk is a real write failure
(the child's file-size limit), not a patched function.
"""

from __future__ import annotations

import fcntl
import os
import pty
import resource
import select
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.stylegan3.hubfiles import micro_pickle, micro_safetensors
from tests.stylegan3.hubserver import HubServer

pytestmark = pytest.mark.timeout(120)
REPO = Path(__file__).resolve().parents[2]
NAME = "stylegan3-t-ffhqu-256x256"
PATH = f"stylegan3/versions/1/files/{NAME}.pkl"


@pytest.fixture(scope="module")
def hub():
    with HubServer() as server:
        yield server


def cli_env(hub: HubServer, models: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GANLAB_DEVICE": "cpu",
        "GANLAB_HUB_BASE_URL": hub.url,
        "GANLAB_HUB_RETRY_DELAY_S": "0.01",
        "GANLAB_MODELS_DIR": str(models),
        "OMP_NUM_THREADS": "1",  # the machine is shared; the networks here are tiny
    }


def run_cli(hub: HubServer, models: Path, *args, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ganlab", "stylegan3", *map(str, args)],
        cwd=REPO,
        env=cli_env(hub, models),
        capture_output=True,
        text=True,
        timeout=100,
        preexec_fn=preexec_fn,
    )


def run_on_terminal(hub: HubServer, models: Path, *args) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as in a shell; (exit code, output)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 100 columns, like a shell
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganlab", "stylegan3", *map(str, args)],
        cwd=REPO, env=cli_env(hub, models), stdout=child, stderr=child,
    )
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=30), b"".join(chunks).decode(errors="replace")


def test_download_shows_a_progress_bar_on_a_terminal(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    hub.add(PATH, data, bps=400_000)  # about 1.5 s: the bar redraws several times
    code, out = run_on_terminal(hub, tmp_path, "download", NAME)
    assert code == 0, out
    assert "StyleGAN3-T FFHQ-U 256" in out and "100%" in out and "\r" in out  # a bar, redrawn in place
    assert "606.6k/606.6k" in out or "607k/607k" in out, out
    assert f"downloaded {tmp_path / NAME}.pkl" in out and "nothing in the file is ever run" in out
    assert "non-commercial" in out
    assert (tmp_path / f"{NAME}.pkl").read_bytes() == data and (tmp_path / f"{NAME}.pkl.sha256").is_file()
    again = run_cli(hub, tmp_path, "download", NAME)
    assert again.returncode == 0 and "already there" in again.stdout


def test_network_url_downloads_on_first_use_and_reuses_the_copy(hub: HubServer, tmp_path: Path) -> None:
    hub.add("community/mine.safetensors", micro_safetensors(), bps=600_000)
    url = hub.url + "community/mine.safetensors"
    first = run_cli(hub, tmp_path, "info", "--network", url)
    assert first.returncode == 0, first.stderr
    assert "resolution      32x32x3" in first.stdout and "downloaded" in first.stderr
    lines = [line for line in first.stderr.splitlines() if line.startswith("mine.safetensors: ")]
    assert len(lines) >= 2 and "(100%)" in lines[-1] and "\r" not in first.stderr  # a log gets plain lines
    out = run_cli(hub, tmp_path, "generate", "--network", url, "--seeds", "0-1", "--threads", "1", "--outdir",
                  tmp_path / "out")
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["seed0000.png", "seed0001.png"]
    assert len(hub.hits("community/mine.safetensors")) == 1  # generate used the copy info downloaded


def test_a_missing_file_fails_with_a_clear_message(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, b"", status=404)
    out = run_cli(hub, tmp_path, "download", NAME)
    assert out.returncode == 1 and "was not found (HTTP 404)" in out.stderr and "Traceback" not in out.stderr
    assert not any(tmp_path.iterdir()) or not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]


def _small_file_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_full_disk_stops_the_download_and_keeps_nothing(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, micro_pickle())
    out = run_cli(hub, tmp_path, "download", NAME, preexec_fn=_small_file_limit)
    assert out.returncode == 1 and "Not enough disk space" in out.stderr, out.stderr
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".lock"] == []


def test_cli_fixes_demo_conversion_seed_lists_and_threads(hub: HubServer, tmp_path: Path) -> None:
    out = run_cli(hub, tmp_path, "convert", "demo", tmp_path / "demo.safetensors")
    assert out.returncode == 0, out.stderr
    assert "256x256" in out.stdout and (tmp_path / "demo.safetensors").stat().st_size > 1e6
    bad = run_cli(hub, tmp_path, "generate", "--network", "demo", "--seeds", "3-x", "--outdir", tmp_path)
    assert bad.returncode == 2 and "'3-x' is not a seed list: write seeds and ranges" in bad.stderr
    assert "parse_seeds" not in bad.stderr
    bad = run_cli(hub, tmp_path, "generate", "--network", "demo", "--seeds", "1", "--threads", "0", "--outdir", ".")
    assert bad.returncode == 2 and "from 1 to 256" in bad.stderr
