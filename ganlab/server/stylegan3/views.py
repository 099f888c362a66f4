"""RenderParams -> the analysis views and latent edits of one render (glue; the math is in
ganlab.stylegan3.views and ganlab.stylegan3.directions).

Order, as NVIDIA's renderer does it: the translation may be rounded to whole pixels before it
reaches the input transform; the edit moves the ws before synthesis; after synthesis the result
(image or layer) may be untransformed, then channels are picked, measured and scaled, and the
spectrum, when asked for, is drawn to the right of the picture.
"""

from __future__ import annotations

import numpy as np
import torch

from ganlab.server.stylegan3.params import FieldError, RenderParams
from ganlab.stylegan3.directions import Directions, apply_edit, layer_range
from ganlab.stylegan3.render import to_uint8
from ganlab.stylegan3.views.layer import layer_stats, pick_channels, scale_channels
from ganlab.stylegan3.views.spectrum import spectrum_image
from ganlab.stylegan3.views.untransform import round_translate, untransform


def user_transform(params: RenderParams, resolution: int) -> tuple[tuple[float, float], float]:
    """(translate, rotate) that the input transform gets: rounded to whole pixels when asked."""
    translate = tuple(params.translate)
    if params.translate_round:
        translate = round_translate(translate, resolution)
    return translate, params.rotate


def wants_edit(params: RenderParams) -> bool:
    return any(params.edit_amounts)


def edit_ws(ws: torch.Tensor, params: RenderParams, directions: Directions | None) -> torch.Tensor:
    """ws moved along the latent directions in the chosen ws; unchanged when there is no edit."""
    if not wants_edit(params):
        return ws
    if directions is None:
        raise FieldError("edit_amounts", "this model has no latent directions yet")
    if len(params.edit_amounts) > directions.count:
        raise FieldError("edit_amounts", f"at most {directions.count} amounts (one per direction)")
    start, stop = layer_range(params.edit_layers, ws.shape[1], params.edit_first, params.edit_last)
    return apply_edit(ws, directions, params.edit_amounts, start, stop)


def picture(out: torch.Tensor, params: RenderParams, translate, rotate) -> tuple[np.ndarray, dict | None]:
    """out [1, C, H, W] (the image, or a layer when params.layer is set) -> uint8 [H, W(, x2), 3]
    and the layer header (None for the image)."""
    out = out.float()
    if params.untransform and (any(translate) or rotate):
        out = untransform(out, translate, rotate)
    feat = out[0]
    layer = None
    if params.layer is None:
        shown = list(range(feat.shape[0]))
        image = to_uint8(out)[0]
    else:
        shown = pick_channels(feat, params.layer_channel, params.layer_rgb, params.layer_order)
        x = scale_channels(feat[shown], params.layer_normalize, params.layer_gain_db)
        image = to_uint8(x.unsqueeze(0))[0]
        layer = _layer_header(feat, shown, params)
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)  # every frame has one layout
    if params.fft:
        signal = feat if params.fft_all else feat[shown]
        image = np.concatenate([image, spectrum_image(signal, params.fft_range_db, params.fft_beta)], axis=1)
    return np.ascontiguousarray(image), layer


def _layer_header(feat: torch.Tensor, shown: list[int], params: RenderParams) -> dict:
    stats = layer_stats(feat, shown)
    return {
        "name": params.layer,
        "size": int(feat.shape[-1]),
        "channels": int(feat.shape[0]),
        "rgb": len(shown) == 3,
        "order": params.layer_order,
        "channel": shown[0],  # the first shown channel's real index
        "shown": shown,
        **stats["selected"],  # mean, std, max_abs of the shown channels (the caption's numbers)
        **stats,
    }
