"""The StyleGAN3 model registry without a server: ids, listing, lazy loading and the memory budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganlab.server.stylegan3.models import ModelRegistry, StyleGAN3Config
from ganlab.server.stylegan3.params import FieldError
from tests.server.stylegan3.test_sg3_api import save_micro_network


@pytest.fixture
def models(tmp_path: Path) -> Path:
    save_micro_network(tmp_path / "a.safetensors")
    save_micro_network(tmp_path / "b.safetensors")
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / ".hidden.pkl").write_bytes(b"x")
    return tmp_path


def registry(models: Path, **config) -> ModelRegistry:
    import torch

    return ModelRegistry(models, torch.device("cpu"), StyleGAN3Config(demo="tiny", **config))


def test_lists_demo_first_and_only_network_files(models: Path) -> None:
    ids = [m["id"] for m in registry(models).list_models()]
    assert ids == ["demo", "a.safetensors", "b.safetensors"]


@pytest.mark.parametrize(
    "bad", ["../a.safetensors", "/etc/passwd", "x/../../a.pkl", "C:\\x.pkl", "notes.txt", "..."]
)
def test_ids_never_leave_the_folder(models: Path, bad: str) -> None:
    with pytest.raises(FieldError) as error:
        registry(models).resolve(bad)
    assert error.value.field == "model" and error.value.status in (400, 404)


def test_loads_once_and_evicts_beyond_the_budget(models: Path) -> None:
    reg = registry(models, cache_mb=1)
    first = reg.get("a.safetensors")
    assert reg.get("a.safetensors") is first  # cached, not loaded twice
    reg.cache_bytes = first.nbytes + first.nbytes // 2  # room for one micro model, not two
    reg.get("b.safetensors")
    listed = {m["id"]: m for m in reg.list_models()}
    assert listed["b.safetensors"]["loaded"] and not listed["a.safetensors"]["loaded"]
    assert listed["a.safetensors"]["conditional"] is True  # what was learned by loading is kept
    assert reg.get("demo").info["resolution"] == 64
