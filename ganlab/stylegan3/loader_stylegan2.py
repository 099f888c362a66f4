"""The StyleGAN2 side of the loader: recognise a StyleGAN2 G_ema and build our generator from data.

A StyleGAN2 synthesis network has blocks b4, b8, ...; a StyleGAN3 one has an `input` layer and
L0..L<N>. The structure decides (the class source text only has to agree), so a file cannot
pass a StyleGAN2 layout off as StyleGAN3 or the other way round.
"""

from __future__ import annotations

from ganlab.stylegan3.kwargs_stylegan2 import check_generator_kwargs, normalize_generator_kwargs
from ganlab.stylegan3.networks_stylegan2 import Generator
from ganlab.stylegan3.safe_pickle import PersistentObject, UnsupportedNetworkError

KIND = "stylegan2"


def synthesis_children(g: PersistentObject) -> dict:
    synthesis = (g.state.get("_modules") or {}).get("synthesis")
    return (synthesis.state.get("_modules") or {}) if isinstance(synthesis, PersistentObject) else {}


def network_kind(g: object) -> str:
    """ "stylegan2" or "stylegan3" for a G_ema PersistentObject; UnsupportedNetworkError otherwise."""
    if not isinstance(g, PersistentObject):
        raise ValueError("G_ema is not a network object")
    children = synthesis_children(g)
    if g.class_name != "Generator":
        raise UnsupportedNetworkError(f"G_ema is a {g.class_name!r}, not a StyleGAN2/3 Generator")
    if "b4" in children and "input" not in children:
        if g.module_kind not in (KIND, "unknown"):
            raise UnsupportedNetworkError(f"G_ema has a StyleGAN2 layout but {g.module_kind} source code")
        return KIND
    if "input" in children and "b4" not in children:
        if g.module_kind not in ("stylegan3", "unknown"):
            raise UnsupportedNetworkError(f"G_ema has a StyleGAN3 layout but {g.module_kind} source code")
        return "stylegan3"
    raise UnsupportedNetworkError("G_ema has neither a StyleGAN2 (b4...) nor a StyleGAN3 (input) synthesis network")


def construct_stylegan2(init_kwargs: dict) -> Generator:
    """Either official kwargs format -> checked, normalised kwargs -> our Generator (weights not yet loaded)."""
    kwargs = normalize_generator_kwargs(init_kwargs)
    check_generator_kwargs(kwargs)
    return Generator(**kwargs)
