"""SGD, Adam and RMSprop on a network's flat parameter buffer, with PyTorch's update rules.

One update is a few vectorised ops on the whole network, instead of a Python loop over
parameter tensors. Hyper-parameters are read at every step, so learning-rate and beta changes
are hot; switching the optimizer kind starts fresh state (as GAN Lab does).
"""

from __future__ import annotations

import numpy as np

RMSPROP_ALPHA = 0.99  # PyTorch's default smoothing constant
EPS = 1e-8


class Optimizer:
    """Optimizer state for one flat parameter buffer."""

    def __init__(self, kind: str, size: int) -> None:
        if kind not in ("sgd", "adam", "rmsprop"):
            raise ValueError(f"optimizer: unknown optimizer {kind!r}")
        self.kind = kind
        self.t = 0
        self.buf = np.zeros(size, dtype=np.float32)  # momentum, or Adam's first moment
        self.sq = np.zeros(size, dtype=np.float32)  # Adam's / RMSprop's second moment

    def step(self, param: np.ndarray, grad: np.ndarray, lr: float, momentum: float, beta1: float,
             beta2: float) -> None:
        self.t += 1
        if self.kind == "sgd":
            self._sgd(param, grad, lr, momentum)
        elif self.kind == "adam":
            self._adam(param, grad, lr, beta1, beta2)
        else:
            self._rmsprop(param, grad, lr, momentum)

    def _sgd(self, param: np.ndarray, grad: np.ndarray, lr: float, momentum: float) -> None:
        if momentum == 0:
            param -= lr * grad
            return
        # PyTorch seeds the momentum buffer with the first gradient.
        self.buf[...] = grad if self.t == 1 else momentum * self.buf + grad
        param -= lr * self.buf

    def _adam(self, param: np.ndarray, grad: np.ndarray, lr: float, beta1: float, beta2: float) -> None:
        self.buf *= beta1
        self.buf += (1 - beta1) * grad
        self.sq *= beta2
        self.sq += (1 - beta2) * grad * grad
        step = lr / (1 - beta1**self.t)
        denom = np.sqrt(self.sq / (1 - beta2**self.t)) + EPS
        param -= step * self.buf / denom

    def _rmsprop(self, param: np.ndarray, grad: np.ndarray, lr: float, momentum: float) -> None:
        self.sq *= RMSPROP_ALPHA
        self.sq += (1 - RMSPROP_ALPHA) * grad * grad
        scaled = grad / (np.sqrt(self.sq) + EPS)
        if momentum > 0:
            self.buf *= momentum
            self.buf += scaled
            scaled = self.buf
        param -= lr * scaled

    def state(self) -> dict[str, np.ndarray]:
        return {"buf": self.buf, "sq": self.sq}

    def load(self, t: int, arrays: dict[str, np.ndarray]) -> None:
        self.t = t
        self.buf[...] = arrays["buf"]
        self.sq[...] = arrays["sq"]
