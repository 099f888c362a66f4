"""Property-based fuzzing of both websockets (issue 9, Tests; TrainParams patches: gan2d/test_patch_fuzz.py).

A real uvicorn server runs in this process, so the tests can read a session's state on its
own training thread. For every generated message: the server answers (an error, or the
command's reply), the socket stays open, /healthz stays ok, and when the message was refused
the session's params, params_version, epoch, step, speed and view are exactly as before.
Budget: about 30 s on a quiet machine. Keepalive pings are off: websockets draws their payload
from the `random` module, and hypothesis rightly objects to global random state changing mid-test.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganlab.config import Settings
from ganlab.gan2d.params import TrainParams

websockets_sync = pytest.importorskip("websockets.sync.client")
pytestmark = pytest.mark.timeout(240)
FUZZ = settings(
    max_examples=int(os.environ.get("GANLAB_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- strategies ---------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 40)
    | st.integers()
    | st.floats(-2, 20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["5", "0.1", "", "true", "gaussians", "epoch", "d", "ring8", "1e-300", "NaN"])
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
PARAM_KEYS = st.sampled_from([*TrainParams.model_fields, "no_such_key", "", "__class__"])
PATCHES = st.dictionaries(PARAM_KEYS, JSON, min_size=0, max_size=4)  # also used by test_patch_fuzz.py
GAN2D_FIELDS = {
    "params": PATCHES | JSON,
    "what": JSON,
    "points": st.lists(st.lists(SCALARS, max_size=3), max_size=4) | JSON,
    "dataset": JSON,
    "max_epochs_per_s": JSON,
    "slow_motion": JSON,
    "manifold_axes": st.lists(SCALARS, max_size=3) | JSON,
    "session_id": JSON,
}
GAN2D_TYPES = ["set", "points", "speed", "view", "resume", "step", "play", "pause", "reset", "warp", "", "SET"]


def _message(types: list[str], fields: dict) -> st.SearchStrategy:
    body = st.fixed_dictionaries({}, optional={name: strategy for name, strategy in fields.items()})
    kind = st.sampled_from(types) | JSON
    return st.builds(lambda t, b: {"type": t, **b}, kind, body)


def _wire(messages: st.SearchStrategy) -> st.SearchStrategy:
    """What goes on the wire: JSON text mostly, sometimes raw text, bytes or deep nesting."""
    return (
        messages.map(json.dumps)
        | st.text(max_size=40)
        | st.binary(max_size=40)
        | st.integers(30, 3000).map(lambda n: '{"type": "set", "params": ' + "[" * n + "]" * n + "}")
    )


# ---- an in-process server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[int, object]]:
    import uvicorn

    from ganlab.server.app import create_app

    previous = os.environ.get("GANLAB_SG3_DEMO")
    os.environ["GANLAB_SG3_DEMO"] = "tiny"  # read when the StyleGAN3 service starts
    app = create_app(Settings(frame_hz=30, device="cpu", max_sessions=8, workers=0))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           ws_per_message_deflate=False, ws_max_size=16 * 2**20,
                                           ws_ping_interval=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield port, app
    server.should_exit = True
    thread.join(20)
    if previous is None:
        os.environ.pop("GANLAB_SG3_DEMO", None)
    else:
        os.environ["GANLAB_SG3_DEMO"] = previous


def _healthy(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert json.loads(response.read())["status"] == "ok"


def _until(ws, predicate, timeout: float = 30.0) -> list[dict]:
    """Every text message up to and including the first for which `predicate` holds."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        raw = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(raw, str):
            seen.append(json.loads(raw))
            if predicate(seen[-1]):
                return seen


# ---- /ws/gan2d ----------------------------------------------------------------------------------


def _state(session) -> dict:
    def snapshot(loop):
        t = loop.trainer
        return {"params": t.params.model_dump(), "version": loop.params_version, "epoch": t.epoch,
                "step": t.step, "speed": (loop.max_epochs_per_s, loop.slow_motion), "axes": loop.manifold_axes}

    return session.loop.submit(snapshot).result(30)


@pytest.fixture(scope="module")
def gan2d(live) -> Iterator[tuple]:
    port, app = live
    url = f"ws://127.0.0.1:{port}/ws/gan2d"
    with websockets_sync.connect(url, open_timeout=10, compression=None, ping_interval=None) as ws:
        hello = _until(ws, lambda m: m["type"] == "hello")[-1]
        yield ws, app.state.sessions.sessions[hello["session_id"]], itertools.count(), port


@FUZZ
@given(wire=_wire(_message(GAN2D_TYPES, GAN2D_FIELDS)))
def test_gan2d_socket_survives_anything_and_refusals_change_nothing(gan2d, wire) -> None:
    ws, session, counter, port = gan2d
    before = _state(session)
    ws.send(wire)
    sentinel = f"sentinel-{next(counter)}"
    ws.send(json.dumps({"type": sentinel}))  # unknown, so always answered with an error naming it
    replies = _until(ws, lambda m: m["type"] == "error" and sentinel in m["message"])[:-1]
    replies = [m for m in replies if m["type"] not in ("history",)]
    assert all("internal error" not in str(m.get("message")) for m in replies), replies
    if replies and replies[0]["type"] == "error":
        assert _state(session) == before, (wire, replies[0])
    else:  # accepted: back to a cheap, paused baseline for the next example
        ws.send(json.dumps({"type": "pause"}))
        _until(ws, lambda m: m["type"] == "status")
        if _state(session)["params"] != TrainParams().model_dump():
            ws.send(json.dumps({"type": "set", "params": TrainParams().model_dump(mode="json")}))
            _until(ws, lambda m: m["type"] in ("params", "error"))
    if next(counter) % 25 == 0:
        _healthy(port)


# ---- /ws/stylegan3 ------------------------------------------------------------------------------

RENDER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["demo", "nope", "../etc/passwd", ""]) | JSON,
        "seed": SCALARS,
        "truncation_psi": SCALARS,
        "truncation_cutoff": SCALARS,
        "class_idx": SCALARS,
        "translate": st.lists(SCALARS, max_size=3) | JSON,
        "rotate": SCALARS,
        "layer": JSON,
    },
)
SG3_FIELDS = {"id": JSON, "params": RENDER_FIELDS | JSON, "rows": SCALARS, "cols": SCALARS,
              "to_seed": SCALARS, "steps": SCALARS, "model": JSON}
SG3_TYPES = ["render", "grid", "interpolate", "load", "warp"]
# Binary frames and deep nesting used to drop this socket (helper "hub" fixes that in socket.py).
SG3_CASES = {
    "json": _message(SG3_TYPES, SG3_FIELDS).map(json.dumps) | st.text(max_size=40),
    "binary_and_nested": st.binary(max_size=40)
    | st.integers(30, 3000).map(lambda n: '{"type": "render", "params": ' + "[" * n + "]" * n + "}"),
}


@pytest.fixture(scope="module")
def sg3_sockets(live) -> Iterator[dict]:
    """One /ws/stylegan3 connection per case, opened on first use."""
    port, _ = live
    sockets: dict = {}
    with contextlib.ExitStack() as stack:

        def connect(case: str):
            if case not in sockets:
                url = f"ws://127.0.0.1:{port}/ws/stylegan3"
                connection = websockets_sync.connect(url, open_timeout=60, compression=None, ping_interval=None)
                ws = stack.enter_context(connection)
                _until(ws, lambda m: m["type"] == "hello", timeout=60)
                sockets[case] = (ws, itertools.count(), port)
            return sockets[case]

        yield connect


@pytest.mark.parametrize(
    "case",
    [
        "json",
        "binary_and_nested",  # binary frames and deep JSON once dropped this socket (issue 9)
    ],
)
@FUZZ
@given(data=st.data())
def test_stylegan3_socket_survives_anything(sg3_sockets, case: str, data) -> None:
    ws, counter, port = sg3_sockets(case)
    ws.send(data.draw(SG3_CASES[case], label="wire"))
    sentinel = f"sentinel-{next(counter)}"
    ws.send(json.dumps({"type": "warp", "id": sentinel}))  # always refused, with its id
    replies = _until(ws, lambda m: m.get("id") == sentinel and m["type"] == "error", timeout=60)
    errors = [m for m in replies[:-1] if m["type"] == "error"]
    assert all("internal error" not in str(m.get("message")) for m in errors), errors
    if next(counter) % 25 == 0:
        _healthy(port)
