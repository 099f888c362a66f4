"""Host and Origin checks on every route and both websockets, and the upload quota (issue 9, items 2-3).

Before the fix any Host was answered (so a DNS-rebinding page whose Origin and Host agree
opened both websockets), and any page could POST a file into the models folder, with no
quota: the upload route checked neither Origin nor content type.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_server
from tests.server.stylegan3.test_sg3_api import save_micro_network

pytestmark = pytest.mark.timeout(120)
SOCKETS = ("/ws/gan2d", "/ws/stylegan3")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[LiveServer]:
    models = tmp_path_factory.mktemp("models")
    env = {
        "GANLAB_MODELS_DIR": str(models),
        "GANLAB_SG3_DEMO": "tiny",
        "GANLAB_DEVICE": "cpu",
        "GANLAB_ALLOWED_HOSTS": "lab.example,10.1.2.3",
        "GANLAB_SG3_MAX_UPLOADS": "1",
    }
    live = start_server(env)
    live.models_dir = models
    yield live
    live.stop()


def raw_http(server: LiveServer, method: str, path: str, headers: dict | None = None, body: bytes = b""):
    """(status, body) of one raw request with exactly these headers (Host included)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in {"Host": f"127.0.0.1:{server.port}", **(headers or {})}.items():
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.send(body)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def handshake(server: LiveServer, path: str, host: str, origin: str | None) -> int:
    """The HTTP status of a websocket upgrade with this Host and Origin (101: opened)."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_forged_host_is_refused_on_http(guarded: LiveServer) -> None:
    for host in ("evil.example:8021", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example", ""):
        for path in ("/", "/healthz", "/api/gan2d/schema", "/api/stylegan3/models"):
            status, body = raw_http(guarded, "GET", path, {"Host": host})
            assert status == 400, (host, path, status)
    status, body = raw_http(guarded, "GET", "/healthz", {"Host": "evil.example"})
    assert b"GANLAB_ALLOWED_HOSTS" in body
    port = guarded.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "127.0.0.2", "app.localhost",
                 "LAB.EXAMPLE.", "lab.example:443", "10.1.2.3"):
        assert raw_http(guarded, "GET", "/healthz", {"Host": host})[0] == 200, host


@pytest.mark.parametrize("path", SOCKETS)
def test_dns_rebinding_cannot_open_either_socket(guarded: LiveServer, path: str) -> None:
    # The rebinding page: Origin and Host agree, and both are the attacker's name.
    assert handshake(guarded, path, "evil.example:8021", "http://evil.example:8021") == 403
    assert handshake(guarded, path, "evil.example:8021", None) == 403
    own = f"127.0.0.1:{guarded.port}"
    assert handshake(guarded, path, own, f"http://127.0.0.1:{guarded.port + 1}") == 403  # another port
    assert handshake(guarded, path, own, "null") == 403  # sandboxed frames and file:// pages
    assert handshake(guarded, path, own, f"http://{own}") == 101
    assert handshake(guarded, path, "lab.example", "http://lab.example") == 101


def test_state_changing_requests_need_our_origin(guarded: LiveServer) -> None:
    foreign = {"Origin": "http://127.0.0.1:1", "Content-Type": "text/plain"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/api/stylegan3/models?filename=x.pkl", "/api/stylegan3/generate", "/api/gan2d/schema"):
            status, body = raw_http(guarded, method, path, foreign, b"data")
            assert status == 403 and b"GANLAB_ALLOWED_ORIGINS" in body, (method, path, status)
    cross_site = {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/octet-stream"}
    assert raw_http(guarded, "POST", "/api/stylegan3/models?filename=x.pkl", cross_site, b"x")[0] == 403
    own = {"Origin": f"http://127.0.0.1:{guarded.port}", "Content-Type": "application/json"}
    assert raw_http(guarded, "POST", "/api/stylegan3/generate", own, b'{"seed": -1}')[0] == 422  # reached the route
    assert raw_http(guarded, "GET", "/api/gan2d/schema", {"Origin": "http://evil.example"})[0] == 200  # reads pass
    assert not list(guarded.models_dir.rglob("*.pkl")) and not list(guarded.models_dir.rglob("*.part"))


@pytest.mark.parametrize("kind", ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"])
def test_upload_needs_raw_bytes_content_type(guarded: LiveServer, kind: str) -> None:
    # The three types a cross-site form or no-cors fetch may send without a preflight.
    path = "/api/stylegan3/models?filename=x.safetensors"
    status, body = raw_http(guarded, "POST", path, {"Content-Type": kind}, b"x")
    assert status == 415 and b"content-type" in body and b"application/octet-stream" in body


def test_upload_quota_in_files_and_bytes(guarded: LiveServer, tmp_path: Path) -> None:
    save_micro_network(tmp_path / "net.safetensors")
    data = (tmp_path / "net.safetensors").read_bytes()
    raw = {"Content-Type": "application/octet-stream"}
    assert raw_http(guarded, "POST", "/api/stylegan3/models?filename=one.safetensors", raw, data)[0] == 201
    status, body = raw_http(guarded, "POST", "/api/stylegan3/models?filename=two.safetensors", raw, data)
    assert status == 507 and b"GANLAB_SG3_MAX_UPLOADS" in body
    assert sorted(p.name for p in (guarded.models_dir / "uploads").iterdir()) == ["one.safetensors"]


def test_upload_quota_in_bytes(tmp_path: Path) -> None:
    save_micro_network(tmp_path / "net.safetensors")
    data = (tmp_path / "net.safetensors").read_bytes()
    models = tmp_path / "models"
    live = start_server({"GANLAB_MODELS_DIR": str(models), "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu",
                         "GANLAB_SG3_MAX_UPLOADS_TOTAL_MB": str(1.5 * len(data) / 2**20)})
    try:
        raw = {"Content-Type": "application/octet-stream"}
        assert raw_http(live, "POST", "/api/stylegan3/models?filename=a.safetensors", raw, data)[0] == 201
        status, body = raw_http(live, "POST", "/api/stylegan3/models?filename=b.safetensors", raw, data)
        assert status == 507 and b"GANLAB_SG3_MAX_UPLOADS_TOTAL_MB" in body
        assert [p.name for p in (models / "uploads").iterdir()] == ["a.safetensors"]
    finally:
        live.stop()
