"""The classic course studies as named sweeps: `ganlab sweep --preset g_lr` and friends.

Each study sweeps its knob over the values a course would compare, on ring8 and grid25,
where mode collapse is measurable (VEEGAN/PacGAN). They start from the `modern` TrainParams
preset (Adam, β1 = 0.5): GAN Lab's SGD page defaults barely move at lr = 1e-4, which would
make a learning-rate study say nothing. The networks are 3 hidden layers of 32 units (not 64)
and batches 128, so one run takes a few seconds and one study a few minutes on two cores.
"""

from __future__ import annotations

from typing import Any

# Shared base for every study: the modern recipe at a size a laptop sweeps in minutes.
STUDY_BASE: dict[str, Any] = {"g_width": 32, "d_width": 32, "g_layers": 3, "d_layers": 3, "batch_size": 128}
MIXTURES = ["ring8", "grid25"]

STUDIES: dict[str, dict[str, Any]] = {
    "g_lr": {"grid": {"dataset": MIXTURES, "g_lr": ["1e-4", "1e-3", "1e-2"]},
             "help": "generator learning rate 1e-4 / 1e-3 / 1e-2 (D fixed at 1e-3)"},
    "d_lr": {"grid": {"dataset": MIXTURES, "d_lr": ["1e-4", "1e-3", "1e-2"]},
             "help": "discriminator learning rate 1e-4 / 1e-3 / 1e-2 (G fixed at 1e-3)"},
    "d_steps": {"grid": {"dataset": MIXTURES, "d_steps": ["1", "2", "3", "5"]},
                "help": "D updates per G update (k_D = 1, 2, 3, 5)"},
    "noise_dim": {"grid": {"dataset": MIXTURES, "noise_dim": ["10", "25", "50", "100", "200"]},
                  "help": "latent dimension 10 to 200"},
    "noise_type": {"grid": {"dataset": MIXTURES, "noise_type": ["uniform", "gaussian"]},
                   "help": "uniform vs (truncated) Gaussian noise"},
}
# Applies to every study unless the study or the command line says otherwise.
STUDY_DEFAULTS: dict[str, Any] = {"seeds": 3, "epochs": 5000, "every": 250, "preset_params": "modern",
                                  "fixed": STUDY_BASE, "js_threshold": 0.5}


def study(name: str) -> dict[str, Any]:
    """The full sweep settings of one study: grid, seeds, epochs, every, preset_params, fixed."""
    if name not in STUDIES:
        raise ValueError(f"--preset: unknown study {name!r}; choose one of {', '.join(STUDIES)}")
    merged = {**STUDY_DEFAULTS, **STUDIES[name]}
    merged["fixed"] = {**STUDY_DEFAULTS["fixed"], **STUDIES[name].get("fixed", {})}
    return merged
