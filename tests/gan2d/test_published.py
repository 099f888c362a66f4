"""The published setups: each preset validates, is documented, and trains."""

import numpy as np
import pytest

from ganlab.gan2d import Trainer, from_preset, published
from ganlab.gan2d.published import PUBLISHED, UPDATES


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_preset_validates_cites_its_source_and_runs(name):
    params = from_preset(name)
    assert params.noise_type == "normal" and set(UPDATES) == set(PUBLISHED)
    maker = "wgan_gp_toy" if name == "wgan_gp_toy" else name.split("_")[0]
    assert "github.com/" in getattr(published, maker).__doc__
    t = Trainer(params)
    before = t.G.flat.copy()
    t.train(2, every=1)
    assert not t.diverged and not np.array_equal(before, t.G.flat)
    assert t.history[-1]["num_modes"] in (8, 25)


def test_pacgan_uses_the_fixed_pool_and_gdpp_the_orthogonal_init():
    pacgan, veegan = Trainer(from_preset("pacgan_grid")), from_preset("veegan_ring")
    assert pacgan.data_pool.data.shape == (100_000, 2) and pacgan.params.batch_size == 100
    assert (veegan.init, veegan.init_gain, veegan.noise_dim, veegan.activation) == ("orthogonal", 1.4, 256, "tanh")
