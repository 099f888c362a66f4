"""GAN objectives on D's logits, with their gradients, for the fast numpy path.

Each loss returns its value and dL/dlogit, averaged over the batch. D's probability is
sigmoid(logit) for the log and least-squares losses; the Wasserstein and hinge losses
treat the logit as an unbounded critic score. `real_weight` scales the real-sample term of
the log losses, as GAN Lab's 0.95 does (shared/reference/ganlab.md §1.3).
torch_path.py states the same formulas in PyTorch, and tests check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sigmoid(h: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * h))  # no overflow for large |h|


def softplus(h: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, h)


Grads = tuple[float, np.ndarray, np.ndarray]


def _log_d(hr: np.ndarray, hf: np.ndarray, w: float) -> Grads:
    # L_D = -[w mean log D(x) + mean log(1 - D(G(z)))],  log D = -softplus(-h), log(1-D) = -softplus(h)
    n_r, n_f = len(hr), len(hf)
    value = w * softplus(-hr).mean() + softplus(hf).mean()
    return float(value), -w * (1 - sigmoid(hr)) / n_r, sigmoid(hf) / n_f


def _ls_d(hr: np.ndarray, hf: np.ndarray, w: float) -> Grads:
    # L_D = mean (D(x) - 1)^2 + mean D(G(z))^2, with D the sigmoid output as in GAN Lab
    sr, sf = sigmoid(hr), sigmoid(hf)
    value = ((sr - 1) ** 2).mean() + (sf**2).mean()
    return float(value), 2 * (sr - 1) * sr * (1 - sr) / len(hr), 2 * sf * sf * (1 - sf) / len(hf)


def _wasserstein_d(hr: np.ndarray, hf: np.ndarray, w: float) -> Grads:
    # L_D = mean D(G(z)) - mean D(x); the gradient penalty is added by the PyTorch path
    return float(hf.mean() - hr.mean()), np.full_like(hr, -1 / len(hr)), np.full_like(hf, 1 / len(hf))


def _hinge_d(hr: np.ndarray, hf: np.ndarray, w: float) -> Grads:
    # L_D = mean relu(1 - D(x)) + mean relu(1 + D(G(z)))
    value = np.maximum(1 - hr, 0).mean() + np.maximum(1 + hf, 0).mean()
    return float(value), -(hr < 1).astype(hr.dtype) / len(hr), (hf > -1).astype(hf.dtype) / len(hf)


def _minimax_g(hf: np.ndarray) -> tuple[float, np.ndarray]:
    # L_G = mean log(1 - D(G(z))) = -mean softplus(h): the saturating original
    return float(-softplus(hf).mean()), -sigmoid(hf) / len(hf)


def _non_saturating_g(hf: np.ndarray) -> tuple[float, np.ndarray]:
    # L_G = -mean log D(G(z))
    return float(softplus(-hf).mean()), -(1 - sigmoid(hf)) / len(hf)


def _ls_g(hf: np.ndarray) -> tuple[float, np.ndarray]:
    sf = sigmoid(hf)
    return float(((sf - 1) ** 2).mean()), 2 * (sf - 1) * sf * (1 - sf) / len(hf)


def _critic_g(hf: np.ndarray) -> tuple[float, np.ndarray]:
    # L_G = -mean D(G(z)), for the Wasserstein and hinge critics
    return float(-hf.mean()), np.full_like(hf, -1 / len(hf))


@dataclass(frozen=True)
class Loss:
    slug: str
    label: str
    d: object  # (hr, hf, real_weight) -> (value, dL/dhr, dL/dhf)
    g: object  # (hf) -> (value, dL/dhf)
    critic: bool  # True: D's output is an unbounded score, not a logit of a probability


LOSSES: dict[str, Loss] = {
    "minimax": Loss("minimax", "Minimax (saturating)", _log_d, _minimax_g, False),
    "non_saturating": Loss("non_saturating", "Log loss (non-saturating)", _log_d, _non_saturating_g, False),
    "least_squares": Loss("least_squares", "Least squares", _ls_d, _ls_g, False),
    "wasserstein_gp": Loss("wasserstein_gp", "Wasserstein + gradient penalty", _wasserstein_d, _critic_g, True),
    "hinge": Loss("hinge", "Hinge", _hinge_d, _critic_g, True),
}
