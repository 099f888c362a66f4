"""Interactive speed without changing the picture: the prefix activation cache and bf16 previews.

The cache must give the very image an uncached render gives (it reruns the same ops from a
stored stage output) and stay within its memory bound; a bf16 preview must be close to fp32,
and a render without `compute_dtype` (what the tab asks for on release) must be exact fp32.
"""

import numpy as np
import pytest
import torch
from sg3_fixtures import load_fixture

from ganlab.stylegan3 import render
from ganlab.stylegan3.demo import DEMO_CONFIG
from ganlab.stylegan3.networks import Generator
from ganlab.stylegan3.prefix_cache import PrefixCache, cached_forward

# PSNR of a bf16 preview against fp32, on uint8 images. bf16 keeps 8 significant bits, so
# each layer rounds to ~2^-9 relative; through 15 layers that leaves the 256-T demo at 41 dB
# (docs/performance.md) and these tiny networks at 52-54 dB. 30 dB is where a preview starts
# to look visibly different (banding, speckle); a broken bf16 path (a lost scale, bias or
# layer) lands far below it, so the bound passes the real error with room and fails those.
MIN_PREVIEW_PSNR_DB = 30.0


@pytest.fixture(scope="module")
def G():
    return load_fixture("official_t32").generator()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def mixed_ws(G, seed, mix_seed, first):
    ws = render.seed_ws(G, seed, 0.7)
    return render.mix_styles(ws, render.seed_ws(G, mix_seed, 0.7), range(first, G.num_ws))


def test_mixing_fine_layers_reuses_the_early_stages_and_gives_the_same_image(G):
    cache = PrefixCache(G, 64 * 2**20)
    render.synthesize(G, render.seed_ws(G, 1, 0.7), cache=cache)  # fills stages 0..end for seed 1
    for mix_seed in (5, 6):
        ws = mixed_ws(G, 1, mix_seed, 8)
        cached, reused = cached_forward(G, ws, None, cache)
        assert reused == 8  # input + L0..L6 read ws[0..7] only
        assert torch.equal(cached, G.synthesis(ws))  # bitwise the uncached image
    assert cache.hits == 2


def test_layer_view_reuses_the_stages_before_it(G):
    cache = PrefixCache(G, 64 * 2**20)
    ws = render.seed_ws(G, 3)
    names = G.synthesis.stage_names()
    first = render.capture_layer(G, ws, names[4], cache=cache)
    assert torch.equal(first, G.synthesis.forward_until(ws, names[4]))
    deeper, reused = cached_forward(G, ws, names[9], cache)
    assert reused == 5 and torch.equal(deeper, G.synthesis.forward_until(ws, names[9]))
    again, reused = cached_forward(G, ws, names[2], cache)  # an earlier layer: straight from the cache
    assert reused == 3 and torch.equal(again, G.synthesis.forward_until(ws, names[2]))
    image = render.synthesize(G, ws, cache=cache)
    assert torch.equal(image, G.synthesis(ws))


def test_the_transform_and_the_precision_are_part_of_the_key(G):
    cache = PrefixCache(G, 64 * 2**20)
    ws = render.seed_ws(G, 4)
    render.synthesize(G, ws, cache=cache)
    render.set_input_transform(G, (0.1, 0.0), 10.0)
    try:
        moved, reused = cached_forward(G, ws, None, cache)
        assert reused == 0 and torch.equal(moved, G.synthesis(ws))
    finally:
        render.set_input_transform(G)
    _, reused = cached_forward(G, ws, None, cache, compute_dtype=torch.bfloat16)
    assert reused == 0


def test_cache_stays_within_its_memory_bound_and_evicts_the_oldest(G):
    sizes = []
    G.synthesis.forward_until(render.seed_ws(G, 0), None, keep=lambda i, x: sizes.append(x.nbytes))
    bound = sum(sizes) * 2 + sizes[0]  # room for about two renders' stages
    cache = PrefixCache(G, bound)
    for seed in range(5):
        render.synthesize(G, render.seed_ws(G, seed), cache=cache)
        assert cache.nbytes <= bound
    assert cache.evictions > 0 and cache.nbytes == sum(x.nbytes for x in cache._items.values())
    _, reused_old = cached_forward(G, render.seed_ws(G, 0), None, cache)
    assert reused_old == 0  # the first seed was evicted
    _, reused_new = cached_forward(G, render.seed_ws(G, 4), None, cache)
    assert reused_new == len(sizes)  # the newest is whole
    tiny = PrefixCache(G, 16)  # smaller than any stage: stores nothing, still renders
    assert torch.equal(render.synthesize(G, render.seed_ws(G, 1), cache=tiny), G.synthesis(render.seed_ws(G, 1)))
    assert len(tiny) == 0


def test_a_render_too_big_for_the_cache_keeps_its_early_stages(G):
    sizes = []
    G.synthesis.forward_until(render.seed_ws(G, 0), None, keep=lambda i, x: sizes.append(x.nbytes))
    cache = PrefixCache(G, sum(sizes[:6]))  # room for stages 0..5 only
    render.synthesize(G, render.seed_ws(G, 1, 0.7), cache=cache)
    assert cache.nbytes <= sum(sizes[:6])
    ws = mixed_ws(G, 1, 9, 6)
    image, reused = cached_forward(G, ws, None, cache)
    assert reused == 6 and torch.equal(image, G.synthesis(ws))


@pytest.mark.parametrize("config", ["t32", "demo-shaped"])
def test_bf16_preview_is_close_and_the_release_render_is_exact_fp32(G, config):
    if config == "demo-shaped":  # the demo's layer schedule at 64 px with few channels: quick
        torch.manual_seed(0)
        G = Generator(**{**DEMO_CONFIG, "img_resolution": 64, "channel_base": 1024, "channel_max": 64}).eval()
        G.requires_grad_(False)
    ws = render.seed_ws(G, 2, 0.7)
    fp32 = render.synthesize(G, ws)
    preview = render.synthesize(G, ws, compute_dtype=torch.bfloat16)
    assert preview.dtype == torch.float32 and not torch.equal(preview, fp32)  # it really ran in bf16
    value = psnr(render.to_uint8(preview), render.to_uint8(fp32))
    assert value > MIN_PREVIEW_PSNR_DB, value
    released = render.synthesize(G, ws)  # what the tab asks for on release
    forced = render.synthesize(G, ws, force_fp32=True, compute_dtype=torch.bfloat16)  # force fp32 wins
    assert torch.equal(released, fp32) and torch.equal(forced, fp32)
