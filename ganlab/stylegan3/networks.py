"""StyleGAN3 synthesis layers, synthesis network and generator ("Alias-Free GANs", Karras et al. 2021).

The constructors take NVIDIA's keyword arguments and register NVIDIA's parameter and buffer
names and shapes, so `Generator(**official_init_kwargs).load_state_dict(official_sd, strict=True)`
works. The whole per-layer design (schedule.py, filters.py) is computed in `__init__`;
`forward` only runs it.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from ganlab.stylegan3.filters import design_lowpass_filter
from ganlab.stylegan3.layers import FullyConnectedLayer, MappingNetwork, StyleGenerator, SynthesisInput
from ganlab.stylegan3.ops import IMPLS, filtered_lrelu, modulated_conv2d
from ganlab.stylegan3.schedule import LayerSpec, synthesis_schedule

# Which op implementation new layers use; the benchmark and tests switch with Generator.set_impl.
DEFAULT_IMPL = os.environ.get("GANLAB_SG3_IMPL", "fast")


class SynthesisLayer(nn.Module):
    """Modulated conv -> filtered leaky ReLU, one entry of the schedule (section 3.2, figure 4b)."""

    def __init__(
        self,
        w_dim: int,  # intermediate latent W width
        spec: LayerSpec,  # this layer's place in the schedule: sizes, rates, cutoffs, channels
        conv_kernel: int = 3,  # conv kernel (1 for config R); ToRGB always uses 1
        filter_size: int = 6,  # low-pass taps relative to the lower of the two rates
        lrelu_upsampling: int = 2,  # oversampling of the non-linearity; ToRGB uses 1
        use_radial_filters: bool = False,  # radial down filter (config R), not for critical layers
        conv_clamp: float | None = 256,  # clamp the output to +-conv_clamp (keeps fp16 finite)
        magnitude_ema_beta: float = 0.999,  # decay of the input-magnitude EMA tracked in training
    ):
        super().__init__()
        self.w_dim, self.spec = w_dim, spec
        self.is_torgb, self.use_fp16 = spec.is_torgb, spec.use_fp16
        self.in_channels, self.out_channels = spec.in_channels, spec.out_channels
        self.in_size, self.out_size = spec.in_size, spec.out_size
        self.conv_kernel = 1 if spec.is_torgb else conv_kernel
        self.conv_clamp, self.magnitude_ema_beta = conv_clamp, magnitude_ema_beta
        self.impl = DEFAULT_IMPL
        self.tmp_sampling_rate = max(spec.in_sampling_rate, spec.out_sampling_rate) * (
            1 if spec.is_torgb else lrelu_upsampling
        )

        self.affine = FullyConnectedLayer(w_dim, spec.in_channels, bias_init=1)
        self.weight = nn.Parameter(
            torch.randn([spec.out_channels, spec.in_channels, self.conv_kernel, self.conv_kernel])
        )
        self.bias = nn.Parameter(torch.zeros([spec.out_channels]))
        self.register_buffer("magnitude_ema", torch.ones([]))

        self._design_filters(spec, filter_size, use_radial_filters)
        self.padding = self._padding()

    def _design_filters(self, spec: LayerSpec, filter_size: int, use_radial_filters: bool) -> None:
        """Resampling factors and low-pass filters around the non-linearity (section 3.2)."""
        self.up_factor = int(np.rint(self.tmp_sampling_rate / spec.in_sampling_rate))
        self.down_factor = int(np.rint(self.tmp_sampling_rate / spec.out_sampling_rate))
        assert spec.in_sampling_rate * self.up_factor == self.tmp_sampling_rate
        assert spec.out_sampling_rate * self.down_factor == self.tmp_sampling_rate
        self.up_taps = filter_size * self.up_factor if self.up_factor > 1 and not spec.is_torgb else 1
        self.down_taps = filter_size * self.down_factor if self.down_factor > 1 and not spec.is_torgb else 1
        self.down_radial = use_radial_filters and not spec.is_critically_sampled
        fs = self.tmp_sampling_rate
        up = design_lowpass_filter(self.up_taps, spec.in_cutoff, spec.in_half_width * 2, fs)
        down = design_lowpass_filter(
            self.down_taps, spec.out_cutoff, spec.out_half_width * 2, fs, radial=self.down_radial
        )
        self.register_buffer("up_filter", up)
        self.register_buffer("down_filter", down)

    def _padding(self) -> list[int]:
        """Pad so the output has exactly out_size samples, placed symmetrically (appendix C.3)."""
        total = (self.out_size - 1) * self.down_factor + 1  # size wanted before down-sampling
        total -= (self.in_size + self.conv_kernel - 1) * self.up_factor  # size after up-sampling
        total += self.up_taps + self.down_taps - 2  # what the two filters trim
        lo = (total + self.up_factor) // 2
        return [lo, total - lo, lo, total - lo]

    def forward(self, x, w, noise_mode="random", force_fp32=False, update_emas=False, compute_dtype=None):
        """`compute_dtype` (e.g. torch.bfloat16 for a CPU preview) overrides the official choice of
        fp16 on CUDA for the use_fp16 layers, fp32 otherwise; force_fp32 still wins over it."""
        assert x.shape[1:] == (self.in_channels, self.in_size, self.in_size), x.shape
        assert w.shape == (x.shape[0], self.w_dim), w.shape
        styles = self.affine(w)
        if self.is_torgb:
            styles = styles * (1 / np.sqrt(self.in_channels * self.conv_kernel**2))
        dtype = self.layer_dtype(x.device, force_fp32, compute_dtype)
        x = modulated_conv2d(
            x.to(dtype),
            self.weight,
            styles,
            demodulate=not self.is_torgb,
            padding=self.conv_kernel - 1,
            input_gain=self.magnitude_ema.rsqrt(),
            impl=self.impl,
        )
        x = filtered_lrelu(
            x,
            self.up_filter,
            self.down_filter,
            self.bias.to(dtype),
            up=self.up_factor,
            down=self.down_factor,
            padding=self.padding,
            gain=1 if self.is_torgb else np.sqrt(2),
            slope=1 if self.is_torgb else 0.2,
            clamp=self.conv_clamp,
            impl=self.impl,
        )
        assert x.shape[1:] == (self.out_channels, self.out_size, self.out_size) and x.dtype == dtype, x.shape
        return x

    def layer_dtype(self, device: torch.device, force_fp32: bool, compute_dtype) -> torch.dtype:
        if force_fp32:
            return torch.float32
        if compute_dtype is not None:
            return compute_dtype
        return torch.float16 if (self.use_fp16 and device.type == "cuda") else torch.float32

    def extra_repr(self) -> str:
        s = self.spec
        return (
            f"w_dim={self.w_dim}, is_torgb={s.is_torgb}, is_critically_sampled={s.is_critically_sampled}, "
            f"use_fp16={s.use_fp16},\nin_sampling_rate={s.in_sampling_rate:g}, "
            f"out_sampling_rate={s.out_sampling_rate:g}, "
            f"in_cutoff={s.in_cutoff:g}, out_cutoff={s.out_cutoff:g},\nin_half_width={s.in_half_width:g}, "
            f"out_half_width={s.out_half_width:g}, in_size={s.in_size}, out_size={s.out_size}, "
            f"in_channels={s.in_channels}, out_channels={s.out_channels},\n"
            f"up={self.up_factor}x{self.up_taps} taps, "
            f"down={self.down_factor}x{self.down_taps} taps, radial={self.down_radial}, impl={self.impl}"
        )


class SynthesisNetwork(nn.Module):
    """Fourier input followed by num_layers + 1 synthesis layers (the last is ToRGB)."""

    def __init__(
        self,
        w_dim: int,  # intermediate latent W width
        img_resolution: int,  # output resolution
        img_channels: int,  # output colour channels
        channel_base: int = 32768,  # overall channel multiplier
        channel_max: int = 512,  # channel cap
        num_layers: int = 14,  # layers excluding the input and ToRGB (N)
        num_critical: int = 2,  # critically sampled layers at the end
        first_cutoff: float = 2,  # f_{c,0}
        first_stopband: float = 2**2.1,  # f_{t,0}
        last_stopband_rel: float = 2**0.3,  # f_{t,N} / f_{c,N}
        margin_size: int = 10,  # extra samples around the image in the inner layers
        output_scale: float = 0.25,  # scale of the ToRGB output
        num_fp16_res: int = 4,  # fp16 (on CUDA) for the highest this many resolutions
        **layer_kwargs,  # SynthesisLayer hyper-parameters: conv_kernel, use_radial_filters, ...
    ):
        super().__init__()
        self.w_dim, self.img_resolution, self.img_channels = w_dim, img_resolution, img_channels
        self.num_ws = num_layers + 2
        self.num_layers, self.num_critical = num_layers, num_critical
        self.margin_size, self.output_scale, self.num_fp16_res = margin_size, output_scale, num_fp16_res
        input_spec, self.specs = synthesis_schedule(
            img_resolution,
            img_channels,
            channel_base,
            channel_max,
            num_layers,
            num_critical,
            first_cutoff,
            first_stopband,
            last_stopband_rel,
            margin_size,
            num_fp16_res,
        )
        self.input = SynthesisInput(
            w_dim, input_spec.channels, input_spec.size, input_spec.sampling_rate, input_spec.bandwidth
        )
        self.layer_names = [spec.name for spec in self.specs]
        for spec in self.specs:
            setattr(self, spec.name, SynthesisLayer(w_dim, spec, **layer_kwargs))

    def forward(self, ws, **layer_kwargs):
        x = self.forward_until(ws, None, **layer_kwargs)
        assert x.shape[1:] == (self.img_channels, self.img_resolution, self.img_resolution), x.shape
        return x

    def stage_names(self) -> list[str]:
        """The stages in order: "input" (uses ws[0]) then each layer (layer i uses ws[i + 1])."""
        return ["input", *self.layer_names]

    def forward_until(self, ws, stop: str | None, resume=None, keep=None, **layer_kwargs):
        """Run up to and including stage `stop` ("input", a layer name) or, with None, to the image.

        `resume` = (index, x) starts from stage `index`'s output x instead of recomputing stages
        0..index (the prefix cache hands back what an earlier render of the same ws prefix made);
        `keep(index, x)` hears every stage output computed here. Neither changes the result.
        """
        assert ws.ndim == 3 and ws.shape[1:] == (self.num_ws, self.w_dim), ws.shape
        names = self.stage_names()
        end = len(names) - 1 if stop is None else names.index(stop)
        ws = ws.to(torch.float32).unbind(dim=1)
        if resume is None:
            first, x = 1, self.input(ws[0])
            if keep:
                keep(0, x)
        else:
            first, x = resume[0] + 1, resume[1]
        for index in range(first, end + 1):
            x = getattr(self, names[index])(x, ws[index], **layer_kwargs)
            if keep:
                keep(index, x)
        if stop is not None:
            return x
        if self.output_scale != 1:
            x = x * self.output_scale
        return x.to(torch.float32)

    def extra_repr(self) -> str:
        return (
            f"w_dim={self.w_dim}, num_ws={self.num_ws}, img_resolution={self.img_resolution}, "
            f"img_channels={self.img_channels},\n"
            f"num_layers={self.num_layers}, num_critical={self.num_critical}, "
            f"margin_size={self.margin_size}, num_fp16_res={self.num_fp16_res}"
        )


class Generator(StyleGenerator):
    """z, c -> image. Same constructor, submodules and state_dict as NVIDIA's StyleGAN3 Generator."""

    synthesis_class = SynthesisNetwork
    mapping_class = MappingNetwork

    def set_impl(self, impl: str) -> Generator:
        """Choose the op implementation ("fast" or "ref") for every synthesis layer."""
        assert impl in IMPLS, impl
        for module in self.modules():
            if isinstance(module, SynthesisLayer):
                module.impl = impl
        return self
