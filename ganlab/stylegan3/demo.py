"""A built-in demo network: the official 256x256 StyleGAN3-T architecture with seeded random weights.

Same shape as NVIDIA's stylegan3-t-ffhqu-256x256 (z/w 512, 2 mapping layers, channel_base
16384, channel_max 512, 14 layers + ToRGB, 16 ws), so it exercises the exact code path and
cost of a real model. Nothing is downloaded; the weights are random, so the images are
abstract textures, not faces.
"""

from __future__ import annotations

import torch

from ganlab.stylegan3.networks import Generator

DEMO_CONFIG = dict(
    z_dim=512,
    c_dim=0,
    w_dim=512,
    img_resolution=256,
    img_channels=3,
    mapping_kwargs=dict(num_layers=2),
    channel_base=16384,
    channel_max=512,
    magnitude_ema_beta=0.5 ** (32 / (20 * 1e3)),
)


def build_demo_generator(seed: int = 0) -> Generator:
    """Build the demo G (eval mode, CPU, fp32). About 23 M parameters; builds in well under a second."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(**DEMO_CONFIG)
        with torch.no_grad():
            # A w-dependent input rotation/translation, so seeds differ in pose as well as texture.
            # magnitude_ema keeps its init of 1: demodulated layers hold unit variance, so the
            # image stays in range instead of saturating at the clamps.
            G.synthesis.input.affine.weight.normal_(0, 0.5)
            # Random ToRGB weights give a washed-out image (std ~0.1); stretch it to use the range.
            getattr(G.synthesis, G.synthesis.layer_names[-1]).weight.mul_(3.0)
    return G.eval().requires_grad_(False)
