"""ganlab: GAN Lab rebuilt in Python, plus a StyleGAN3 generator that runs on a laptop CPU."""

__version__ = "0.1.0"
