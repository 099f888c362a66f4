"""Fast ops against the reference ops (same function, different algorithm)."""

import importlib

import numpy as np
import pytest
import torch

from ganlab.stylegan3.filters import design_lowpass_filter
from ganlab.stylegan3.ops import (
    bias_act,
    filtered_lrelu_fast,
    filtered_lrelu_ref,
    modulated_conv2d_fast,
    modulated_conv2d_ref,
    upfirdn2d,
)


def _filters(up, down, radial):
    fu = design_lowpass_filter(6 * up if up > 1 else 1, 5.0, 10.0, 32.0 * up)
    fd = design_lowpass_filter(6 * down if down > 1 else 1, 4.0, 12.0, 64.0, radial=radial)
    return fu, fd


@pytest.mark.parametrize(
    "up,down,radial,padding",
    [
        (2, 2, False, [11, 10, 11, 10]),
        (4, 2, False, [13, 12, 13, 12]),
        (2, 2, True, [11, 10, 11, 10]),
        (2, 2, False, [-3, 2, 5, -1]),
        (1, 2, False, [3, 2, 3, 2]),
        (2, 1, False, [4, 3, 4, 3]),
    ],
)
@pytest.mark.parametrize("size", [13, 41])  # 41: the down pass has a partial last tile
def test_filtered_lrelu_fast_matches_reference(up, down, radial, padding, size):
    torch.manual_seed(0)
    x = torch.randn(2, 5, size, size) * 3
    b = torch.randn(5)
    fu, fd = _filters(up, down, radial)
    kw = dict(fu=fu, fd=fd, b=b, up=up, down=down, padding=padding, gain=np.sqrt(2), slope=0.2, clamp=4.0)
    ref = filtered_lrelu_ref(x, **kw)
    fast = filtered_lrelu_fast(x, **kw)
    assert fast.shape == ref.shape
    assert (fast - ref).abs().max() < 1e-5


def test_filtered_lrelu_fast_identity_torgb_leaves_input_untouched():
    x = torch.randn(1, 3, 8, 8) * 400
    before = x.clone()
    kw = dict(fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=1, slope=1, clamp=256)
    out = filtered_lrelu_fast(x, **kw)
    assert torch.equal(x, before)
    assert torch.equal(out, filtered_lrelu_ref(x, **kw)) and out.abs().max() == 256


def test_fast_path_chunks_channels_without_changing_the_result(monkeypatch):
    fl = importlib.import_module("ganlab.stylegan3.ops.filtered_lrelu")  # the module, not the function

    x = torch.randn(1, 7, 10, 10)
    fu, fd = _filters(2, 2, False)
    kw = dict(fu=fu, fd=fd, b=None, up=2, down=2, padding=[11, 10, 11, 10])
    whole = fl.filtered_lrelu_fast(x, **kw)
    monkeypatch.setattr(fl, "CHUNK_ELEMENTS", 1000)
    assert (fl.filtered_lrelu_fast(x, **kw) - whole).abs().max() < 1e-6


@pytest.mark.parametrize("batch,demodulate,kernel", [(1, True, 3), (3, True, 3), (3, True, 1), (2, False, 1)])
def test_modulated_conv_fast_matches_reference(batch, demodulate, kernel):
    torch.manual_seed(1)
    x = torch.randn(batch, 6, 9, 9)
    w = torch.randn(4, 6, kernel, kernel)
    s = torch.randn(batch, 6) + 1
    gain = torch.tensor(1.7)
    kw = dict(demodulate=demodulate, padding=kernel - 1, input_gain=gain)
    ref = modulated_conv2d_ref(x, w, s, **kw)
    assert ref.shape == (batch, 4, 9 + kernel - 1, 9 + kernel - 1)
    assert (modulated_conv2d_fast(x, w, s, **kw) - ref).abs().max() < 1e-4 * max(1.0, float(ref.abs().max()))


def test_upfirdn2d_zero_inserts_and_keeps_dc_gain():
    f = design_lowpass_filter(12, 4.0, 8.0, 32.0)
    impulse = torch.zeros(1, 1, 5, 5)
    impulse[0, 0, 2, 2] = 1
    y = upfirdn2d(impulse, f, up=2, padding=[11, 11, 11, 11], gain=4)
    assert y.shape == (1, 1, 21, 21)
    expected = torch.zeros(21, 21)
    expected[4:16, 4:16] = 4 * torch.outer(f, f)  # impulse at 2*2 + 11 = 15, spread over outputs 4..15
    assert torch.allclose(y[0, 0], expected, atol=1e-7)
    centre = upfirdn2d(torch.ones(1, 1, 20, 20), f, up=2, gain=4, padding=0)[0, 0, 10:20, 10:20]
    assert torch.allclose(centre, torch.ones_like(centre), atol=1e-5)


def test_bias_act_lrelu_gain_clamp():
    x = torch.tensor([[-1.0, 0.5, 300.0]])
    y = bias_act(x, torch.tensor([0.0, 0.5, 0.0]), dim=1, act="lrelu", clamp=256)
    assert torch.allclose(y, torch.tensor([[-0.2 * np.sqrt(2), np.sqrt(2), 256.0]], dtype=torch.float32))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fast_path_on_cuda_matches_cpu_reference():
    x = torch.randn(2, 5, 13, 13)
    fu, fd = _filters(2, 2, True)
    kw = dict(up=2, down=2, padding=[11, 10, 11, 10], clamp=4.0)
    ref = filtered_lrelu_ref(x, fu=fu, fd=fd, **kw)
    fast = filtered_lrelu_fast(x.cuda(), fu=fu.cuda(), fd=fd.cuda(), **kw).cpu()
    assert (fast - ref).abs().max() < 1e-4
