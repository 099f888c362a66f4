"""StyleGAN3 tests run on the CPU with few threads: the models are tiny and the machine is shared."""

import torch

torch.set_num_threads(1)
