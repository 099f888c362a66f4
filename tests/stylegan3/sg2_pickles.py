"""Official-layout StyleGAN2 / StyleGAN2-ADA pickles from committed numbers, without NVIDIA's code.

Same mechanism as sg3_pickles.py (persistent objects with meta, torch's tensor reduce); here the
G_ema carries the kwargs exactly as the official constructor recorded them (ADA nests
`synthesis_kwargs`), optionally the first five as positional `_init_args`, and the plain
attributes the official blocks keep (Python ints/bools/strings).
"""

from __future__ import annotations

import collections

import torch
from sg3_pickles import STYLEGAN2_SRC, EasyDict, Persistent, module_state

from ganlab.stylegan3.kwargs_stylegan2 import GENERATOR_ARGS

ADA_SRC = (
    '"""dummy stylegan2-ada-pytorch training/networks.py for tests"""\n'
    "class MappingNetwork: pass\nclass SynthesisBlock: pass\nclass DiscriminatorBlock: pass\n"
)


def _easy(value):
    if isinstance(value, dict):
        return EasyDict({k: _easy(v) for k, v in value.items()})
    return value


def _add_block_attributes(obj: Persistent, module: torch.nn.Module) -> None:
    state = obj.meta["state"]
    for name in ("resolution", "architecture", "use_fp16", "is_last", "in_channels", "num_conv", "num_torgb"):
        if hasattr(module, name):
            state[name] = getattr(module, name)
    for name, child in module._modules.items():
        _add_block_attributes(state["_modules"][name], child)


def sg2_generator_object(G, official_kwargs: dict, module_src: str = STYLEGAN2_SRC, positional: bool = False):
    """G_ema as the official persistence stores it: class Generator, its recorded kwargs and state."""
    kwargs = _easy(dict(official_kwargs))
    args = ()
    if positional:
        args = tuple(kwargs.pop(k) for k in GENERATOR_ARGS)
    state = module_state(G, kwargs)
    state["_init_args"] = args
    obj = Persistent("Generator", state, module_src)
    # module_state names children by our class names; they are the official ones too.
    _add_block_attributes(obj, G)
    return obj


def sg2_snapshot(G, official_kwargs: dict, ada: bool, positional: bool = False) -> dict:
    src = ADA_SRC if ada else STYLEGAN2_SRC
    d_state = module_state(torch.nn.Module())
    d_state["_parameters"] = collections.OrderedDict(b4_fc=torch.nn.Parameter(torch.randn(4, 8)))
    return {
        "G": sg2_generator_object(G, official_kwargs, src, positional),
        "D": Persistent("Discriminator", d_state, src),
        "G_ema": sg2_generator_object(G, official_kwargs, src, positional),
        "augment_pipe": None,
        "training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset", "resolution": G.img_resolution},
    }
