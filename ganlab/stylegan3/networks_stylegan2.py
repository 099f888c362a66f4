"""StyleGAN2 generator ("Analyzing and Improving the Image Quality of StyleGAN", Karras et al. 2020).

Written from the paper and the published parameter layout: constructors take the keyword
arguments of NVIDIA's stylegan3-repo `training.networks_stylegan2.Generator` and register the
same parameter and buffer names and shapes, so official state_dicts load with strict=True.
stylegan2-ada-pytorch's `training.networks.Generator` kwargs are normalised to this form by
`kwargs_stylegan2.normalize_generator_kwargs` before they get here.

Synthesis is a pyramid of blocks b4, b8, ... b<img_resolution>: a learned 4x4 constant, then per
block a 2x up-sampling modulated conv (conv0), a modulated conv (conv1) and, depending on the
architecture, a 1x1 ToRGB whose images are summed across scales (skip), a residual 1x1 path
(resnet), or neither (orig: ToRGB on the last block only).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ganlab.stylegan3.layers import FullyConnectedLayer, StyleGenerator, normalize_2nd_moment
from ganlab.stylegan3.ops import bias_act
from ganlab.stylegan3.ops.conv2d_resample import conv2d_resample, modulated_conv2d
from ganlab.stylegan3.ops.upfirdn2d import upfirdn2d

ARCHITECTURES = ("orig", "skip", "resnet")
NOISE_MODES = ("random", "const", "none")
_ACT_GAIN = {"linear": 1.0, "relu": np.sqrt(2), "lrelu": np.sqrt(2)}


def setup_filter(f) -> torch.Tensor:
    """Normalised low-pass filter buffer; short 1-D filters become their 2-D outer product, as official."""
    f = torch.as_tensor(f, dtype=torch.float32)
    if f.ndim == 0:
        f = f[None]
    if f.ndim == 1 and f.numel() < 8:
        f = f.ger(f)
    return f / f.sum()


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """2x up-sampling with the resample filter, centred, DC gain preserved."""
    fw = int(f.shape[-1])
    p0, p1 = (fw + up - 1) // 2, (fw - up) // 2
    return upfirdn2d(x, f, up=up, padding=[p0, p1, p0, p1], gain=up**2)


def _bias_act_inplace(x: torch.Tensor, b: torch.Tensor, activation: str, gain: float, clamp: float | None):
    """bias_act on a fresh conv output, in place: the same numbers without four full-size temporaries."""
    if activation != "lrelu":
        return bias_act(x, b, act=activation, gain=gain, clamp=clamp)
    x = x.add_(b.reshape(1, -1, 1, 1))
    torch.nn.functional.leaky_relu_(x, 0.2)
    if gain != 1:
        x = x.mul_(gain)
    return x if clamp is None or clamp < 0 else x.clamp_(-clamp, clamp)


class MappingNetwork(nn.Module):
    """z (and optional class label c) -> w broadcast to num_ws, with truncation towards w_avg."""

    def __init__(
        self,
        z_dim: int,  # latent Z width, 0 = no latent
        c_dim: int,  # class label width, 0 = unconditional
        w_dim: int,  # intermediate latent W width
        num_ws: int | None,  # W copies to output, None = do not broadcast
        num_layers: int = 8,  # FC layers
        embed_features: int | None = None,  # label embedding width, None = w_dim
        layer_features: int | None = None,  # hidden FC width, None = w_dim
        activation: str = "lrelu",  # activation of the FC layers
        lr_multiplier: float = 0.01,  # learning-rate multiplier of the FC layers
        w_avg_beta: float | None = 0.998,  # decay of the tracked W mean, None = no w_avg
    ):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.num_layers, self.w_avg_beta = num_layers, w_avg_beta
        embed_features = 0 if c_dim == 0 else (w_dim if embed_features is None else embed_features)
        layer_features = w_dim if layer_features is None else layer_features
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for idx in range(num_layers):
            layer = FullyConnectedLayer(
                features[idx], features[idx + 1], activation=activation, lr_multiplier=lr_multiplier
            )
            setattr(self, f"fc{idx}", layer)
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, update_emas=False):
        x = None
        if self.z_dim > 0:
            assert z.ndim == 2 and z.shape[1] == self.z_dim, z.shape
            x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            assert c is not None and c.ndim == 2 and c.shape[1] == self.c_dim, None if c is None else c.shape
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = y if x is None else torch.cat([x, y], dim=1)
        for idx in range(self.num_layers):
            x = getattr(self, f"fc{idx}")(x)
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            assert self.w_avg_beta is not None, "truncation needs w_avg"
            if self.num_ws is None or truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff], truncation_psi)
        return x

    def extra_repr(self) -> str:
        return f"z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, num_ws={self.num_ws}"


class Conv2dLayer(nn.Module):
    """Equalised-lr conv with optional 2x up-sampling; here only the resnet skip path (1x1, up 2)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        bias: bool = True,
        activation: str = "linear",
        up: int = 1,
        resample_filter=(1, 3, 3, 1),
        conv_clamp: float | None = None,
        channels_last: bool = False,  # memory format only; accepted for kwargs compatibility
    ):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.activation, self.up, self.conv_clamp = activation, up, conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.weight_gain = 1 / np.sqrt(in_channels * kernel_size**2)
        self.act_gain = _ACT_GAIN[activation]
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels])) if bias else None

    def forward(self, x, gain=1):
        w = (self.weight * self.weight_gain).to(x.dtype)
        b = None if self.bias is None else self.bias.to(x.dtype)
        x = conv2d_resample(x, w, f=self.resample_filter, up=self.up, padding=self.padding, flip_weight=self.up == 1)
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return bias_act(x, b, act=self.activation, gain=self.act_gain * gain, clamp=clamp)


class SynthesisLayer(nn.Module):
    """Modulated 3x3 conv (optionally up-sampling 2x), per-pixel noise, bias, leaky ReLU, clamp."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,  # output resolution of this layer
        kernel_size: int = 3,
        up: int = 1,  # 1 or 2
        use_noise: bool = True,  # per-layer noise input (noise_const buffer, noise_strength)
        activation: str = "lrelu",
        resample_filter=(1, 3, 3, 1),
        conv_clamp: float | None = None,
        channels_last: bool = False,  # memory format only
    ):
        super().__init__()
        self.in_channels, self.out_channels, self.w_dim = in_channels, out_channels, w_dim
        self.resolution, self.up, self.use_noise = resolution, up, use_noise
        self.activation, self.conv_clamp = activation, conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.act_gain = _ACT_GAIN[activation]
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        if use_noise:
            self.register_buffer("noise_const", torch.randn([resolution, resolution]))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))

    def _noise(self, x: torch.Tensor, noise_mode: str) -> torch.Tensor | None:
        if not self.use_noise or noise_mode == "none":
            return None
        if noise_mode == "const":
            return self.noise_const * self.noise_strength
        shape = [x.shape[0], 1, self.resolution, self.resolution]
        return torch.randn(shape, device=x.device) * self.noise_strength

    def forward(self, x, w, noise_mode="random", fused_modconv=True, gain=1):
        assert noise_mode in NOISE_MODES, f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}"
        in_res = self.resolution // self.up
        assert x.shape[1:] == (self.in_channels, in_res, in_res), x.shape
        styles = self.affine(w)
        x = modulated_conv2d(
            x,
            self.weight,
            styles,
            noise=self._noise(x, noise_mode),
            up=self.up,
            padding=self.padding,
            resample_filter=self.resample_filter,
            flip_weight=self.up == 1,
            fused_modconv=fused_modconv,
        )
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return _bias_act_inplace(x, self.bias.to(x.dtype), self.activation, self.act_gain * gain, clamp)

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, w_dim={self.w_dim}, "
            f"resolution={self.resolution}, up={self.up}, activation={self.activation}"
        )


class ToRGBLayer(nn.Module):
    """Modulated 1x1 conv to img_channels, no demodulation, bias, optional clamp."""

    def __init__(self, in_channels, out_channels, w_dim, kernel_size=1, conv_clamp=None, channels_last=False):
        super().__init__()
        self.in_channels, self.out_channels, self.w_dim = in_channels, out_channels, w_dim
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / np.sqrt(in_channels * kernel_size**2)

    def forward(self, x, w, fused_modconv=True):
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused_modconv=fused_modconv)
        return bias_act(x, self.bias.to(x.dtype), clamp=self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution of the pyramid: [const | conv0 (up 2x)], conv1, and ToRGB / skip per architecture."""

    def __init__(
        self,
        in_channels: int,  # 0 = the first block (learned constant input)
        out_channels: int,
        w_dim: int,
        resolution: int,
        img_channels: int,
        is_last: bool,
        architecture: str = "skip",  # "orig", "skip" or "resnet"
        resample_filter=(1, 3, 3, 1),
        conv_clamp: float | None = 256,
        use_fp16: bool = False,  # fp16 activations on CUDA (forced off elsewhere, as official)
        fp16_channels_last: bool = False,  # memory format only
        fused_modconv_default=True,  # True, False or "inference_only"
        **layer_kwargs,  # SynthesisLayer arguments (kernel_size, use_noise, activation)
    ):
        assert architecture in ARCHITECTURES, architecture
        super().__init__()
        self.in_channels, self.w_dim, self.resolution = in_channels, w_dim, resolution
        self.img_channels, self.is_last, self.architecture = img_channels, is_last, architecture
        self.use_fp16, self.fused_modconv_default = use_fp16, fused_modconv_default
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = self.num_torgb = 0
        common = dict(w_dim=w_dim, resolution=resolution, conv_clamp=conv_clamp)
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(
                in_channels, out_channels, up=2, resample_filter=resample_filter, **common, **layer_kwargs
            )
            self.num_conv += 1
        # conv1 does not resample; officially it keeps the default filter buffer, whatever the block's.
        self.conv1 = SynthesisLayer(out_channels, out_channels, **common, **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim, conv_clamp=conv_clamp)
            self.num_torgb += 1
        if in_channels != 0 and architecture == "resnet":
            self.skip = Conv2dLayer(
                in_channels, out_channels, kernel_size=1, bias=False, up=2, resample_filter=resample_filter
            )

    def layer_names(self) -> list[str]:
        """This block's capturable stages, in forward order."""
        names = [n for n in ("conv0", "conv1") if hasattr(self, n)]
        return names + (["torgb"] if self.num_torgb else [])

    def _dtype(self, ws: torch.Tensor, force_fp32: bool) -> torch.dtype:
        use_fp16 = self.use_fp16 and not force_fp32 and ws.device.type == "cuda"
        return torch.float16 if use_fp16 else torch.float32

    def _fused(self, fused_modconv) -> bool:
        if fused_modconv is None:
            fused_modconv = self.fused_modconv_default
        if fused_modconv == "inference_only":
            fused_modconv = not self.training
        return bool(fused_modconv)

    def forward(self, x, img, ws, force_fp32=False, fused_modconv=None, update_emas=False, stop=None, **layer_kwargs):
        """(x, img) -> (x, img); with `stop` (a layer name) returns that layer's output as x, img None."""
        assert ws.shape[1:] == (self.num_conv + self.num_torgb, self.w_dim), ws.shape
        w_iter = iter(ws.unbind(dim=1))
        dtype = self._dtype(ws, force_fp32)
        fused = self._fused(fused_modconv)
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
            x = self.conv1(x, next(w_iter), fused_modconv=fused, **layer_kwargs)
            if stop == "conv1":
                return x, None
        else:
            assert x.shape[1:] == (self.in_channels, self.resolution // 2, self.resolution // 2), x.shape
            x = x.to(dtype)
            y = self.skip(x, gain=np.sqrt(0.5)) if self.architecture == "resnet" else None
            x = self.conv0(x, next(w_iter), fused_modconv=fused, **layer_kwargs)
            if stop == "conv0":
                return x, None
            gain = np.sqrt(0.5) if y is not None else 1
            x = self.conv1(x, next(w_iter), fused_modconv=fused, gain=gain, **layer_kwargs)
            if stop == "conv1":  # before the residual sum, like the official layer output
                return x, None
            x = x if y is None else y.add_(x)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.is_last or self.architecture == "skip":
            y = self.torgb(x, next(w_iter), fused_modconv=fused).to(torch.float32)
            if stop == "torgb":
                return y, None
            img = y if img is None else img.add_(y)
        return x, img

    def extra_repr(self) -> str:
        return f"resolution={self.resolution}, architecture={self.architecture}"


class SynthesisNetwork(nn.Module):
    """ws [N, num_ws, w_dim] -> image, through blocks b4 ... b<img_resolution>."""

    def __init__(
        self,
        w_dim: int,
        img_resolution: int,  # a power of two >= 4
        img_channels: int,
        channel_base: int = 32768,  # channels at resolution r: min(channel_base // r, channel_max)
        channel_max: int = 512,
        num_fp16_res: int = 4,  # fp16 (on CUDA) for the highest this many resolutions
        **block_kwargs,  # SynthesisBlock arguments (architecture, conv_clamp, resample_filter, ...)
    ):
        assert img_resolution >= 4 and img_resolution & (img_resolution - 1) == 0, img_resolution
        super().__init__()
        self.w_dim, self.img_resolution, self.img_channels = w_dim, img_resolution, img_channels
        self.img_resolution_log2 = int(np.log2(img_resolution))
        self.num_fp16_res = num_fp16_res
        self.block_resolutions = [2**i for i in range(2, self.img_resolution_log2 + 1)]
        channels = {r: min(channel_base // r, channel_max) for r in self.block_resolutions}
        fp16_resolution = max(2 ** (self.img_resolution_log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            is_last = res == img_resolution
            block = SynthesisBlock(
                channels[res // 2] if res > 4 else 0,
                channels[res],
                w_dim=w_dim,
                resolution=res,
                img_channels=img_channels,
                is_last=is_last,
                use_fp16=res >= fp16_resolution,
                **block_kwargs,
            )
            self.num_ws += block.num_conv + (block.num_torgb if is_last else 0)
            setattr(self, f"b{res}", block)
        self.layer_names = [f"b{r}.{n}" for r in self.block_resolutions for n in getattr(self, f"b{r}").layer_names()]

    def layer_table(self) -> list[tuple[str, int, int]]:
        """(name, output size, output channels) of every capturable layer, in forward order."""
        rows = []
        for name in self.layer_names:
            block, layer = self.get_submodule(name.split(".")[0]), self.get_submodule(name)
            rows.append((name, block.resolution, layer.out_channels))
        return rows

    def forward(self, ws, **block_kwargs):
        return self.forward_until(ws, None, **block_kwargs)

    def forward_until(self, ws, stop: str | None, **block_kwargs):
        """Run up to layer `stop` ("b<res>.conv0|conv1|torgb") and return its output; None = the image."""
        assert ws.ndim == 3 and ws.shape[1:] == (self.num_ws, self.w_dim), ws.shape
        ws = ws.to(torch.float32)
        stop_block, _, stop_layer = (stop or "").partition(".")
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            block_ws = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)
            w_idx += block.num_conv  # a skip block's ToRGB shares its w with the next block's conv0
            here = stop_block == f"b{res}"
            x, img = block(x, img, block_ws, stop=stop_layer if here else None, **block_kwargs)
            if here:
                return x.to(torch.float32)
        return img

    def extra_repr(self) -> str:
        return (
            f"w_dim={self.w_dim}, num_ws={self.num_ws}, img_resolution={self.img_resolution}, "
            f"img_channels={self.img_channels}, num_fp16_res={self.num_fp16_res}"
        )


class Generator(StyleGenerator):
    """z, c -> image. Same constructor, submodules and state_dict as NVIDIA's StyleGAN2 Generator."""

    architecture_name = "StyleGAN2"
    synthesis_class = SynthesisNetwork
    mapping_class = MappingNetwork
