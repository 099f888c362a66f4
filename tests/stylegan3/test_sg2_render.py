"""ganlab.stylegan3.render with StyleGAN2 networks: seeds, noise modes, layers, no input transform."""

import numpy as np
import pytest
import torch
from sg2_fixtures import load_sg2_fixture

from ganlab.stylegan3 import render
from ganlab.stylegan3.catalog import summary


@pytest.fixture(scope="module")
def G():
    return load_sg2_fixture("official_ada_skip32_cond").generator()


def test_render_matches_the_official_image_for_a_seed_and_class(G):
    fx = load_sg2_fixture("official_ada_skip32_cond")
    img = render.render(G, render.RenderParams(seed=1, class_idx=1, noise_mode="none"))
    ref = render.to_uint8(fx.tensors["case1.img"][1:2])[0]  # seed 1 is sample 1, one-hot class 1
    assert img.shape == (32, 32, 3) and np.abs(img.astype(int) - ref.astype(int)).max() <= 1


def test_noise_modes_and_the_missing_transform(G):
    const = render.render(G, render.RenderParams(seed=1, class_idx=0))
    none = render.render(G, render.RenderParams(seed=1, class_idx=0, noise_mode="none"))
    assert np.abs(const.astype(int) - none.astype(int)).mean() > 0.5
    with pytest.raises(ValueError, match="StyleGAN2 has no input transform"):
        render.render(G, render.RenderParams(seed=1, class_idx=0, rotate=5))


def test_layers_listed_captured_and_summarised(G):
    layers = render.list_layers(G)
    assert [x.name for x in layers][:3] == ["b4.conv1", "b4.torgb", "b8.conv0"] and layers[-1].name == "output"
    ws = render.seed_ws(G, 0, class_idx=1)
    feat = render.capture_layer(G, ws, "b16.conv1")
    assert feat.shape == (1, 16, 16, 16)
    with pytest.raises(ValueError, match="unknown layer"):
        render.capture_layer(G, ws, "input")
    info = summary(G)
    assert info["architecture"] == "StyleGAN2" and info["num_ws"] == G.num_ws == 8
    assert info["fp16_layers"][0] == "b8.conv0"  # num_fp16_res 4 at 32 px: b8 and up (never below 8)
    assert torch.equal(render.mix_styles(ws, ws * 0, [7])[:, :7], ws[:, :7])


def test_video_frames_render_a_stylegan2_grid(G):
    from ganlab.stylegan3.video.frames import render_frame

    ws = torch.stack([render.seed_ws(G, s, class_idx=0)[0] for s in range(2)]).numpy()[None]  # [1, 2, num_ws, w]
    frame = render_frame(G, ws)
    assert frame.shape == (32, 64, 3)
    alone = render.to_uint8(render.synthesize(G, torch.from_numpy(ws[0, :1])))[0]
    assert np.abs(frame[:, :32].astype(int) - alone).max() <= 1  # batch 2 vs 1: float rounding only
