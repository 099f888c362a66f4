"""The 2D GAN engine behind the GAN Lab tab: no web imports, usable headless from Python.

    from ganlab.gan2d import Trainer, TrainParams
    t = Trainer(TrainParams(dataset="ring8", seed=1))
    t.train(2000, every=100, callback=lambda t, row: print(row))
"""

from ganlab.gan2d.datasets import DATASETS, dataset_catalog
from ganlab.gan2d.losses import LOSSES
from ganlab.gan2d.params import PRESETS, TrainParams, from_preset
from ganlab.gan2d.trainer import Trainer

__all__ = ["DATASETS", "LOSSES", "PRESETS", "TrainParams", "Trainer", "dataset_catalog", "from_preset"]
