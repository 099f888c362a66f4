"""The visualizer's analysis views: channel order and statistics, the FFT view, untransform."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganlab.stylegan3.views.layer import channel_order, layer_stats, pick_channels, scale_channels
from ganlab.stylegan3.views.spectrum import power_spectrum_db, spectrum_image, viridis_lut
from ganlab.stylegan3.views.untransform import resample_filter, round_translate, untransform, upsample


def test_energy_order_puts_the_strongest_channels_first() -> None:
    feat = torch.zeros(6, 8, 8)
    for c, scale in enumerate([0.1, 3.0, 0.0, 2.0, 5.0, 1.0]):
        feat[c] = scale * torch.randn(8, 8).sign()
    assert channel_order(feat, "energy").tolist() == [4, 1, 3, 5, 0, 2]
    assert channel_order(feat, "index").tolist() == list(range(6))
    assert pick_channels(feat, 0, rgb=True, order="energy") == [4, 1, 3]
    assert pick_channels(feat, 5, rgb=True, order="index") == [3, 4, 5]  # clamped, as the official widget
    stats = layer_stats(feat, [4])
    assert stats["top"][0] == [4, pytest.approx(5.0)] and stats["selected"]["max_abs"] == pytest.approx(5)
    assert stats["all"]["max_abs"] == pytest.approx(5) and stats["per_channel"][0]["rms"] == pytest.approx(5)


def test_normalise_and_gain() -> None:
    x = torch.tensor([[[0.5, -0.25]], [[2.0, 1.0]]])
    assert scale_channels(x, True, 0.0).abs().amax(dim=(1, 2)).tolist() == [1.0, 1.0]
    assert torch.allclose(scale_channels(x, False, 20.0), 10 * x)


def test_spectrum_peaks_at_the_sinusoid_frequency() -> None:
    n, k = 64, 10  # 10 cycles across the picture
    xs = torch.arange(n, dtype=torch.float64)
    img = torch.cos(2 * math.pi * k * xs / n)[None, None, :].expand(3, n, n) + 0.3
    db = power_spectrum_db(img, beta=8.0)
    peak = np.unravel_index(int(db.argmax()), db.shape)
    assert peak in {(n // 2, n // 2 + k), (n // 2, n // 2 - k)}  # zero frequency at the centre
    assert db[n // 2, n // 2] < db.max() - 40  # the mean was removed
    # Between bins, a box window (beta 0) leaks far more power away from the peak than beta 8.
    off = torch.cos(2 * math.pi * (k + 0.5) * xs / n)[None, None, :].expand(1, n, n)
    far = (n // 2, slice(n // 2 + k + 8, n // 2 + k + 16))
    assert power_spectrum_db(off, beta=0.0)[far].mean() > power_spectrum_db(off, beta=8.0)[far].mean() + 20
    assert db.max() > 20
    rgb = spectrum_image(img, range_db=20, beta=8)
    assert rgb.shape == (n, n, 3) and rgb.dtype == np.uint8
    assert (rgb[peak] == viridis_lut()[-1]).all()  # +range dB and above: the top colour


def test_resample_filter_keeps_flat_images_flat() -> None:
    for angle in (0.0, 30.0):
        f = resample_filter(angle)
        assert f.shape == (39, 39) and torch.allclose(f.sum(), torch.tensor(16.0), atol=1e-4)
    out = untransform(torch.ones(1, 2, 24, 24), (0.1, 0.0), 17.0)
    assert torch.allclose(out[..., 8:16, 8:16], torch.ones(1, 2, 8, 8), atol=1e-3)


def _pattern(n: int, matrix: torch.Tensor, shift=(0.0, 0.0)) -> torch.Tensor:
    """A smooth pattern g(M s - 2t) sampled at pixel centres (s in [-1, 1])."""
    c = (torch.arange(n, dtype=torch.float64) + 0.5) / n * 2 - 1
    y, x = torch.meshgrid(c, c, indexing="ij")
    p = torch.stack([x, y], -1) @ matrix.T - 2 * torch.tensor(shift, dtype=torch.float64)
    g = torch.cos(2.5 * p[..., 0] + 1.0) * torch.sin(1.7 * p[..., 1] - 0.4) + 0.3 * torch.cos(4.0 * p[..., 1])
    return g[None, None].float()


def test_untransform_undoes_translation_and_rotation() -> None:
    n, angle = 64, 25.0
    a = math.radians(angle)
    forward = torch.tensor([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]], dtype=torch.float64)
    original = _pattern(n, torch.eye(2, dtype=torch.float64))
    # The rendered content is the original moved by the user transform: r(s) = g(A^-1 (s - 2t)).
    shift = (0.1, -0.05)
    inverse = torch.linalg.inv(forward)
    rendered = _pattern(n, inverse, shift=tuple((inverse @ torch.tensor(shift, dtype=torch.float64)).tolist()))
    back = untransform(rendered, shift, angle)
    inner = (..., slice(18, 46), slice(18, 46))
    assert (back - original)[inner].abs().max() < 0.02
    assert (rendered - original)[inner].abs().mean() > 0.1  # the transform did move the content


def test_round_translate_snaps_to_pixels() -> None:
    assert round_translate((0.1, -0.013), 64) == (6 / 64, -1 / 64)


@pytest.mark.parametrize("angle", [0.0, 37.0])
def test_polyphase_upsample_matches_the_zero_stuffing_reference(angle: float) -> None:
    kernel = resample_filter(angle)
    x = torch.randn(2, 1, 20, 17)
    reference = torch.nn.functional.conv_transpose2d(x, kernel[None, None], stride=4, padding=19)
    fast = upsample(x, kernel, 4)
    assert fast.shape == (2, 1, 80, 68)
    assert torch.allclose(fast[..., : reference.shape[2], : reference.shape[3]], reference, atol=1e-5)
