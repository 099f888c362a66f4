"""StyleGAN2 / StyleGAN2-ADA pickles in the official layout: loaded as data, matched to official numbers,
hostile ones refused without running anything."""

import os

import pytest
import torch
from sg2_fixtures import SG2_FIXTURES, load_sg2_fixture, relative_error
from sg2_pickles import ADA_SRC, sg2_generator_object, sg2_snapshot
from sg3_pickles import STYLEGAN3_SRC, Reduce, dumps

from ganlab.stylegan3 import load_network
from ganlab.stylegan3.loader import convert_to_safetensors
from ganlab.stylegan3.networks_stylegan2 import Generator as SG2Generator
from ganlab.stylegan3.safe_pickle import UnsafePickleError, UnsupportedNetworkError


@pytest.fixture(scope="module", params=SG2_FIXTURES)
def fx(request):
    return load_sg2_fixture(request.param)


def _write(tmp_path, obj, protocol=4, name="net.pkl"):
    path = tmp_path / name
    path.write_bytes(dumps(obj, protocol=protocol))
    return path


def _check_images(G, fx):
    for i in (0, 3):
        case = fx.cases[i]
        with torch.no_grad():
            img = G(
                fx.tensors["z"],
                fx.tensors.get("c"),
                truncation_psi=case.get("truncation_psi", 1),
                truncation_cutoff=case.get("truncation_cutoff"),
                noise_mode=case["noise_mode"],
            )
        assert relative_error(img, fx.tensors[f"case{i}.img"]) < 1e-4, (fx.name, i)


@pytest.mark.parametrize("protocol", [2, 4])
def test_official_layout_pickle_loads_and_matches(tmp_path, fx, protocol):
    ada = fx.format == "ada"
    snap = sg2_snapshot(fx.generator(), fx.init_kwargs, ada=ada, positional=protocol == 2)
    path = _write(tmp_path, snap, protocol)
    data = path.read_bytes()
    assert b"_reconstruct_persistent_obj" in data and (b"synthesis_kwargs" in data) == ada
    net = load_network(path)
    G = net["G_ema"]
    assert isinstance(G, SG2Generator) and net["format"] == "pickle"
    assert net["G"].module_kind == "stylegan2"
    _check_images(G, fx)


def test_safetensors_round_trip_keeps_the_architecture(tmp_path, fx):
    path = _write(tmp_path, sg2_snapshot(fx.generator(), fx.init_kwargs, ada=fx.format == "ada"))
    out = tmp_path / "net.safetensors"
    convert_to_safetensors(path, out)
    net = load_network(out)
    assert isinstance(net["G_ema"], SG2Generator) and net["format"] == "safetensors"
    _check_images(net["G_ema"], fx)


@pytest.fixture(scope="module")
def small():
    return load_sg2_fixture("official_ada_orig16_gray")


def test_booby_trapped_sg2_pickle_is_refused_and_does_not_run(tmp_path, small):
    marker = tmp_path / "pwned"
    snap = sg2_snapshot(small.generator(), small.init_kwargs, ada=True)
    snap["G_ema"].meta["state"]["_modules"]["synthesis"].meta["state"]["trap"] = Reduce(os.system, f"touch {marker}")
    with pytest.raises(UnsafePickleError, match=r"(posix|os|nt)\.system"):
        load_network(_write(tmp_path, snap))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"img_resolution": 1 << 20}, "img_resolution"),
        ({"img_resolution": 24}, "power of two"),
        ({"w_dim": 10**9}, "w_dim"),
        ({"synthesis_kwargs": {"channel_max": 1 << 30}}, "channel_max"),
        ({"synthesis_kwargs": {"architecture": "evil"}}, "architecture"),
        ({"synthesis_kwargs": {"conv_clamp": float("nan")}}, "conv_clamp"),
        ({"synthesis_kwargs": {"__class__": 1}}, "unknown keys"),
        ({"mapping_kwargs": {"num_layers": 100000}}, "num_layers"),
        ({"mapping_kwargs": {"layer_features": 4096, "num_layers": 32}, "w_dim": 4096}, "parameters"),
        ({"c_dim": True}, "c_dim"),
    ],
)
def test_hostile_kwargs_are_refused_before_building(tmp_path, small, change, match):
    kwargs = dict(small.init_kwargs)
    for key, value in change.items():
        kwargs[key] = {**kwargs[key], **value} if isinstance(value, dict) else value
    snap = sg2_snapshot(small.generator(), small.init_kwargs, ada=True)
    snap["G_ema"] = sg2_generator_object(small.generator(), kwargs, ADA_SRC)
    with pytest.raises(ValueError, match=match):
        load_network(_write(tmp_path, snap))


def test_layout_and_source_must_agree(tmp_path, small):
    snap = sg2_snapshot(small.generator(), small.init_kwargs, ada=True)
    snap["G_ema"] = sg2_generator_object(small.generator(), small.init_kwargs, STYLEGAN3_SRC)
    with pytest.raises(UnsupportedNetworkError, match="StyleGAN2 layout but stylegan3 source"):
        load_network(_write(tmp_path, snap))


def test_mismatched_tensors_are_refused(tmp_path, small):
    snap = sg2_snapshot(small.generator(), small.init_kwargs, ada=True)
    del (
        snap["G_ema"]
        .meta["state"]["_modules"]["synthesis"]
        .meta["state"]["_modules"]["b4"]
        .meta["state"]["_parameters"]["const"]
    )
    with pytest.raises((RuntimeError, ValueError), match="const"):  # ValueError once the loader wraps it
        load_network(_write(tmp_path, snap))
