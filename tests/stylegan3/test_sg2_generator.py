"""Our StyleGAN2 Generator against outputs of NVIDIA's official code (both repos), to 1e-4 of the range."""

import pytest
import torch
from sg2_fixtures import SG2_FIXTURES, load_sg2_fixture, mapped_ws, relative_error

from ganlab.stylegan3.kwargs_stylegan2 import check_generator_kwargs, normalize_generator_kwargs
from ganlab.stylegan3.networks_stylegan2 import Generator

TOL = 1e-4


@pytest.fixture(scope="module", params=SG2_FIXTURES)
def fixture(request):
    return load_sg2_fixture(request.param)


def test_fresh_model_has_official_names_and_shapes(fixture):
    kwargs = normalize_generator_kwargs(fixture.init_kwargs)
    check_generator_kwargs(kwargs)
    ours = Generator(**kwargs).state_dict()
    ref = fixture.state_dict
    assert set(ours) == set(ref)
    assert all(ours[k].shape == ref[k].shape for k in ref)
    for key in ref:
        if key.endswith("resample_filter"):
            assert torch.allclose(ours[key], ref[key]), key


def test_fixtures_cover_both_formats_all_architectures_and_conditioning():
    fxs = [load_sg2_fixture(n) for n in SG2_FIXTURES]
    assert {f.format for f in fxs} == {"ada", "stylegan3-repo"}
    archs = {normalize_generator_kwargs(f.init_kwargs).get("architecture", "skip") for f in fxs}
    assert archs == {"orig", "skip", "resnet"}
    assert any("c" in f.tensors for f in fxs)


@pytest.mark.parametrize("fused", [True, False])
def test_ws_and_images_match_official(fixture, fused):
    G = fixture.generator()
    assert any(G.state_dict()[k].abs().max() > 0 for k in G.state_dict() if k.endswith("noise_strength"))
    for i, case in enumerate(fixture.cases):
        with torch.no_grad():
            ws = mapped_ws(G, fixture, case)
            img = G.synthesis(ws, noise_mode=case["noise_mode"], fused_modconv=fused)
        assert relative_error(ws, fixture.tensors[f"case{i}.ws"]) < TOL, (i, case)
        assert relative_error(img, fixture.tensors[f"case{i}.img"]) < TOL, (i, case)


def test_noise_modes_differ_and_truncation_cases_are_distinct(fixture):
    imgs = [fixture.tensors[f"case{i}.img"] for i in range(3)]
    assert relative_error(imgs[0], imgs[1]) > 1e-3  # const noise vs no noise
    assert relative_error(imgs[0], imgs[2]) > 1e-3  # psi 0.6 moved the image
    G = fixture.generator()
    z, c = fixture.tensors["z"], fixture.tensors.get("c")
    with torch.no_grad():
        a, b = G(z, c, noise_mode="random"), G(z, c, noise_mode="random")
    assert relative_error(a, b) > 1e-4  # random noise is fresh each call


def test_full_call_signature_matches_mapping_then_synthesis(fixture):
    G = fixture.generator()
    case = fixture.cases[3]
    z, c = fixture.tensors["z"], fixture.tensors.get("c")
    with torch.no_grad():
        img = G(z, c, case["truncation_psi"], case["truncation_cutoff"], noise_mode="const")
    assert relative_error(img, fixture.tensors["case3.img"]) < TOL


def test_layer_outputs_can_be_captured(fixture):
    G = fixture.generator()
    ws = fixture.tensors["case0.ws"]
    names = G.synthesis.layer_names
    assert names[0] == "b4.conv1" and names[-1] == f"b{G.img_resolution}.torgb"
    with torch.no_grad():
        last = G.synthesis.forward_until(ws, names[-2], noise_mode="const")
        assert last.shape[-1] == G.img_resolution
        first = G.synthesis.forward_until(ws, "b4.conv1", noise_mode="const")
    assert first.shape[-1] == 4


def test_fp16_blocks_run_and_stay_close(fixture, monkeypatch):
    """The CUDA fp16 path (max-norm pre-scaling, dtype casts), emulated on the CPU: it runs in fp16
    where asked and stays within fp16 precision of the official fp32 image."""
    from ganlab.stylegan3.networks_stylegan2 import SynthesisBlock

    monkeypatch.setattr(SynthesisBlock, "_dtype", lambda self, ws, f: torch.float16 if self.res16 else torch.float32)
    G = fixture.generator()
    for block in G.synthesis.modules():
        if isinstance(block, SynthesisBlock):
            block.res16 = block.resolution >= 8
    seen = []
    G.synthesis.b8.conv1.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    for fused in (True, False):
        with torch.no_grad():
            img = G.synthesis(fixture.tensors["case0.ws"], noise_mode="const", fused_modconv=fused)
        assert img.dtype == torch.float32 and relative_error(img, fixture.tensors["case0.img"]) < 3e-3
    assert seen == [torch.float16, torch.float16]
