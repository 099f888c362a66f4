"""Filter design: our Kaiser/jinc formulas against scipy and against the official buffers."""

import numpy as np
import pytest
import scipy.signal
import torch
from sg3_fixtures import load_fixture

from ganlab.stylegan3 import Generator
from ganlab.stylegan3.filters import design_lowpass_filter, kaiser_beta, kaiser_lowpass, kaiser_window
from ganlab.stylegan3.schedule import synthesis_schedule


@pytest.mark.parametrize(
    "numtaps,cutoff,width,fs",
    [(12, 2.0, 12.0, 32), (24, 5.04, 22.0, 64), (12, 512.0, 236.6, 2048), (12, 322.5, 379.0, 2048)],
)
def test_kaiser_lowpass_matches_scipy_firwin(numtaps, cutoff, width, fs):
    ours = kaiser_lowpass(numtaps, cutoff, width, fs)
    ref = scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width, fs=fs)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("atten", [10.0, 30.0, 49.0, 60.0, 120.0])
def test_kaiser_beta_and_window_match_scipy(atten):
    beta = kaiser_beta(atten)
    assert beta == pytest.approx(scipy.signal.kaiser_beta(atten), abs=1e-12)
    np.testing.assert_allclose(kaiser_window(12, beta), np.kaiser(12, beta), atol=1e-12)


def test_identity_filter_is_none_and_lowpass_has_unit_dc_gain():
    assert design_lowpass_filter(1, 2.0, 4.0, 32) is None
    assert float(design_lowpass_filter(12, 2.0, 12.0, 32).sum()) == pytest.approx(1.0, abs=1e-6)
    radial = design_lowpass_filter(12, 20.2, 87.6, 256, radial=True)
    assert radial.shape == (12, 12) and float(radial.sum()) == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(radial, radial.t()) and torch.allclose(radial, radial.flip(0))


@pytest.mark.parametrize("name", ["filters_t1024", "filters_t256", "filters_r256"])
def test_full_size_filters_and_layer_names_equal_official(name):
    fx = load_fixture(name)
    G = Generator(**fx.init_kwargs)
    assert G.synthesis.layer_names == fx.layer_names
    ours = {k: v for k, v in G.state_dict().items() if k.endswith("filter")}
    assert set(ours) == set(fx.tensors)
    for key, ref in fx.tensors.items():
        assert ours[key].shape == ref.shape, key
        assert (ours[key] - ref).abs().max() < 1e-7, key


def test_schedule_matches_reference_table_for_1024_t():
    _, specs = synthesis_schedule(1024, 3, channel_base=32768, channel_max=512)
    assert [s.name for s in specs][-3:] == ["L12_1044_32", "L13_1024_32", "L14_1024_3"]
    l10 = specs[10]
    assert (l10.out_sampling_rate, round(l10.out_cutoff, 1), round(l10.out_half_width, 1)) == (
        1024,
        203.2,
        308.8,
    )
    assert [s.use_fp16 for s in specs].index(True) == 5 and specs[12].is_critically_sampled
