"""Named sweeps: the course's studies (`ganlab sweep --preset g_lr`) and the published
reproductions (`ganlab sweep --preset pacgan_table1`).

The course's studies sweep the lab sheet's exact values, one knob at a time, in two settings
where the baseline learns, so the knob's effect is visible:

- `ganlab_*`: GAN Lab's own page default (the `gan_lab` TrainParams preset: two Gaussians,
  1+1 hidden layers of 8 ReLU units, SGD, G lr 0.03, D lr 0.1, k_D 2, 2-D noise), as a course
  runs GAN Lab. The two Gaussians are a mixture, so the mode metrics apply.
- the plain names (`g_lr`, `d_lr`, `d_steps`, `noise_dim`, `noise_type`): ring8 and grid25 with
  `MIX_RECIPE`, the `modern` preset (Adam 1e-3, β1 0.5, 3 hidden layers of 64 ReLU units,
  linear output) fed N(0, I) noise with PyTorch's default init: a recipe that learns ring8
  within 4,000 epochs (and covers about half of grid25's modes), without packing.

Every study runs 5 seeds per setting. The reproductions default to the papers' full protocol
(seeds and updates); docs/benchmarks.md records the scaled-down commands that fit a laptop.
"""

from __future__ import annotations

from typing import Any

MIXTURES = ["ring8", "grid25"]
MIX_RECIPE: dict[str, Any] = {"noise_type": "normal", "init": "pytorch", "batch_size": 128}
COURSE_LR = ["1e-4", "1e-3", "1e-2"]
COURSE_K_D = ["1", "2", "3", "5"]
COURSE_LATENT = ["10", "20", "50", "100", "200"]
NOISE_KINDS = ["uniform", "gaussian", "normal", "uniform_centered"]

_MIX = {"preset_params": "modern", "fixed": MIX_RECIPE, "epochs": 4000, "every": 250, "js_threshold": 0.5}
_GANLAB = {"preset_params": "gan_lab", "fixed": {}, "epochs": 3000, "every": 250, "js_threshold": 0.1}

STUDIES: dict[str, dict[str, Any]] = {
    "g_lr": {**_MIX, "grid": {"dataset": MIXTURES, "g_lr": COURSE_LR},
             "help": "G learning rate 1e-4 / 1e-3 / 1e-2 on ring8, grid25 (D at 1e-3)"},
    "d_lr": {**_MIX, "grid": {"dataset": MIXTURES, "d_lr": COURSE_LR},
             "help": "D learning rate 1e-4 / 1e-3 / 1e-2 on ring8, grid25 (G at 1e-3)"},
    "d_steps": {**_MIX, "grid": {"dataset": MIXTURES, "d_steps": COURSE_K_D},
                "help": "D updates per G update, k_D = 1, 2, 3, 5, on ring8, grid25"},
    "noise_dim": {**_MIX, "grid": {"dataset": MIXTURES, "noise_dim": COURSE_LATENT},
                  "help": "latent dimension 10, 20, 50, 100, 200 on ring8, grid25 (N(0, I) noise)"},
    "noise_type": {**_MIX, "grid": {"dataset": MIXTURES, "noise_type": NOISE_KINDS},
                   "help": "GAN Lab's U(0,1) and truncated N(0.5, 0.25²) vs N(0, I) and U(-1,1), ring8, grid25"},
    "ganlab_g_lr": {**_GANLAB, "grid": {"dataset": ["gaussians"], "g_lr": COURSE_LR},
                    "help": "G learning rate 1e-4 / 1e-3 / 1e-2 in GAN Lab's setup (D at 0.1, SGD)"},
    "ganlab_d_lr": {**_GANLAB, "grid": {"dataset": ["gaussians"], "d_lr": COURSE_LR},
                    "help": "D learning rate 1e-4 / 1e-3 / 1e-2 in GAN Lab's setup (G at 0.03, SGD)"},
    "ganlab_d_steps": {**_GANLAB, "grid": {"dataset": ["gaussians"], "d_steps": COURSE_K_D},
                       "help": "k_D = 1, 2, 3, 5 in GAN Lab's setup"},
    "ganlab_noise_dim": {**_GANLAB, "grid": {"dataset": ["gaussians"], "noise_dim": COURSE_LATENT},
                         "help": "latent dimension 10 to 200 in GAN Lab's setup (its truncated Gaussian)"},
    "ganlab_noise_type": {**_GANLAB, "grid": {"dataset": ["gaussians"], "noise_type": NOISE_KINDS},
                          "help": "the four noise kinds in GAN Lab's setup"},
}

# The papers' protocols. Defaults are the full ones; docs/benchmarks.md says what was cut to fit.
REPRODUCTIONS: dict[str, dict[str, Any]] = {
    "pacgan_table1": {"preset_params": "pacgan_ring", "grid": {"dataset": MIXTURES, "pack": ["1", "2", "3", "4"]},
                      "fixed": {}, "seeds": 10, "epochs": 400_000, "every": 20_000, "js_threshold": 0.5,
                      "help": "PacGAN Table 1: GAN and PacGAN2-4 on the 2D ring and grid (10 trials, 400k updates)"},
    "veegan_gan": {"preset_params": "veegan_ring", "grid": {"dataset": MIXTURES}, "fixed": {}, "seeds": 10,
                   "epochs": 25_000, "every": 2_500, "js_threshold": 0.5,
                   "help": "VEEGAN Table 1, GAN row: tanh 128 MLPs, z in R^256, Adam, batch 512, 25k updates"},
    "veegan_wgan_gp": {"preset_params": "veegan_ring", "grid": {"dataset": MIXTURES},
                       "fixed": {"loss": "wasserstein_gp", "gp_weight": 10.0, "d_steps": 5, "g_lr": 1e-4,
                                 "d_lr": 1e-4, "g_beta2": 0.9, "d_beta2": 0.9},
                       "seeds": 10, "epochs": 25_000, "every": 2_500, "js_threshold": 0.5,
                       "help": "WGAN-GP (λ 10, 5 critic steps, Adam 1e-4, β (0.5, 0.9)) on VEEGAN's networks"},
}
NAMED = {**STUDIES, **REPRODUCTIONS}
# Applies to every named sweep unless it or the command line says otherwise.
STUDY_DEFAULTS: dict[str, Any] = {"seeds": 5, "epochs": 4000, "every": 250, "preset_params": "modern",
                                  "fixed": {}, "js_threshold": 0.5}


def study(name: str) -> dict[str, Any]:
    """The full sweep settings of one named sweep: grid, seeds, epochs, every, preset_params, fixed."""
    if name not in NAMED:
        raise ValueError(f"--preset: unknown study {name!r}; choose one of {', '.join(NAMED)}")
    merged = {**STUDY_DEFAULTS, **NAMED[name]}
    merged["fixed"] = {**STUDY_DEFAULTS["fixed"], **NAMED[name].get("fixed", {})}
    return merged
