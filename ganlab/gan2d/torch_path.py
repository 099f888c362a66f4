"""The PyTorch reference path: the same networks and losses, differentiated by autograd.

It wraps the numpy weight buffers with `torch.from_numpy` (no copy), so both paths share
one set of weights. The trainer uses it where hand-written gradients would be unreasonable
(the WGAN-GP and R1 penalties need gradients of gradients) and when asked for
backend="torch"; tests use it as the oracle for the fast numpy path.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ganlab.gan2d.models import LEAKY_SLOPE, MLP
from ganlab.gan2d.params import TrainParams


def _act(name: str, h: torch.Tensor) -> torch.Tensor:
    if name == "relu":
        return torch.relu(h)
    if name == "leaky_relu":
        return F.leaky_relu(h, LEAKY_SLOPE)
    if name == "tanh":
        return torch.tanh(h)
    return F.elu(h)


def leaves(net: MLP) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(W, b) pairs as autograd leaves that share memory with the numpy buffers."""
    return [(torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_())
            for w, b in zip(net.weights, net.biases, strict=True)]


def forward(net: MLP, params: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor) -> torch.Tensor:
    for idx, (w, b) in enumerate(params):
        x = x @ w + b
        if idx < len(params) - 1:
            x = _act(net.activation, x)
    if net.output != "tanh":
        return x
    return torch.tanh(x) * x.new_tensor(net.output_half) + x.new_tensor(net.output_center)


def d_loss(loss: str, hr: torch.Tensor, hf: torch.Tensor, real_weight: float) -> torch.Tensor:
    if loss in ("minimax", "non_saturating"):
        return real_weight * F.softplus(-hr).mean() + F.softplus(hf).mean()
    if loss == "least_squares":
        return ((torch.sigmoid(hr) - 1) ** 2).mean() + (torch.sigmoid(hf) ** 2).mean()
    if loss == "wasserstein_gp":
        return hf.mean() - hr.mean()
    return torch.relu(1 - hr).mean() + torch.relu(1 + hf).mean()  # hinge


def g_loss(loss: str, hf: torch.Tensor) -> torch.Tensor:
    if loss == "minimax":
        return -F.softplus(hf).mean()
    if loss == "non_saturating":
        return F.softplus(-hf).mean()
    if loss == "least_squares":
        return ((torch.sigmoid(hf) - 1) ** 2).mean()
    return -hf.mean()


def _input_grad(D: MLP, d_params: list, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_()
    out = forward(D, d_params, x).sum()
    return torch.autograd.grad(out, x, create_graph=True)[0]  # [B, 2m]


def d_grads(D: MLP, real: np.ndarray, fake: np.ndarray, p: TrainParams, gp_rng: np.random.Generator) -> float:
    """Writes dL_D/dθ_D into D.grad and returns L_D, penalties included."""
    d_params = leaves(D)
    xr, xf = torch.from_numpy(np.ascontiguousarray(real)), torch.from_numpy(np.ascontiguousarray(fake))
    hr, hf = forward(D, d_params, xr)[:, 0], forward(D, d_params, xf)[:, 0]
    total = d_loss(p.loss, hr, hf, p.real_weight)
    if p.loss == "wasserstein_gp" and p.gp_weight > 0:
        # WGAN-GP: (‖∇D(x̂)‖ - 1)² on random interpolates between real and fake rows
        eps = torch.from_numpy(gp_rng.random((len(real), 1), dtype=np.float32))
        grad = _input_grad(D, d_params, eps * xr + (1 - eps) * xf)
        total = total + p.gp_weight * ((grad.norm(dim=1) - 1) ** 2).mean()
    if p.r1_weight > 0:
        # R1: γ/2 · E‖∇D(x_real)‖²
        grad = _input_grad(D, d_params, xr)
        total = total + 0.5 * p.r1_weight * grad.pow(2).sum(dim=1).mean()
    total.backward()
    _write_grads(D, d_params)
    return float(total.detach())


def g_grads(G: MLP, D: MLP, z: np.ndarray, p: TrainParams) -> float:
    """Writes dL_G/dθ_G into G.grad and returns L_G."""
    g_params = leaves(G)
    d_params = [(w.detach(), b.detach()) for w, b in leaves(D)]
    fake = forward(G, g_params, torch.from_numpy(np.ascontiguousarray(z))).reshape(-1, 2 * p.pack)
    total = g_loss(p.loss, forward(D, d_params, fake)[:, 0])
    total.backward()
    _write_grads(G, g_params)
    return float(total.detach())


def _write_grads(net: MLP, params: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    for (w, b), gw, gb in zip(params, net.grad_weights, net.grad_biases, strict=True):
        gw[...] = w.grad.numpy()
        gb[...] = b.grad.numpy()
