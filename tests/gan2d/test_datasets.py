"""Datasets: shapes, bounds, determinism per seed, GAN Lab's definitions, user points."""

import numpy as np
import pytest

from ganlab.gan2d.datasets import DATASETS, GRID25, RING8, make_dataset, parse_csv_points


@pytest.mark.parametrize("slug", sorted(DATASETS))
def test_shape_determinism_and_bounds(slug):
    # GAN Lab's own gaussians spill ~1.5% below y = 0 (sd 0.2 around y = 0.4): that is its definition
    ds = DATASETS[slug]
    a = ds.sample(np.random.default_rng(7), 5000, 1.0)
    b = ds.sample(np.random.default_rng(7), 5000, 1.0)
    c = ds.sample(np.random.default_rng(8), 5000, 1.0)
    assert a.shape == (5000, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    x0, x1, y0, y1 = ds.view_box
    inside = (a[:, 0] >= x0) & (a[:, 0] <= x1) & (a[:, 1] >= y0) & (a[:, 1] <= y1)
    assert inside.mean() > 0.98, f"{slug}: only {inside.mean():.3f} of samples fall in the view box"


def test_gan_lab_line_is_the_segment_gan_lab_draws():
    pts = DATASETS["line"].sample(np.random.default_rng(0), 20000, 0.0)  # no noise: exactly on the segment
    # x = 0.8 - 0.75u, y = 0.6 + 0.3u  =>  y = 0.6 + 0.4 (0.8 - x)
    np.testing.assert_allclose(pts[:, 1], 0.6 + 0.4 * (0.8 - pts[:, 0]), atol=1e-12)
    assert pts[:, 0].min() >= 0.05 and pts[:, 0].max() <= 0.8


def test_gan_lab_gaussians_component_moments():
    pts = DATASETS["gaussians"].sample(np.random.default_rng(0), 200_000, 1.0)
    # the mixture mean is the average of the two centres (0.3, 0.7) and (0.7, 0.4)
    mean = pts.mean(axis=0)
    np.testing.assert_allclose(mean, [0.5, 0.55], atol=0.01)
    # second component's y spread (sd 0.2) dominates the overall y variance
    var_y = 0.5 * 0.1**2 + 0.5 * 0.2**2 + 0.25 * (0.7 - 0.4) ** 2
    assert pts[:, 1].var() == pytest.approx(var_y, rel=0.03)


def test_mode_benchmarks_match_veegan_definitions():
    np.testing.assert_allclose(np.linalg.norm(RING8.centers, axis=1), 1.0)
    assert len(GRID25.centers) == 25 and set(np.unique(GRID25.centers)) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    pts = DATASETS["ring8"].sample(np.random.default_rng(0), 80_000, 1.0)
    d = np.linalg.norm(pts[:, None] - RING8.centers[None], axis=2).min(axis=1)
    assert np.sqrt(np.mean(d**2) / 2) == pytest.approx(0.01, rel=0.05)  # per-axis sd 0.01


def test_drawn_points_get_gan_lab_jitter():
    ds = make_dataset("drawn", np.array([[0.5, 0.5]]))
    pts = ds.sample(np.random.default_rng(0), 50_000, 1.0)
    assert pts.std(axis=0) == pytest.approx([0.02, 0.02], rel=0.05)
    assert ds.view_box == (0.0, 1.0, 0.0, 1.0)


def test_csv_points_parse_with_header_and_fail_on_bad_line():
    pts = parse_csv_points("x,y\n1,2\n3.5,-4\n\n")
    np.testing.assert_array_equal(pts, [[1, 2], [3.5, -4]])
    with pytest.raises(ValueError, match="line 3"):
        parse_csv_points("x,y\n1,2\nfoo,bar\n")
    with pytest.raises(ValueError, match="points"):
        parse_csv_points("")
    ds = make_dataset("csv", pts)
    x0, x1, y0, y1 = ds.view_box
    assert x0 < 1 and x1 > 3.5 and y0 < -4 and y1 > 2


def test_point_datasets_need_points():
    with pytest.raises(ValueError, match="needs points"):
        make_dataset("drawn")
    with pytest.raises(ValueError, match="finite"):
        make_dataset("csv", np.array([[0.0, np.nan]]))
