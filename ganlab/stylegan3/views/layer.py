"""The layer view's channel picking and statistics.

A feature map [C, H, W] is shown one channel as grey or three as RGB. Channels can be taken in
index order (as the official widget) or in order of energy (root mean square, strongest first),
so a user finds the channels that carry signal instead of stepping through hundreds of quiet
ones. Statistics follow the official widget: mean, std and max |v| over all channels and over
the shown ones, plus each shown channel's own numbers and the strongest channels of the layer.
"""

from __future__ import annotations

import torch

ORDERS = ("index", "energy")
TOP_CHANNELS = 12  # strongest channels listed for picking


def channel_energy(feat: torch.Tensor) -> torch.Tensor:
    """RMS of each channel of feat [C, H, W] -> [C]."""
    assert feat.ndim == 3, feat.shape
    return feat.float().square().mean(dim=(1, 2)).sqrt()


def channel_order(feat: torch.Tensor, order: str) -> torch.Tensor:
    """Channel indices [C] in display order: 0..C-1, or strongest RMS first (ties by index)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    count = feat.shape[0]
    if order == "index":
        return torch.arange(count)
    energy = channel_energy(feat).double().cpu()
    # Stable sort on -energy keeps equal-energy channels in index order: repeatable links.
    return torch.sort(-energy, stable=True).indices


def pick_channels(feat: torch.Tensor, first: int, rgb: bool, order: str = "index") -> list[int]:
    """The shown channels: 3 (rgb, when the layer has 3) or 1, starting at rank `first` of `order`."""
    n = 3 if rgb and feat.shape[0] >= 3 else 1
    ranked = channel_order(feat, order)
    start = max(0, min(int(first), feat.shape[0] - n))
    return [int(i) for i in ranked[start : start + n]]


def _summary(x: torch.Tensor) -> dict:
    return {
        "mean": float(x.mean()),
        "std": float(x.std()) if x.numel() > 1 else 0.0,
        "max_abs": float(x.abs().max()),
        "rms": float(x.square().mean().sqrt()),
    }


def layer_stats(feat: torch.Tensor, shown: list[int]) -> dict:
    """Statistics for the layer panel: `all` and `selected` (mean, std, max_abs, rms), the same
    `per_channel` for each shown channel, and `top`: the strongest channels as [index, rms]."""
    feat = feat.float()
    energy = channel_energy(feat)
    top = torch.sort(-energy.double().cpu(), stable=True).indices[:TOP_CHANNELS]
    return {
        "all": _summary(feat),
        "selected": _summary(feat[shown]),
        "per_channel": [{"index": c, **_summary(feat[c])} for c in shown],
        "top": [[int(c), float(energy[c])] for c in top],
    }


def scale_channels(x: torch.Tensor, normalize: bool, gain_db: float) -> torch.Tensor:
    """Shown channels [n, H, W] -> values for display: each divided by its max |v| when
    normalising (the official 'Normalize'), then times the gain (10^(dB/20))."""
    if normalize:
        x = x / x.abs().amax(dim=(1, 2), keepdim=True).clamp(1e-8, 1e8)
    return x * 10 ** (gain_db / 20)
