"""StyleGAN3 ops in pure PyTorch (CPU and CUDA, no compiled extensions).

Each op has a reference path that follows the official reference algorithm step by step,
and the filtered leaky ReLU and modulated convolution also have a fast path that computes the
same function with less work. `IMPLS` names both; a layer picks one once at construction
(`Generator.set_impl`) and tests/stylegan3/test_ops.py holds the parity tests.
"""

from ganlab.stylegan3.ops.bias_act import bias_act
from ganlab.stylegan3.ops.filtered_lrelu import filtered_lrelu, filtered_lrelu_fast, filtered_lrelu_ref
from ganlab.stylegan3.ops.modulated_conv import modulated_conv2d, modulated_conv2d_fast, modulated_conv2d_ref
from ganlab.stylegan3.ops.upfirdn2d import upfirdn2d

IMPLS = ("fast", "ref")

__all__ = [
    "IMPLS",
    "bias_act",
    "filtered_lrelu",
    "filtered_lrelu_fast",
    "filtered_lrelu_ref",
    "modulated_conv2d",
    "modulated_conv2d_fast",
    "modulated_conv2d_ref",
    "upfirdn2d",
]
