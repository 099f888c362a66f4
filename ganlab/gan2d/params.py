"""TrainParams: every knob of the 2D GAN, declared once.

The browser's controls, the CLI's `--set key=value`, the URL hash and the validation
errors all come from this one declaration. Each field carries two extra schema keys:
`x-kind` says whether a change is *hot* (applied at the next optimizer step, weights
kept) or *structural* (the models are rebuilt and `run_id` is bumped), and `x-group`
says where the UI places it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ganlab.gan2d.published import PUBLISHED

DatasetName = Literal[
    "line", "gaussians", "ring", "disjoint", "drawn", "ring8", "grid25", "swiss_roll", "moons", "spiral", "csv"
]
LossName = Literal["minimax", "non_saturating", "least_squares", "wasserstein_gp", "hinge"]
OptimizerName = Literal["sgd", "adam", "rmsprop"]
ActivationName = Literal["relu", "leaky_relu", "tanh", "elu"]
NoiseName = Literal["uniform", "gaussian", "normal", "uniform_centered"]
InitName = Literal["gan_lab", "pytorch", "xavier", "orthogonal", "he", "dcgan"]


def knob(default: Any, description: str, kind: str, group: str, **bounds: Any) -> Any:
    """A pydantic Field with the two ganlab schema extras."""
    return Field(default, description=description, json_schema_extra={"x-kind": kind, "x-group": group}, **bounds)


class TrainParams(BaseModel):
    """All settings of one 2D GAN run. Defaults are GAN Lab's page defaults (the `gan_lab` preset)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- data -------------------------------------------------------------------------------
    dataset: DatasetName = knob("gaussians", "Target distribution the generator learns.", "structural", "data")
    data_noise: float = knob(
        1.0, "Multiplier on the dataset's own noise (drawn points: jitter sd 0.02).", "structural", "data",
        ge=0.0, le=5.0,
    )
    seed: int = knob(0, "Seeds data, noise and initial weights, so a run is reproducible.", "structural", "data",
                     ge=0, le=2**31 - 1)
    batch_size: int = knob(150, "Samples per optimizer step (GAN Lab: 150).", "hot", "training", ge=1, le=4096)
    data_pool: int = knob(
        0, "0: every batch is freshly drawn. N > 0: PacGAN's scheme, a training set of N points drawn once "
        "per run, batches sampled from it with replacement (PacGAN: 100,000).", "structural", "data",
        ge=0, le=1_000_000,
    )

    # --- noise ------------------------------------------------------------------------------
    noise_dim: int = knob(2, "Dimension of the latent noise z (GAN Lab: 1 or 2).", "structural", "noise",
                          ge=1, le=256)
    noise_type: NoiseName = knob(
        "gaussian", "Latent distribution, per dimension. GAN Lab's: uniform = U(0, 1); gaussian = N(0.5, 0.25²) "
        "truncated to [0, 1]. Zero-centred, as in the papers: normal = N(0, 1), i.e. z ~ N(0, I); "
        "uniform_centered = U(−1, 1).", "structural", "noise"
    )

    # --- networks ---------------------------------------------------------------------------
    g_layers: int = knob(2, "Generator hidden layers (GAN Lab's UI shows one fewer).", "structural", "generator",
                         ge=0, le=8)
    g_width: int = knob(8, "Neurons per generator hidden layer.", "structural", "generator", ge=1, le=512)
    g_output: Literal["tanh", "linear"] = knob(
        "tanh", "Generator output: tanh mapped onto the dataset's view box (centre + half-width · tanh), or linear.",
        "structural", "generator"
    )
    d_layers: int = knob(2, "Discriminator hidden layers (GAN Lab's UI shows one fewer).", "structural",
                         "discriminator", ge=0, le=8)
    d_width: int = knob(8, "Neurons per discriminator hidden layer.", "structural", "discriminator", ge=1, le=512)
    activation: ActivationName = knob("relu", "Hidden-layer activation of both networks.", "structural", "generator")
    init: InitName = knob(
        "gan_lab", "Weight initialisation of both networks. gan_lab: N(0, 1/fan_in) (first layer sd 1/√2), zero "
        "biases; pytorch: nn.Linear's default, W and b ~ U(±1/√fan_in); xavier: Glorot uniform, "
        "Var = gain²·2/(fan_in+fan_out); orthogonal: gain · a (semi-)orthogonal matrix; he: N(0, gain²·2/fan_in); "
        "dcgan: N(0, (0.02·gain)²). All but pytorch zero the biases.", "structural", "generator"
    )
    init_gain: float = knob(1.0, "Gain of the xavier, orthogonal, he and dcgan inits (GDPP: orthogonal, 1.4).",
                            "structural", "generator", ge=0.01, le=10.0)
    pack: int = knob(1, "PacGAN packing degree m: D judges m samples jointly.", "structural", "discriminator",
                     ge=1, le=4)

    # --- loss -------------------------------------------------------------------------------
    loss: LossName = knob("non_saturating", "GAN objective (GAN Lab's 'Log loss' is non_saturating).", "hot", "loss")
    real_weight: float = knob(0.95, "Weight of the real term in D's log loss (GAN Lab: 0.95).", "hot", "loss",
                              ge=0.0, le=1.0)
    gp_weight: float = knob(10.0, "WGAN-GP gradient-penalty weight λ (wasserstein_gp only).", "hot", "loss",
                            ge=0.0, le=100.0)
    r1_weight: float = knob(0.0, "R1 penalty γ on D's gradient at real samples (any loss).", "hot", "loss",
                            ge=0.0, le=100.0)

    # --- optimizers -------------------------------------------------------------------------
    g_optimizer: OptimizerName = knob("sgd", "Generator optimizer.", "hot", "generator")
    g_lr: float = knob(0.03, "Generator learning rate.", "hot", "generator", ge=1e-6, le=10.0)
    g_momentum: float = knob(0.0, "Generator momentum (sgd, rmsprop).", "hot", "generator", ge=0.0, le=0.99)
    g_beta1: float = knob(0.9, "Generator Adam β1.", "hot", "generator", ge=0.0, le=0.999)
    g_beta2: float = knob(0.999, "Generator Adam β2.", "hot", "generator", ge=0.0, le=0.9999)
    g_steps: int = knob(1, "Generator updates per epoch (k_G).", "hot", "generator", ge=0, le=20)
    d_optimizer: OptimizerName = knob("sgd", "Discriminator optimizer.", "hot", "discriminator")
    d_lr: float = knob(0.1, "Discriminator learning rate.", "hot", "discriminator", ge=1e-6, le=10.0)
    d_momentum: float = knob(0.0, "Discriminator momentum (sgd, rmsprop).", "hot", "discriminator", ge=0.0, le=0.99)
    d_beta1: float = knob(0.9, "Discriminator Adam β1.", "hot", "discriminator", ge=0.0, le=0.999)
    d_beta2: float = knob(0.999, "Discriminator Adam β2.", "hot", "discriminator", ge=0.0, le=0.9999)
    d_steps: int = knob(2, "Discriminator updates per epoch (k_D).", "hot", "discriminator", ge=0, le=20)

    def patched(self, patch: dict[str, Any]) -> TrainParams:
        """A validated copy with `patch` applied; raises ValidationError and leaves self untouched."""
        return TrainParams.model_validate({**self.model_dump(), **patch})


def field_kind(name: str) -> str:
    extra = TrainParams.model_fields[name].json_schema_extra
    assert isinstance(extra, dict)
    return str(extra["x-kind"])


STRUCTURAL_KEYS = frozenset(k for k in TrainParams.model_fields if field_kind(k) == "structural")
HOT_KEYS = frozenset(TrainParams.model_fields) - STRUCTURAL_KEYS

# GAN Lab's per-dataset presets (shared/reference/ganlab.md §1.2). GAN Lab's "1 hidden layer"
# is really two hidden ReLU layers, hence layers = UI count + 1.
_GAN_LAB_COMMON: dict[str, Any] = {
    "batch_size": 150, "activation": "relu", "g_output": "tanh", "loss": "non_saturating", "real_weight": 0.95,
    "g_optimizer": "sgd", "d_optimizer": "sgd", "g_steps": 1, "pack": 1, "r1_weight": 0.0, "data_noise": 1.0,
    "g_momentum": 0.0, "d_momentum": 0.0, "g_beta1": 0.9, "g_beta2": 0.999, "d_beta1": 0.9, "d_beta2": 0.999,
    "init": "gan_lab", "init_gain": 1.0, "data_pool": 0,
}
PRESETS: dict[str, dict[str, Any]] = {
    "gan_lab": {**_GAN_LAB_COMMON, "dataset": "gaussians", "noise_dim": 2, "noise_type": "gaussian",
                "g_layers": 2, "g_width": 8, "d_layers": 2, "d_width": 8, "d_lr": 0.1, "g_lr": 0.03, "d_steps": 2},
    "gan_lab_line": {**_GAN_LAB_COMMON, "dataset": "line", "noise_dim": 2, "noise_type": "uniform",
                     "g_layers": 2, "g_width": 5, "d_layers": 2, "d_width": 6, "d_lr": 0.03, "g_lr": 0.01,
                     "d_steps": 2},
    "gan_lab_ring": {**_GAN_LAB_COMMON, "dataset": "ring", "noise_dim": 2, "noise_type": "uniform",
                     "g_layers": 2, "g_width": 10, "d_layers": 3, "d_width": 9, "d_lr": 0.1, "g_lr": 0.03,
                     "d_steps": 3},
    "gan_lab_disjoint": {**_GAN_LAB_COMMON, "dataset": "disjoint", "noise_dim": 2, "noise_type": "gaussian",
                         "g_layers": 3, "g_width": 10, "d_layers": 3, "d_width": 11, "d_lr": 0.1, "g_lr": 0.03,
                         "d_steps": 1},
    # A modern, stable recipe for the mode-collapse benchmarks.
    "modern": {"loss": "non_saturating", "real_weight": 1.0, "g_optimizer": "adam", "d_optimizer": "adam",
               "g_lr": 1e-3, "d_lr": 1e-3, "g_beta1": 0.5, "d_beta1": 0.5, "g_layers": 3, "d_layers": 3,
               "g_width": 64, "d_width": 64, "g_output": "linear", "noise_dim": 8, "d_steps": 1, "g_steps": 1,
               "batch_size": 256},
    **PUBLISHED,
}


# GAN Lab re-applies its per-dataset settings whenever a dataset is chosen; the UI offers the
# same, and the mode-collapse benchmarks get the recipe that trains them.
DATASET_PRESETS: dict[str, str] = {
    "line": "gan_lab_line", "gaussians": "gan_lab", "ring": "gan_lab_ring", "disjoint": "gan_lab_disjoint",
    "ring8": "modern", "grid25": "modern",
}

# When a knob has any effect: key -> (the key it depends on, the values under which it applies).
# The engine just ignores a knob that does not apply; the UI greys it out and says why.
APPLIES_WHEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "g_beta1": ("g_optimizer", ("adam",)), "g_beta2": ("g_optimizer", ("adam",)),
    "d_beta1": ("d_optimizer", ("adam",)), "d_beta2": ("d_optimizer", ("adam",)),
    "g_momentum": ("g_optimizer", ("sgd", "rmsprop")), "d_momentum": ("d_optimizer", ("sgd", "rmsprop")),
    "gp_weight": ("loss", ("wasserstein_gp",)),
    "real_weight": ("loss", ("minimax", "non_saturating")),
    "init_gain": ("init", ("xavier", "orthogonal", "he", "dcgan")),
}


def from_preset(preset: str | None, overrides: dict[str, Any] | None = None) -> TrainParams:
    """TrainParams from a named preset plus overrides (both validated together)."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset: unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    return TrainParams.model_validate({**(PRESETS[preset] if preset else {}), **(overrides or {})})


def describe_bounds(name: str) -> str:
    """The allowed values of one field, in words, e.g. '1–256' or 'one of sgd, adam, rmsprop'."""
    prop = TrainParams.model_json_schema()["properties"].get(name, {})
    if "enum" in prop:
        return "one of " + ", ".join(map(str, prop["enum"]))
    if "minimum" in prop or "maximum" in prop:
        return f"{prop.get('minimum', '-inf')}–{prop.get('maximum', 'inf')}"
    return prop.get("type", "any value")


def format_validation_error(error: ValidationError) -> list[dict[str, Any]]:
    """One entry per problem: the field, the offending value, the message and the allowed range."""
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "params"
        allowed = describe_bounds(field) if field in TrainParams.model_fields else "a known TrainParams key"
        problems.append({
            "field": field, "value": item.get("input"), "message": item["msg"], "allowed": allowed,
            "text": f"{field}: {item['msg']} (got {item.get('input')!r}; allowed: {allowed})",
        })
    return problems


def validation_message(error: ValidationError) -> str:
    return "; ".join(p["text"] for p in format_validation_error(error))


# Short UI labels; the one-line descriptions above are the tooltips.
TITLES = {
    "dataset": "Data", "data_noise": "Data noise", "seed": "Seed", "batch_size": "Batch size",
    "noise_dim": "Noise dims", "noise_type": "Noise", "g_layers": "G hidden layers", "g_width": "G neurons",
    "g_output": "G output", "d_layers": "D hidden layers", "d_width": "D neurons", "activation": "Activation",
    "pack": "Packing (PacGAN)", "data_pool": "Training pool", "init": "Init", "init_gain": "Init gain",
    "loss": "Loss", "real_weight": "Real-term weight", "gp_weight": "GP weight λ",
    "r1_weight": "R1 weight γ", "g_optimizer": "G optimizer", "g_lr": "G learning rate",
    "g_momentum": "G momentum", "g_beta1": "G β1", "g_beta2": "G β2", "g_steps": "G steps / epoch",
    "d_optimizer": "D optimizer", "d_lr": "D learning rate", "d_momentum": "D momentum", "d_beta1": "D β1",
    "d_beta2": "D β2", "d_steps": "D steps / epoch",
}


# Readable names for enum options (the slugs stay on the wire, in links and in the CLI).
_OPTIMIZER_LABELS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
ENUM_LABELS = {
    "noise_type": {"uniform": "Uniform U(0, 1)", "gaussian": "Gaussian (GAN Lab)", "normal": "Normal N(0, 1)",
                   "uniform_centered": "Uniform U(−1, 1)"},
    "init": {"gan_lab": "GAN Lab", "pytorch": "PyTorch default", "xavier": "Xavier (Glorot)",
             "orthogonal": "Orthogonal", "he": "He (Kaiming)", "dcgan": "DCGAN N(0, 0.02)"},
    "activation": {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "tanh": "tanh", "elu": "ELU"},
    "g_output": {"tanh": "tanh, onto the view", "linear": "Linear"},
    "g_optimizer": _OPTIMIZER_LABELS,
    "d_optimizer": _OPTIMIZER_LABELS,
}


def param_schema() -> dict[str, Any]:
    """What a UI needs to build every control: TrainParams' JSON schema (each property with
    default, bounds, description, `x-kind` and `x-group`), the presets and the dataset list."""
    from ganlab.gan2d.datasets import dataset_catalog
    from ganlab.gan2d.losses import LOSSES

    schema = TrainParams.model_json_schema()
    for key, prop in schema["properties"].items():
        prop["title"] = TITLES.get(key, prop.get("title", key))
        if key in ENUM_LABELS:
            prop["x-enum-labels"] = ENUM_LABELS[key]
        if key in APPLIES_WHEN:
            other, values = APPLIES_WHEN[key]
            prop["x-applies-when"] = {"key": other, "values": list(values)}
    schema["presets"] = PRESETS
    schema["dataset_presets"] = DATASET_PRESETS
    schema["datasets"] = dataset_catalog()
    schema["losses"] = [{"id": slug, "label": loss.label, "critic": loss.critic} for slug, loss in LOSSES.items()]
    schema["groups"] = ["data", "noise", "generator", "discriminator", "loss", "training"]
    return schema
