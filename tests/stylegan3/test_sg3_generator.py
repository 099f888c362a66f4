"""Our Generator against outputs of NVIDIA's official code (fixtures), to 1e-4 max abs."""

import numpy as np
import pytest
import torch
from sg3_fixtures import MODEL_FIXTURES, load_fixture

from ganlab.stylegan3 import Generator
from ganlab.stylegan3.render import seed_to_z, set_input_transform

TOL = 1e-4


@pytest.fixture(scope="module", params=MODEL_FIXTURES)
def fixture(request):
    return load_fixture(request.param)


def test_fresh_model_has_official_names_shapes_and_designed_buffers(fixture):
    G = Generator(**fixture.init_kwargs)
    ours = G.state_dict()
    ref = fixture.state_dict
    assert set(ours) == set(ref)
    assert all(ours[k].shape == ref[k].shape for k in ref)
    assert G.synthesis.layer_names == fixture.layer_names
    for key in ref:
        if key.endswith(("up_filter", "down_filter", "transform")):
            assert (ours[key] - ref[key]).abs().max() < 1e-7, key


def test_strict_load_rejects_a_missing_key(fixture):
    sd = dict(fixture.state_dict)
    sd.pop("mapping.w_avg")
    with pytest.raises(RuntimeError, match="w_avg"):
        Generator(**fixture.init_kwargs).load_state_dict(sd, strict=True)


def test_seeds_give_the_official_z(fixture):
    seeds = [0, 42] if fixture.name == "official_t32" else None
    if seeds:
        z = np.concatenate([seed_to_z(s, 16) for s in seeds])
        assert torch.equal(torch.from_numpy(z).float(), fixture.tensors["z"])


@pytest.mark.parametrize("impl", ["ref", "fast"])
def test_images_and_ws_match_official(fixture, impl):
    G = fixture.generator().set_impl(impl)
    z, c = fixture.tensors["z"], fixture.tensors.get("c")
    seen_transform = False
    for i, case in enumerate(fixture.cases):
        if "translate" in case:
            set_input_transform(G, case["translate"], case["rotate"])
            seen_transform = True
        else:
            set_input_transform(G)
        assert (G.synthesis.input.transform - fixture.tensors[f"case{i}.transform"]).abs().max() < 1e-6
        with torch.no_grad():
            ws = G.mapping(z, c, truncation_psi=case.get("psi", 1), truncation_cutoff=case.get("cutoff"))
            img = G.synthesis(ws)
        assert (ws - fixture.tensors[f"case{i}.ws"]).abs().max() < TOL, (i, case)
        assert (img - fixture.tensors[f"case{i}.img"]).abs().max() < TOL, (i, case)
    assert seen_transform or fixture.name == "official_cond16"


def test_generator_call_equals_mapping_then_synthesis():
    fx = load_fixture("official_cond16")
    G = fx.generator()
    z, c = fx.tensors["z"], fx.tensors["c"]
    with torch.no_grad():
        img = G(z, c, truncation_psi=0.5, truncation_cutoff=3)
    assert (img - fx.tensors["case1.img"]).abs().max() < TOL


def test_truncation_cutoff_only_touches_first_ws():
    fx = load_fixture("official_t32")
    ws_full, ws_cut = fx.tensors["case0.ws"], fx.tensors["case2.ws"]
    assert torch.equal(ws_full[:, 5:], ws_cut[:, 5:]) and not torch.equal(ws_full[:, :5], ws_cut[:, :5])


def test_extra_repr_prints_the_design():
    G = load_fixture("official_r32").generator()
    text = repr(G)
    assert "L0_36_16" in text and "radial=True" in text and "out_cutoff=" in text and "num_ws=16" in text
