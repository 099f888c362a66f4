"""Video exports over HTTP on a real `ganlab serve`: progress, a file that decodes, cancel, bad input."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import imageio.v2 as imageio
import numpy as np
import pytest

from tests.conftest import LiveServer, start_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def sg3(tmp_path_factory) -> LiveServer:
    models = tmp_path_factory.mktemp("models")
    live = start_server({"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"})
    yield live
    live.stop()


def call(server: LiveServer, path: str, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def wait(server: LiveServer, job_id: str, until=("done", "failed", "cancelled")) -> tuple[dict, list[int]]:
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job = json.loads(call(server, f"/api/stylegan3/videos/{job_id}")[1])
        seen.append(job["done"])
        if job["state"] in until:
            return job, seen
        time.sleep(0.05)
    raise AssertionError("the video did not finish")


def test_video_job_reports_progress_and_serves_a_file(sg3: LiveServer, tmp_path) -> None:
    status, body, _ = call(sg3, "/api/stylegan3/videos",
                           {"model": "demo", "seeds": [1, 2, 3, 4], "cols": 2, "w_frames": 2, "fps": 24})
    assert status == 202, body
    job = json.loads(body)
    assert job["state"] == "running" and job["total"] == 4
    job, seen = wait(sg3, job["id"])
    assert job["state"] == "done", job
    assert seen == sorted(seen) and job["done"] == 4
    status, data, headers = call(sg3, job["url"])
    assert status == 200 and headers["Content-Type"] == "video/mp4"
    assert "attachment" in headers["Content-Disposition"] and job["filename"] in headers["Content-Disposition"]
    (tmp_path / "v.mp4").write_bytes(data)
    with imageio.get_reader(str(tmp_path / "v.mp4"), format="FFMPEG") as reader:
        frames = np.stack([frame for frame in reader.iter_data()])  # list(reader) asks len(): inf
    assert frames.shape == (4, 64, 128, 3)  # the tiny demo is 64x64; two cells side by side
    assert np.abs(np.diff(frames.astype(int), axis=0)).mean() > 1


def test_cancel_stops_and_keeps_no_file(sg3: LiveServer) -> None:
    _, body, _ = call(sg3, "/api/stylegan3/videos", {"model": "demo", "seeds": [3, 4], "w_frames": 400})
    job = json.loads(body)
    status, busy, _ = call(sg3, "/api/stylegan3/videos", {"model": "demo", "seeds": [3]})
    assert status == 429 and json.loads(busy)["detail"][0]["loc"][-1] == "video"
    wait(sg3, job["id"], until=("running",))
    status, body, _ = call(sg3, f"/api/stylegan3/videos/{job['id']}", method="DELETE")
    assert status == 200
    job, _ = wait(sg3, job["id"])
    assert job["state"] == "cancelled" and job["done"] < job["total"]
    assert call(sg3, f"/api/stylegan3/videos/{job['id']}/file")[0] == 409
    assert call(sg3, "/api/stylegan3/videos/nope")[0] == 404


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"rows": 0}, "rows", "between 1 and 8"),
        ({"w_frames": 0}, "w_frames", "between 1 and 3600"),
        ({"seeds": [1, 2, 3], "rows": 2, "cols": 2}, "seeds", "multiple"),
        ({"model": "../x"}, "model", "not allowed"),
        ({"format": "avi"}, "format", "mp4"),
    ],
)
def test_bad_input_names_the_field(sg3: LiveServer, body: dict, field: str, words: str) -> None:
    status, data, _ = call(sg3, "/api/stylegan3/videos", {"model": "demo", **body})
    detail = json.loads(data)["detail"][0]
    assert status == 422 and detail["loc"][-1] == field and words in detail["msg"], detail
