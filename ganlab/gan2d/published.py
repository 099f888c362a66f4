"""TrainParams presets for the published 2-D mode-collapse setups, one function per paper.

Each function's docstring cites the released code it follows and says what this engine
cannot express. Facts only were read from that code (no code copied). Every preset is a
complete set of the knobs that matter, so `ganlab train --preset NAME` runs the setup; the
number of updates each paper trains for is in `UPDATES` (an "epoch" here is d_steps D
updates then g_steps G updates, so one epoch is one of the papers' iterations).

What the engine lacks, for all of them: batch normalisation and maxout units, and
simultaneous updates (PacGAN's and GDPP's code compute D's and G's gradients on the same
batch and apply both at once; here D steps first, then G on fresh noise).
"""

from __future__ import annotations

from typing import Any


def pacgan(dataset: str) -> dict[str, Any]:
    """PacGAN's 2D-ring and 2D-grid experiments (Lin, Khetan, Fanti, Oh, NeurIPS 2018, §4.1 and
    Table 1), as configured in github.com/fjxmlzn/PacGAN, synthetic_data_experiments/
    2DRing_GAN&PacGAN and 2DGrid_GAN&PacGAN (config.py, pacgan_task.py, pacgan/datasets.py,
    pacgan/extensions.py):

    - z ~ N(0, I) in 2-D;
    - G: 4 hidden layers of 400 ReLU units (with batch norm there, none here), linear output;
    - D: 3 hidden layers of 200 units (linear maxout with 5 pieces there; ReLU here), one logit;
      its input is `pack` samples concatenated (PacGAN2-4: pack 2-4);
    - weights N(0, 0.02²), biases 0 (the `dcgan` init);
    - non-saturating log loss with an unweighted real term;
    - Adam, lr 1e-4, β1 0.8, β2 0.999 for both networks;
    - batch 100 packed rows, from a training set of 100,000 points drawn once per run;
    - 400 epochs over those 100,000 points = 400,000 updates; metrics on 2,500 samples.
    """
    return {
        "dataset": dataset, "noise_type": "normal", "noise_dim": 2, "g_layers": 4, "g_width": 400,
        "g_output": "linear", "d_layers": 3, "d_width": 200, "activation": "relu", "init": "dcgan",
        "init_gain": 1.0, "loss": "non_saturating", "real_weight": 1.0, "g_optimizer": "adam",
        "d_optimizer": "adam", "g_lr": 1e-4, "d_lr": 1e-4, "g_beta1": 0.8, "d_beta1": 0.8, "g_beta2": 0.999,
        "d_beta2": 0.999, "batch_size": 100, "data_pool": 100_000, "d_steps": 1, "g_steps": 1, "pack": 1,
        "r1_weight": 0.0, "data_noise": 1.0,
    }


def veegan(dataset: str) -> dict[str, Any]:
    """The VEEGAN / GDPP 2-D setup (Srivastava et al., NeurIPS 2017, Table 1; Elfeki et al.,
    ICML 2019, Table 1), as configured in github.com/M-Elfeki/GDPP, gdppgan_Synthetic.py
    (VEEGAN's own 2-D notebook was not readable in the stored copy, so GDPP's release, which
    reports VEEGAN's setting and numbers, is the source):

    - z ~ N(0, I) in 256 dimensions;
    - G: 2 hidden layers of 128 tanh units, linear output; D: 2 hidden layers of 128 tanh units;
    - orthogonal initialisation with gain 1.4 for every layer, zero biases;
    - plain GAN: D's log loss, G's non-saturating loss (GDPP adds its DPP term; not here);
    - Adam, β1 0.5, ε 1e-8; G lr 1e-3, D lr 1e-4; batch 512, fresh data every step;
    - 25,000 iterations; metrics on 2,500 samples.
    """
    return {
        "dataset": dataset, "noise_type": "normal", "noise_dim": 256, "g_layers": 2, "g_width": 128,
        "g_output": "linear", "d_layers": 2, "d_width": 128, "activation": "tanh", "init": "orthogonal",
        "init_gain": 1.4, "loss": "non_saturating", "real_weight": 1.0, "g_optimizer": "adam",
        "d_optimizer": "adam", "g_lr": 1e-3, "d_lr": 1e-4, "g_beta1": 0.5, "d_beta1": 0.5, "g_beta2": 0.999,
        "d_beta2": 0.999, "batch_size": 512, "data_pool": 0, "d_steps": 1, "g_steps": 1, "pack": 1,
        "r1_weight": 0.0, "data_noise": 1.0,
    }


def wgan_gp_toy(dataset: str) -> dict[str, Any]:
    """The WGAN-GP toy experiment (Gulrajani et al., NeurIPS 2017), as configured in
    github.com/igul222/improved_wgan_training, gan_toy.py (MODE 'wgan-gp'):

    - z ~ N(0, I) in 2-D;
    - G and D: 3 hidden layers of 512 ReLU units, linear outputs;
    - He initialisation (a uniform with sd √(2/fan_in) there; the Gaussian `he` here);
    - Wasserstein loss with gradient penalty λ = 0.1 (the script's toy value, not the paper's 10);
    - 5 critic updates per generator update; Adam, lr 1e-4, β = (0.5, 0.9); batch 256;
    - 100,000 generator iterations.

    The script's 8 Gaussians lie on a circle of radius √2 with sd 0.014 and its 25 Gaussians
    are the grid scaled by 1/2.828; this preset trains on ring8 / grid25 at the VEEGAN scale
    (radius 1, sd 0.01; spacing 2, sd 0.05) so its metrics compare with the other papers'.
    """
    return {
        "dataset": dataset, "noise_type": "normal", "noise_dim": 2, "g_layers": 3, "g_width": 512,
        "g_output": "linear", "d_layers": 3, "d_width": 512, "activation": "relu", "init": "he",
        "init_gain": 1.0, "loss": "wasserstein_gp", "gp_weight": 0.1, "real_weight": 1.0,
        "g_optimizer": "adam", "d_optimizer": "adam", "g_lr": 1e-4, "d_lr": 1e-4, "g_beta1": 0.5,
        "d_beta1": 0.5, "g_beta2": 0.9, "d_beta2": 0.9, "batch_size": 256, "data_pool": 0, "d_steps": 5,
        "g_steps": 1, "pack": 1, "r1_weight": 0.0, "data_noise": 1.0,
    }


PUBLISHED: dict[str, dict[str, Any]] = {
    "pacgan_ring": pacgan("ring8"), "pacgan_grid": pacgan("grid25"),
    "veegan_ring": veegan("ring8"), "veegan_grid": veegan("grid25"),
    "wgan_gp_toy": wgan_gp_toy("ring8"),
}
# The papers' training length, in epochs of this engine (one paper iteration = one epoch).
UPDATES = {"pacgan_ring": 400_000, "pacgan_grid": 400_000, "veegan_ring": 25_000, "veegan_grid": 25_000,
           "wgan_gp_toy": 100_000}
