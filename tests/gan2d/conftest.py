"""The engine's tiny tensors never gain from threads, and threads contend with other tests."""

from ganlab.gan2d.threads import single_thread

single_thread()
