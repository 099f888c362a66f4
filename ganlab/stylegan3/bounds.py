"""Sane bounds for everything a network file declares, checked before anything is built.

A network file is untrusted input. Its few hundred bytes can declare a structure whose
expansion, or a network whose construction, takes gigabytes. So every decoder works
against a budget (`DecodeBudget`), and the constructor arguments a file records are
checked against the table of their architecture (`check_generator_kwargs`) before a
single layer is allocated. The bounds are generous: the largest official networks
(StyleGAN3-R 1024x1024) sit far inside them. See docs/stylegan3.md, "Safe loading".

Adding an architecture is one `KwargRule` table plus one parameter estimate, registered
in `GENERATOR_RULES` under the kind passed to `check_generator_kwargs`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ganlab.stylegan3.errors import NetworkBoundsError

# ---- decoding budgets (per file) ---------------------------------------------------------
# A 256x256 StyleGAN3-T snapshot (G, G_ema, a stub D) is ~11,000 pickle opcodes; 1024x1024 ones have
# as many tensors (the layer count does not grow), plus a larger D. Each opcode makes at most
# one object, so this also bounds the objects in memory; 250,000 decode in about 0.5-1 s.
MAX_PICKLE_OPCODES = 250_000
# Plain values walked by to_plain (kwargs, training_set_kwargs): real ones have ~30 nodes.
MAX_PLAIN_NODES = 100_000
MAX_PLAIN_BYTES = 1 << 20  # characters of all strings/bytes in one plain structure
MAX_DEPTH = 32  # nesting of plain values and of modules (real: 4 levels)
MAX_MODULES = 100_000  # network modules walked per file (real: a few hundred)
MAX_TENSOR_DIMS = 8
# Tensors may view their storage but not exceed it: all tensors together may take at most the
# bytes of the storages decoded so far plus this slack (for small shared buffers).
TENSOR_SLACK_BYTES = 1 << 20
MAX_TENSOR_BYTES = 8 << 30  # hard cap on all tensors of one file (a 1024x1024 R snapshot: ~1 GB)
MAX_HEADER_BYTES = 1 << 20  # a .safetensors JSON header read to list a model (real: ~50 KB)
# Estimated parameters of a generator built from a file's kwargs (official 1024x1024 T: ~22 M).
MAX_GENERATOR_PARAMS = 200_000_000


class DecodeBudget:
    """Counts what one file's decoders produce; NetworkBoundsError when a budget runs out."""

    def __init__(self) -> None:
        self.opcodes = 0
        self.storage_bytes = 0
        self.tensor_bytes = 0

    def opcode(self) -> None:
        self.opcodes += 1
        if self.opcodes > MAX_PICKLE_OPCODES:
            raise NetworkBoundsError(
                f"more than {MAX_PICKLE_OPCODES:,} pickle operations: far more than any real network"
            )

    def storage(self, nbytes: int) -> None:
        self.storage_bytes += nbytes

    def tensor(self, nbytes: int) -> None:
        self.tensor_bytes += nbytes
        allowed = min(self.storage_bytes + TENSOR_SLACK_BYTES, MAX_TENSOR_BYTES)
        if self.tensor_bytes > allowed:
            raise NetworkBoundsError(
                f"the tensors take {self.tensor_bytes:,} bytes, more than their storages hold "
                f"({self.storage_bytes:,} bytes): storages are shared or viewed more than once"
            )


# ---- constructor kwargs ------------------------------------------------------------------
@dataclass(frozen=True)
class KwargRule:
    """What one constructor argument may be: 'int', 'float', 'bool', 'int|None', 'float|None'."""

    kind: str
    low: float | None = None
    high: float | None = None
    power_of_two: bool = False

    def check(self, name: str, value: object) -> None:
        kinds = self.kind.split("|")
        if value is None:
            if "None" not in kinds:
                raise NetworkBoundsError(f"constructor argument {name} is None; expected {self.describe()}")
            return
        is_bool = isinstance(value, bool)
        ok = (
            ("bool" in kinds and is_bool)
            or ("int" in kinds and isinstance(value, int) and not is_bool)
            or ("float" in kinds and isinstance(value, int | float) and not is_bool and _finite(value))
        )
        if not ok or (not is_bool and not self._in_range(value)):
            raise NetworkBoundsError(
                f"constructor argument {name}={_short(value)} is out of bounds: expected {self.describe()}"
            )

    def _in_range(self, value) -> bool:
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            return False
        return not self.power_of_two or (value > 0 and int(value) & (int(value) - 1) == 0)

    def describe(self) -> str:
        text = {"int": "a whole number", "float": "a finite number", "bool": "true or false"}.get(
            self.kind.split("|")[0], self.kind
        )
        if self.power_of_two:
            text = "a power of two"
        if self.low is not None or self.high is not None:
            text += f" from {_num(self.low)} to {_num(self.high)}"
        return text + (" or None" if "None" in self.kind else "")


def _finite(x: int | float) -> bool:
    return isinstance(x, int) or math.isfinite(x)


def _num(x) -> str:
    return "-inf" if x is None else f"{x:g}" if isinstance(x, float) else f"{x:,}"


def _short(value: object) -> str:
    text = repr(value) if isinstance(value, int | float | bool | str) else f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


_FRACTION = KwargRule("float", 0.0, 1.0)
_POSITIVE = KwargRule("float", 1e-6, 1e6)
# StyleGAN3 Generator (official networks_stylegan3.py names): top level, synthesis and layers.
SG3_KWARGS = {
    "z_dim": KwargRule("int", 1, 4096),
    "c_dim": KwargRule("int", 0, 100_000),
    "w_dim": KwargRule("int", 1, 4096),
    "img_resolution": KwargRule("int", 4, 2048, power_of_two=True),
    "img_channels": KwargRule("int", 1, 4),
    "channel_base": KwargRule("int", 1, 1 << 20),
    "channel_max": KwargRule("int", 1, 2048),
    "num_layers": KwargRule("int", 1, 64),
    "num_critical": KwargRule("int", 0, 64),
    "first_cutoff": _POSITIVE,
    "first_stopband": _POSITIVE,
    "last_stopband_rel": _POSITIVE,
    "margin_size": KwargRule("int", 0, 256),
    "output_scale": KwargRule("float", -1e6, 1e6),
    "num_fp16_res": KwargRule("int", 0, 16),
    "conv_kernel": KwargRule("int", 1, 7),
    "filter_size": KwargRule("int", 1, 32),
    "lrelu_upsampling": KwargRule("int", 1, 8),
    "use_radial_filters": KwargRule("bool"),
    "conv_clamp": KwargRule("float|None", 0.0, 1e9),
    "magnitude_ema_beta": _FRACTION,
}
SG3_MAPPING_KWARGS = {
    "num_layers": KwargRule("int", 1, 32),
    "lr_multiplier": KwargRule("float", 0.0, 1e6),
    "w_avg_beta": _FRACTION,
}


def _sg3_params(kw: dict) -> int:
    """An upper bound on a StyleGAN3 generator's parameters: every layer at channel_max."""
    z, w, c = kw.get("z_dim", 512), kw.get("w_dim", 512), kw.get("c_dim", 0)
    mapping = (kw.get("mapping_kwargs") or {}).get("num_layers", 2)
    ch, k = kw.get("channel_max", 512), kw.get("conv_kernel", 3)
    layers = kw.get("num_layers", 14) + 1  # + ToRGB
    mapping_params = (z + w) * w + (mapping - 1) * w * w + c * w
    return mapping_params + layers * (ch * ch * k * k + w * ch) + w * 4 + ch * ch


@dataclass(frozen=True)
class GeneratorRules:
    """One architecture's constructor bounds: top-level and mapping kwargs, a parameter estimate."""

    kwargs: dict[str, KwargRule]
    mapping_kwargs: dict[str, KwargRule]
    required: tuple[str, ...]
    estimate_params: Callable[[dict], int]


GENERATOR_RULES: dict[str, GeneratorRules] = {
    "stylegan3": GeneratorRules(
        SG3_KWARGS, SG3_MAPPING_KWARGS, ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels"), _sg3_params
    ),
}


def _check_table(kwargs: object, table: dict[str, KwargRule], where: str) -> None:
    if not isinstance(kwargs, dict):
        raise NetworkBoundsError(f"{where} must be a dict of constructor arguments, not {type(kwargs).__name__}")
    for name, value in kwargs.items():
        rule = table.get(name) if isinstance(name, str) else None
        if rule is None:
            raise NetworkBoundsError(
                f"unknown {where} argument {_short(name)}; known: {', '.join(sorted(table))}"
            )
        rule.check(name if where == "constructor" else f"mapping_kwargs.{name}", value)


def check_generator_kwargs(kind: str, kwargs: object) -> dict:
    """Refuse (NetworkBoundsError) constructor kwargs of architecture `kind` that are unknown,
    of the wrong type, out of bounds, or that would build an absurdly large network; else
    return them unchanged. Cheap: nothing is built."""
    rules = GENERATOR_RULES.get(kind)
    if rules is None:
        raise NetworkBoundsError(f"no constructor bounds for architecture {kind!r}")
    top = {k: v for k, v in kwargs.items() if k != "mapping_kwargs"} if isinstance(kwargs, dict) else kwargs
    _check_table(top, rules.kwargs, "constructor")
    _check_table(kwargs.get("mapping_kwargs") or {}, rules.mapping_kwargs, "mapping_kwargs")
    missing = [name for name in rules.required if name not in kwargs]
    if missing:
        raise NetworkBoundsError(f"constructor arguments missing: {', '.join(missing)}")
    if kwargs.get("num_critical", 0) > kwargs.get("num_layers", 14):
        raise NetworkBoundsError("constructor argument num_critical is larger than num_layers")
    params = rules.estimate_params(kwargs)
    if params > MAX_GENERATOR_PARAMS:
        raise NetworkBoundsError(
            f"the constructor arguments describe a generator of about {params:,} parameters, "
            f"more than the {MAX_GENERATOR_PARAMS:,} allowed (official 1024x1024 ones have tens of millions)"
        )
    return kwargs
