"""`ganlab stylegan3 video`: the walk in W matches gen_video.py's numbers, and real files decode."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError
from safetensors import safe_open
from sg3_fixtures import FIXTURES, load_fixture
from sg3_pickles import dumps, snapshot

from ganlab.stylegan3 import render
from ganlab.stylegan3.video.keyframes import WalkInterpolator, frame_times, keyframe_ws, layout_seeds
from ganlab.stylegan3.video.params import VideoParams, first_error
from tests.stylegan3.cli import run_cli


def run_video(*args, env_extra=None, check=True):
    return run_cli("video", *args, env_extra=env_extra, check=check, timeout=180)
REFERENCE = FIXTURES / "video_ws_t32.safetensors"


def reference_cases():
    with safe_open(str(REFERENCE), "np") as f:
        cases = json.loads(f.metadata()["cases"])
        return [(c, f.get_tensor(f"case{i}.ws")) for i, c in enumerate(cases)]


def params_of(case: dict) -> VideoParams:
    return VideoParams(
        seeds=case["seeds"], rows=case["grid_h"], cols=case["grid_w"], num_keyframes=case["num_keyframes"],
        w_frames=case["w_frames"], truncation_psi=case["psi"], shuffle_seed=case["shuffle_seed"],
    )


@pytest.mark.parametrize("index", range(3))
def test_walk_matches_gen_video(index):
    """Per frame and cell, the ws gen_video.py fed to synthesis (cubic, wraps 2; repeated seeds,
    explicit num_keyframes, psi 0.7, a shuffled layout), from the same weights."""
    case, want = reference_cases()[index]  # [frames, rows, cols, num_ws, w_dim]
    p = params_of(case)
    times = frame_times(p)
    assert len(times) == case["frames"] == len(want)
    # The interpolation alone, from gen_video's own keyframes (frames at whole t are the keyframes).
    official_keys = np.moveaxis(want[:: p.w_frames], 0, 2)
    walk = WalkInterpolator(official_keys, p.kind, p.wraps)
    assert np.abs(np.stack([walk.at(t) for t in times]) - want).max() < 1e-9
    # The whole path: layout, mapping and interpolation.
    ours = WalkInterpolator(keyframe_ws(load_fixture("official_t32").generator(), p), p.kind, p.wraps)
    got = np.stack([ours.at(t) for t in times])
    assert np.abs(got - want).max() < 1e-5
    moves = np.abs(np.diff(got, axis=0)).max()
    assert moves > 1e-3 if p.keyframes > 1 else moves < 1e-9  # one keyframe per cell: a still


def test_layout_repeats_and_shuffles_like_gen_video():
    p = VideoParams(seeds=[7, 11, 13], rows=1, cols=2, num_keyframes=2)
    assert layout_seeds(p).tolist() == [[[7, 11], [13, 7]]]
    shuffled = layout_seeds(p.model_copy(update={"shuffle_seed": 5})).reshape(-1)
    expected = np.array([7, 11, 13, 7])
    np.random.RandomState(seed=5).shuffle(expected)
    assert shuffled.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"rows": 0}, "rows", "between 1 and 8"),
        ({"cols": 99}, "cols", "between 1 and 8"),
        ({"w_frames": 0}, "w_frames", "between 1 and 3600"),
        ({"seeds": []}, "seeds", "between 1 and 1024 items"),
        ({"seeds": [0, 1, 2], "rows": 2, "cols": 2}, "seeds", "multiple of rows*cols"),
        ({"seeds": [0], "num_keyframes": 100, "w_frames": 100}, "w_frames", "at most 3600"),
        ({"format": "avi"}, "format", "mp4"),
        ({"seeds": [0, 2**32]}, "seeds.1", "less than or equal to 4294967295"),
    ],
)
def test_bad_values_name_the_field(values, field, words):
    with pytest.raises(ValidationError) as caught:
        VideoParams(**values)
    got_field, message = first_error(caught.value)
    assert got_field == field and words in message


@pytest.fixture(scope="module")
def pkl(tmp_path_factory):
    path = tmp_path_factory.mktemp("sg3video") / "t32.pkl"
    path.write_bytes(dumps(snapshot(load_fixture("official_t32").generator()), protocol=4))
    return path


def seed_image(seed: int) -> np.ndarray:
    G = load_fixture("official_t32").generator()
    return render.to_uint8(render.synthesize(G, render.seed_ws(G, seed)))[0].astype(int)


def test_cli_writes_an_mp4_that_decodes(pkl, tmp_path):
    out = tmp_path / "walk.mp4"
    proc = run_video("--network", pkl, "--seeds", "0-3", "--grid", "1x2", "--w-frames", "3", "--fps", "30",
                   "--output", out)
    assert "6 frames, 64x32" in proc.stdout
    frames = iio.imread(out, plugin="pyav") if _has_pyav() else np.stack(list(_ffmpeg_frames(out)))
    assert frames.shape == (6, 32, 64, 3)
    assert np.abs(np.diff(frames.astype(int), axis=0)).mean() > 1  # frames move
    # Frame 0 is keyframe 0 of each cell: seed 0 on the left, seed 2 on the right (H.264 is lossy).
    first = frames[0].astype(int)
    for cell, seed in ((first[:, :32], 0), (first[:, 32:], 2)):
        assert np.abs(cell - seed_image(seed)).mean() < 12
    assert np.abs(first[:, :32] - seed_image(2)).mean() > np.abs(first[:, :32] - seed_image(0)).mean() + 5


def _has_pyav() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _ffmpeg_frames(path):
    import imageio.v2 as imageio

    with imageio.get_reader(str(path), format="FFMPEG") as reader:
        yield from reader


def test_gif_when_no_ffmpeg_or_asked(pkl, tmp_path):
    # No ffmpeg that runs: an .mp4 request falls back to a GIF next to it, and says so.
    proc = run_video(
        "--network", pkl, "--seeds", "5,6", "--w-frames", "2", "--output", tmp_path / "walk.mp4",
        env_extra={"IMAGEIO_FFMPEG_EXE": str(tmp_path / "no-ffmpeg-here")},
    )
    assert "wrote a GIF instead" in proc.stderr and not (tmp_path / "walk.mp4").exists()
    with Image.open(tmp_path / "walk.gif") as gif:
        assert (gif.n_frames, gif.size) == (4, (32, 32))
        gif.seek(0)
        assert np.abs(np.asarray(gif.convert("RGB")).astype(int) - seed_image(5)).mean() < 12


def test_cli_bad_input_names_the_option(pkl, tmp_path):
    proc = run_video("--network", pkl, "--seeds", "0-2", "--grid", "2x2", "--output", tmp_path / "x.mp4", check=False)
    assert proc.returncode == 1 and "--seeds:" in proc.stderr and "multiple of rows*cols" in proc.stderr
    assert not list(tmp_path.glob("x.*"))


def test_frame_tiles_every_cell_row_by_row():
    """More cells than one batch holds (5 > CELLS_PER_BATCH): each cell is its seed's own image."""
    from ganlab.stylegan3.video.frames import CELLS_PER_BATCH, render_frame

    G = load_fixture("official_t32").generator()
    p = VideoParams(seeds=[10, 11, 12, 13, 14, 15], rows=2, cols=3)
    assert p.rows * p.cols > CELLS_PER_BATCH
    frame = render_frame(G, keyframe_ws(G, p)[:, :, 0]).astype(int)
    assert frame.shape == (64, 96, 3)
    for i, seed in enumerate(p.seeds):
        r, c = divmod(i, 3)
        assert np.abs(frame[r * 32:(r + 1) * 32, c * 32:(c + 1) * 32] - seed_image(seed)).max() <= 1
