"""Render helpers: seeds, transforms, blending, mixing, uint8/PNG, layer capture and views, demo G."""

import io

import numpy as np
import pytest
import torch
from PIL import Image
from sg3_fixtures import load_fixture

from ganlab.stylegan3 import render
from ganlab.stylegan3.demo import DEMO_CONFIG, build_demo_generator
from ganlab.stylegan3.device import pick_device


@pytest.fixture(scope="module")
def G():
    return load_fixture("official_t32").generator()


def test_seed_to_z_is_numpy_legacy_randn():
    assert np.array_equal(render.seed_to_z(42, 8), np.random.RandomState(42).randn(1, 8))
    assert np.array_equal(render.seed_to_z(2**32 + 5, 4), render.seed_to_z(5, 4))


def test_transform_is_inverse_of_gen_images_matrix(G):
    render.set_input_transform(G, (0.25, -0.5), 90.0)
    m = G.synthesis.input.transform.double().numpy()
    assert np.allclose(m @ render.make_transform((0.25, -0.5), 90.0), np.eye(3), atol=1e-6)
    render.set_input_transform(G)
    assert torch.equal(G.synthesis.input.transform, torch.eye(3))


def test_blend_at_integer_position_is_that_seed_and_midpoint_blends(G):
    w0, w1 = render.seed_ws(G, 3), render.seed_ws(G, 4)
    assert torch.allclose(render.blended_ws(G, 3.0, 0.0), w0, atol=1e-6)
    assert torch.allclose(render.blended_ws(G, 3.5, 0.0), (w0 + w1) / 2, atol=1e-5)
    assert torch.allclose(render.blended_ws(G, 0.0, 1.0), render.seed_ws(G, 100), atol=1e-6)


def test_style_mixing_replaces_only_selected_ws(G):
    a, b = render.seed_ws(G, 1), render.seed_ws(G, 2)
    mixed = render.mix_styles(a, b, [0, 5])
    assert torch.equal(mixed[:, [0, 5]], b[:, [0, 5]]) and torch.equal(mixed[:, 1:5], a[:, 1:5])


def test_uint8_and_png_follow_official_rounding():
    img = torch.tensor([-1.0, 0.0, 1.0, 2.0]).reshape(1, 1, 1, 4)
    assert render.to_uint8(img).ravel().tolist() == [0, 128, 255, 255]
    arr = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(render.encode_image(arr)))), arr)
    assert render.encode_image(arr, "jpeg")[:2] == b"\xff\xd8"


def test_layer_list_and_capture(G):
    layers = render.list_layers(G)
    assert layers[0].name == "input" and layers[-1].name == "output" and len(layers) == G.num_ws + 1
    ws = render.seed_ws(G, 0)
    full = render.synthesize(G, ws)
    assert torch.equal(render.capture_layer(G, ws, "output"), full)
    info = layers[3]
    feat = render.capture_layer(G, ws, info.name)
    assert feat.shape == (1, info.channels, info.size, info.size)
    view = render.LayerView(channel=2, rgb=True)
    pic = render.layer_image(feat[0], view)
    assert pic.shape == (info.size, info.size, 3) and view.stats["channel"] == 2
    assert render.layer_image(feat[0], render.LayerView()).shape[-1] == 1
    with pytest.raises(ValueError):
        render.capture_layer(G, ws, "nope")


def test_render_combines_seed_truncation_transform_and_mixing(G):
    p = render.RenderParams(seed=42, truncation_psi=0.6, translate=(0.1, -0.2), rotate=30.0)
    img = render.render(G, p)
    fx = load_fixture("official_t32")
    expected = render.to_uint8(fx.tensors["case3.img"][1:2])[0]
    assert np.array_equal(img, render.to_uint8(render.synthesize(G, render.seed_ws(G, 42, 0.6)))[0])
    plain = render.render(G, render.RenderParams(seed=42, translate=(0.1, -0.2), rotate=30.0))
    assert np.abs(plain.astype(int) - expected.astype(int)).max() <= 1
    mixed = render.render(G, render.RenderParams(seed=42, mix_seed=7, mix_indices=(8, 9, 10)))
    assert mixed.shape == (32, 32, 3) and not np.array_equal(mixed, plain)
    feat = render.render(G, render.RenderParams(seed=1, layer="L2_36_16"))
    assert feat.shape == (36, 36, 1)


def test_conditional_model_needs_a_class():
    G = load_fixture("official_cond16").generator()
    with pytest.raises(ValueError, match="conditional"):
        render.seed_ws(G, 0)
    assert render.seed_ws(G, 0, class_idx=2).shape == (1, G.num_ws, G.w_dim)


def test_device_choice(monkeypatch):
    monkeypatch.setenv("GANLAB_DEVICE", "cpu")
    assert pick_device().type == "cpu"
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            pick_device("cuda")


def test_demo_generator_is_the_official_256_t_shape_and_seeded():
    G = build_demo_generator(seed=3)
    assert G.synthesis.layer_names == [
        "L0_36_512",
        "L1_36_512",
        "L2_36_512",
        "L3_52_512",
        "L4_52_512",
        "L5_84_512",
        "L6_84_512",
        "L7_148_362",
        "L8_148_256",
        "L9_148_181",
        "L10_276_128",
        "L11_276_91",
        "L12_276_64",
        "L13_256_64",
        "L14_256_3",
    ]
    assert DEMO_CONFIG["channel_base"] == 16384 and G.num_ws == 16
    assert torch.equal(build_demo_generator(seed=3).mapping.fc0.weight, G.mapping.fc0.weight)
    feat = render.capture_layer(G, render.seed_ws(G, 0), "L1_36_512")
    assert feat.shape == (1, 512, 36, 36) and torch.isfinite(feat).all()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fp16_close_to_fp32():
    G = load_fixture("official_t32").generator().cuda()
    ws = render.seed_ws(G, 0)
    a = render.synthesize(G, ws, force_fp32=True)
    b = render.synthesize(G, ws)
    assert (a - b).abs().max() < 0.05


def test_catalog_lists_model_files_and_summarises(tmp_path, monkeypatch):
    from ganlab.stylegan3.catalog import find_model_files, summary

    (tmp_path / "b.safetensors").write_bytes(b"x")
    (tmp_path / "a.pkl").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    monkeypatch.setenv("GANLAB_MODELS_DIR", str(tmp_path))
    assert [p.name for p in find_model_files()] == ["a.pkl", "b.safetensors"]
    assert find_model_files(tmp_path / "missing") == []
    info = summary(load_fixture("official_r32").generator())
    assert info["config"] == "R" and info["resolution"] == 32 and not info["conditional"]
    assert info["layers"][-1] == {"name": "L14_32_3", "size": 32, "channels": 3}
