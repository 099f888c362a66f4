"""Helpers for tests/test_wheel.py: the files a build sees, a copy of the Docker build context, and a
fresh venv outside the checkout with the wheel installed by pip and only its declared dependencies."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_packaging import build_context_sources

REPO = Path(__file__).resolve().parent.parent
# Variables that would let the checkout (or the project's venv) leak into the installed ganlab.
LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")


def source_files() -> set[str]:
    """Every file of the checkout a build can see (tracked or new, not ignored), repo-relative."""
    if (REPO / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                                capture_output=True, text=True, check=True, timeout=60).stdout
        return {name for name in listed.split("\0") if name and (REPO / name).is_file()}
    return {p.relative_to(REPO).as_posix() for p in REPO.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".venv" not in p.parts}


def package_files() -> set[str]:
    return {name for name in source_files() if name.startswith("ganlab/")}


def copy_build_context(dest: Path) -> Path:
    """A copy of what the Dockerfile's build stage COPYs, so builds never write into the checkout."""
    files = source_files()
    for source in build_context_sources():
        for name in sorted(n for n in files if n == source or n.startswith(source + "/")):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if not name.endswith("/")}


@dataclass
class Installed:
    venv: Path
    workdir: Path  # where a user would run ganlab: neither the checkout nor the venv
    env: dict[str, str]
    install_s: float

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *argv: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), cwd=self.workdir, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, command: str, *args: str) -> subprocess.Popen:
        """One of the venv's commands, in the background, from the user's folder."""
        return subprocess.Popen([self.bin(command), *args], cwd=self.workdir, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def pip(venv: Path, *args: str, cwd: Path) -> str:
    """The project's pip acting on `venv` (`pip --python`), so the venv itself needs no pip."""
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                          "--disable-pip-version-check", *args], cwd=cwd, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "deprecat" not in (out.stdout + out.stderr).lower(), out.stdout + out.stderr
    return out.stdout


def active(requirements: list[str], extras: frozenset[str]) -> list[Requirement]:
    """The requirements that apply on this interpreter when `extras` are asked for."""
    parsed = [Requirement(line) for line in requirements]
    return [r for r in parsed if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in {"", *extras})]


def declared_closure(wheel: Path) -> dict[str, metadata.Distribution]:
    """The project venv's distributions that the wheel's own requirements (no extras) pull in, transitively."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = email.message_from_bytes(archive.read(name)).get_all("Requires-Dist") or []
    todo, seen, found = active(requires, frozenset()), set(), {}
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key not in seen:
            seen.add(key)
            dist = found.setdefault(key[0], metadata.distribution(req.name))
            todo.extend(active(dist.requires or [], key[1]))
    return found


def link_declared_dependencies(venv: Path, wheel: Path) -> int:
    """Make the wheel's declared dependencies, and nothing else, importable in `venv`: each one's files are
    symlinked from the project venv into one folder that a .pth names. A .pth path entry is not a site dir,
    so no .pth inside it runs: the checkout's editable finder cannot load, and undeclared imports fail."""
    shim = venv / "dependencies"
    shim.mkdir()
    for dist in declared_closure(wheel).values():
        assert dist.files is not None, f"{dist.metadata['Name']} has no RECORD"
        for top in {f.parts[0] for f in dist.files} - {"..", "__pycache__"}:
            if not (shim / top).exists():
                (shim / top).symlink_to(dist.locate_file(top))
    (site_packages(venv) / "ganlab-test-dependencies.pth").write_text(f"{shim}\n")
    return len(list(shim.iterdir()))


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def clean_env(venv: Path) -> dict[str, str]:
    """This process's environment without what points into the checkout, with the venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return env
