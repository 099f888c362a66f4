"""Building blocks of the StyleGAN generators: equalised FC layer, mapping network, Fourier input,
and the Generator skeleton that NVIDIA's StyleGAN2 and StyleGAN3 Generators share.

Module, parameter and buffer names are NVIDIA's, so official state_dicts load unchanged.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ganlab.stylegan3.ops import bias_act


class FullyConnectedLayer(nn.Module):
    """Dense layer with the equalised learning rate (weights scaled at run time by lr_mul/sqrt(fan_in))."""

    def __init__(
        self,
        in_features: int,  # input width
        out_features: int,  # output width
        activation: str = "linear",  # "linear" or "lrelu"
        bias: bool = True,  # add a learned bias before the activation
        lr_multiplier: float = 1,  # learning-rate multiplier (0.01 in the mapping network)
        weight_init: float = 1,  # initial std of the weight
        bias_init: float | list[float] = 0,  # initial bias value(s)
    ):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.activation = activation
        self.weight = nn.Parameter(torch.randn([out_features, in_features]) * (weight_init / lr_multiplier))
        bias_init = np.broadcast_to(np.asarray(bias_init, dtype=np.float32), [out_features])
        self.bias = nn.Parameter(torch.from_numpy(bias_init / lr_multiplier)) if bias else None
        self.weight_gain = lr_multiplier / np.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = None if self.bias is None else self.bias.to(x.dtype) * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=self.activation)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, activation={self.activation}"
        )


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale each row to unit root-mean-square."""
    return x * (x.square().mean(1, keepdim=True) + eps).rsqrt()


class MappingNetwork(nn.Module):
    """z (and optional class label c) -> w, broadcast to num_ws copies, with truncation (section 2)."""

    def __init__(
        self,
        z_dim: int,  # latent Z width
        c_dim: int,  # class label width, 0 = unconditional
        w_dim: int,  # intermediate latent W width
        num_ws: int,  # number of W copies handed to synthesis
        num_layers: int = 2,  # FC layers (StyleGAN2 used 8)
        lr_multiplier: float = 0.01,  # learning-rate multiplier of the FC layers
        w_avg_beta: float = 0.998,  # decay of the W running mean tracked during training
    ):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        self.embed = FullyConnectedLayer(c_dim, w_dim) if c_dim > 0 else None
        features = [z_dim + (w_dim if c_dim > 0 else 0)] + [w_dim] * num_layers
        for idx in range(num_layers):
            layer = FullyConnectedLayer(
                features[idx], features[idx + 1], "lrelu", lr_multiplier=lr_multiplier
            )
            setattr(self, f"fc{idx}", layer)
        self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, update_emas=False):
        assert z.ndim == 2 and z.shape[1] == self.z_dim, z.shape
        x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            assert c is not None and c.shape == (z.shape[0], self.c_dim), None if c is None else c.shape
            x = torch.cat([x, normalize_2nd_moment(self.embed(c.to(torch.float32)))], dim=1)
        for idx in range(self.num_layers):
            x = getattr(self, f"fc{idx}")(x)
        x = x.unsqueeze(1).repeat([1, self.num_ws, 1])  # [N, num_ws, w_dim]
        if truncation_psi != 1:
            cutoff = self.num_ws if truncation_cutoff is None else truncation_cutoff
            x[:, :cutoff] = self.w_avg.lerp(x[:, :cutoff], truncation_psi)
        return x

    def extra_repr(self) -> str:
        return f"z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, num_ws={self.num_ws}"


class SynthesisInput(nn.Module):
    """Fourier features on a grid, rotated/translated by w and the user transform (section 3.1)."""

    def __init__(
        self,
        w_dim: int,  # intermediate latent W width
        channels: int,  # number of Fourier features
        size: int,  # grid side in samples, margin included
        sampling_rate: float,  # samples per unit length (the image spans one unit)
        bandwidth: float,  # radius of the frequency disc (cutoff f_c of layer 0)
    ):
        super().__init__()
        self.w_dim, self.channels = w_dim, channels
        self.size = np.broadcast_to(np.asarray(size), [2])
        self.sampling_rate, self.bandwidth = sampling_rate, bandwidth
        # Frequencies uniform over a disc of radius `bandwidth`, phases uniform in cycles.
        freqs = torch.randn([channels, 2])
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs /= radii * radii.square().exp().pow(0.25)
        freqs *= bandwidth
        self.weight = nn.Parameter(torch.randn([channels, channels]))
        self.affine = FullyConnectedLayer(w_dim, 4, weight_init=0, bias_init=[1, 0, 0, 0])
        self.register_buffer("transform", torch.eye(3, 3))  # user's *inverse* transform of the image
        self.register_buffer("freqs", freqs)
        self.register_buffer("phases", torch.rand([channels]) - 0.5)
        # Sample positions (i + 0.5 - size/2) / rate: the centre `rate` samples span [-0.5, 0.5].
        self.register_buffer("grid_x", self._positions(int(self.size[0])), persistent=False)
        self.register_buffer("grid_y", self._positions(int(self.size[1])), persistent=False)

    def _positions(self, n: int) -> torch.Tensor:
        return ((torch.arange(n, dtype=torch.float64) + 0.5 - n / 2) / self.sampling_rate).float()

    def _transforms(self, w: torch.Tensor) -> torch.Tensor:
        """Per-sample inverse transforms: learned rotation, learned translation, then the user's."""
        t = self.affine(w)  # [N, 4] = (r_c, r_s, t_x, t_y)
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        n = w.shape[0]
        m_r = torch.eye(3, device=w.device).repeat([n, 1, 1])
        m_r[:, 0, 0], m_r[:, 0, 1], m_r[:, 1, 0], m_r[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
        m_t = torch.eye(3, device=w.device).repeat([n, 1, 1])
        m_t[:, 0, 2], m_t[:, 1, 2] = -t[:, 2], -t[:, 3]
        return m_r @ m_t @ self.transform.unsqueeze(0)  # [N, 3, 3]

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        assert w.ndim == 2 and w.shape[1] == self.w_dim, w.shape
        transforms = self._transforms(w)
        freqs = self.freqs.unsqueeze(0) @ transforms[:, :2, :2]  # [N, C, 2]
        phases = self.phases.unsqueeze(0) + (self.freqs.unsqueeze(0) @ transforms[:, :2, 2:]).squeeze(
            2
        )  # [N, C]
        # Fade out features that the user transform pushed beyond the band limit.
        amplitudes = (
            1 - (freqs.norm(dim=2) - self.bandwidth) / (self.sampling_rate / 2 - self.bandwidth)
        ).clamp(0, 1)
        x = (
            self.grid_x[None, None, :, None] * freqs[:, None, None, :, 0]
            + self.grid_y[None, :, None, None] * freqs[:, None, None, :, 1]
        )  # [N, H, W, C]
        x = torch.sin((x + phases[:, None, None, :]) * (np.pi * 2)) * amplitudes[:, None, None, :]
        x = x @ (self.weight / np.sqrt(self.channels)).t()
        x = x.permute(0, 3, 1, 2)  # [N, C, H, W]
        assert x.shape[1:] == (self.channels, int(self.size[1]), int(self.size[0])), x.shape
        return x

    def extra_repr(self) -> str:
        return (
            f"w_dim={self.w_dim}, channels={self.channels}, size={list(self.size)},\n"
            f"sampling_rate={self.sampling_rate:g}, bandwidth={self.bandwidth:g}"
        )


class StyleGenerator(nn.Module):
    """z, c -> mapping -> ws -> synthesis -> image, with the constructor kwargs recorded as NVIDIA's
    persistence does. A subclass names its `synthesis_class` and `mapping_class`; the two
    generations differ only there (their mapping networks take different kwargs, as NVIDIA's do)."""

    synthesis_class: type[nn.Module]
    mapping_class: type[nn.Module]

    def __init__(
        self,
        z_dim: int,  # latent Z width
        c_dim: int,  # class label width, 0 = unconditional
        w_dim: int,  # intermediate latent W width
        img_resolution: int,  # output resolution
        img_channels: int,  # output colour channels
        mapping_kwargs: dict | None = None,  # MappingNetwork arguments (num_layers, lr_multiplier, ...)
        **synthesis_kwargs,  # SynthesisNetwork (and its blocks' and layers') arguments
    ):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        mapping_kwargs = dict(mapping_kwargs or {})
        self.init_kwargs = dict(
            z_dim=z_dim,
            c_dim=c_dim,
            w_dim=w_dim,
            img_resolution=img_resolution,
            img_channels=img_channels,
            mapping_kwargs=dict(mapping_kwargs),
            **synthesis_kwargs,
        )
        self.synthesis = self.synthesis_class(
            w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels, **synthesis_kwargs
        )
        self.num_ws = self.synthesis.num_ws
        self.mapping = self.mapping_class(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws, **mapping_kwargs)

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, update_emas=False, **synthesis_kwargs):
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, **synthesis_kwargs)
