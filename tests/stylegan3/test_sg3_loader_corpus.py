"""Hostile network files (tests/stylegan3/loader_corpus.py) are refused quickly, within a memory
bound, with one documented error type, and without running anything; the bounds accept every
official configuration."""

from __future__ import annotations

import inspect

import pytest
from loader_corpus import run_corpus, table, write_corpus

from ganlab.stylegan3.bounds import GENERATOR_RULES, check_generator_kwargs
from ganlab.stylegan3.errors import NetworkBoundsError

LIMIT_S = 10.0  # the goal is 2 s; generous for a loaded 2-core machine (docs/stylegan3.md has the figures)
MAX_RSS_MB = 200


def test_every_hostile_file_is_refused_fast_small_and_without_running_code(tmp_path, capsys):
    marker = tmp_path / "pwned"
    paths = write_corpus(tmp_path / "corpus", marker)
    results = run_corpus(paths, cap_mb=1024, limit_s=LIMIT_S)
    with capsys.disabled():
        print("\n" + table(results))
    by_name = {r["file"]: r for r in results}
    assert by_name.keys() == {p.name for p in paths}
    control = by_name.pop("control.pkl")  # the caps themselves do not refuse a real network
    assert control["outcome"] == "loaded", control
    for name, r in by_name.items():
        assert r["outcome"] == "refused", r
        assert "ganlab.stylegan3.errors.NetworkLoadError" in r["error_mro"], r  # one documented type
        assert r["message"].startswith(f"{name}: "), r  # names the file
        assert r["seconds"] < LIMIT_S and r["rss_mb"] < MAX_RSS_MB, r
    assert not marker.exists(), "a hostile file ran code"


def _official(**changes) -> dict:
    """Constructor kwargs as NVIDIA's train.py records them (T config; R adds two keys)."""
    kwargs = dict(z_dim=512, w_dim=512, mapping_kwargs={"num_layers": 2}, channel_base=32768, channel_max=512,
                  magnitude_ema_beta=0.999, c_dim=0, img_resolution=1024, img_channels=3)  # fmt: skip
    return {**kwargs, **changes}


@pytest.mark.parametrize(
    "kwargs",
    [
        _official(),
        _official(img_resolution=256, c_dim=1000),
        _official(conv_kernel=1, use_radial_filters=True, channel_base=65536, channel_max=1024),
        _official(conv_clamp=None, num_fp16_res=4, img_channels=1),
    ],
)
def test_official_configurations_are_within_bounds(kwargs):
    assert check_generator_kwargs("stylegan3", kwargs) is kwargs


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"img_resolution": 300}, "img_resolution=300 .* a power of two from 4 to 2,048"),
        ({"img_resolution": True}, "img_resolution=True"),
        ({"img_channels": 10**9}, "img_channels"),
        ({"z_dim": 1.5}, "z_dim"),
        ({"mapping_kwargs": {"num_layers": 100_000}}, "mapping_kwargs.num_layers"),
        ({"mapping_kwargs": [1]}, "mapping_kwargs must be a dict"),
        ({"magnitude_ema_beta": float("nan")}, "magnitude_ema_beta"),
        ({"output_scale": 10**400}, "output_scale"),
        ({"num_critical": 20, "num_layers": 10}, "num_critical is larger than num_layers"),
        ({"channel_max": 2048, "conv_kernel": 7, "num_layers": 64}, "about 13,4.* parameters"),
        ({"evil": 1}, "unknown constructor argument 'evil'"),
    ],
)
def test_absurd_kwargs_are_refused_with_the_field_named(change, match):
    with pytest.raises(NetworkBoundsError, match=match):
        check_generator_kwargs("stylegan3", _official(**change))


def test_the_bounds_table_covers_every_argument_our_generator_takes():
    from ganlab.stylegan3.layers import MappingNetwork
    from ganlab.stylegan3.networks import Generator, SynthesisLayer, SynthesisNetwork

    def names(cls, skip=()):
        return {p for p in inspect.signature(cls.__init__).parameters if p not in ("self", *skip)} - {
            "layer_kwargs", "synthesis_kwargs"}  # fmt: skip

    rules = GENERATOR_RULES["stylegan3"]
    taken = names(Generator) | names(SynthesisNetwork) | names(SynthesisLayer, ("spec",))
    assert taken - {"mapping_kwargs"} == set(rules.kwargs)
    assert names(MappingNetwork, ("z_dim", "c_dim", "w_dim", "num_ws")) == set(rules.mapping_kwargs)
