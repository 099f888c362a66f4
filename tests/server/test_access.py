"""The access token of a teacher's server and the security headers on every page (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ganlab.config import Settings
from ganlab.server.access import access_token
from tests.conftest import LiveServer, start_server
from tests.server.test_guard import handshake, raw_http

pytestmark = pytest.mark.timeout(120)
TOKEN = "correct-horse-battery"


@pytest.fixture(scope="module")
def locked() -> Iterator[LiveServer]:
    live = start_server({"GANLAB_TOKEN": TOKEN})
    yield live
    live.stop()


def test_a_token_is_needed_beyond_loopback_only() -> None:
    assert access_token(Settings(host="127.0.0.1")) is None and access_token(Settings(host="::1")) is None
    made_up = access_token(Settings(host="0.0.0.0"))
    assert made_up and len(made_up) >= 20 and made_up != access_token(Settings(host="0.0.0.0"))
    assert access_token(Settings(host="127.0.0.1", token=TOKEN)) == TOKEN


def test_the_start_message_gives_the_link(locked: LiveServer) -> None:
    assert f"?token={TOKEN}" in locked.log() and "GANLAB_TOKEN" in locked.log()


def test_requests_without_the_token_are_refused(locked: LiveServer) -> None:
    for path in ("/", "/api/gan2d/schema", "/api/stylegan3/models", f"/?token={TOKEN}x"):
        status, body = raw_http(locked, "GET", path)
        assert status == 401 and b"access token" in body, path
    assert raw_http(locked, "GET", "/healthz")[0] == 200  # for load balancers
    for path in ("/ws/gan2d", "/ws/stylegan3"):
        assert handshake(locked, path, f"127.0.0.1:{locked.port}", None) == 403


def test_the_token_is_given_once_in_the_url_then_kept_in_a_cookie(locked: LiveServer) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", locked.port, timeout=30)
    conn.request("GET", f"/?tab=gan2d&token={TOKEN}")
    response = conn.getresponse()
    response.read()
    assert response.status == 303 and response.getheader("location") == "/?tab=gan2d"
    cookie = response.getheader("set-cookie")
    assert cookie.startswith(f"ganlab_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    conn.close()
    with_cookie = {"Cookie": f"ganlab_token={TOKEN}"}
    assert raw_http(locked, "GET", "/", with_cookie)[0] == 200
    assert raw_http(locked, "GET", "/api/gan2d/schema", with_cookie)[0] == 200
    assert raw_http(locked, "GET", f"/api/gan2d/schema?token={TOKEN}")[0] == 200  # scripts may pass it
    lines = ["GET /ws/gan2d HTTP/1.1", f"Host: 127.0.0.1:{locked.port}", f"Cookie: ganlab_token={TOKEN}"]
    assert _handshake_with(locked, lines) == 101


def _handshake_with(server: LiveServer, lines: list[str]) -> int:
    import socket

    lines = [*lines, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
             "Sec-WebSocket-Version: 13"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(sock.makefile("rb").readline().split()[1])


def test_security_headers_on_every_response(server: LiveServer) -> None:
    for path in ("/", "/index.html", "/js/gan2d/main.js", "/api/gan2d/schema", "/healthz", "/no-such-page"):
        conn_status, headers = _headers(server, path)
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    _, docs = _headers(server, "/docs")
    assert "cdn.jsdelivr.net" in docs["content-security-policy"]  # Swagger UI's own assets
    status, refused = _headers(server, "/", {"Host": "evil.example"})
    assert status == 400 and "content-security-policy" in refused


def _headers(server: LiveServer, path: str, extra: dict | None = None) -> tuple[int, dict]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", path, headers=extra or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}


def test_renders_and_uploads_are_rate_limited_per_client() -> None:
    from ganlab.server.ratelimit import RateLimiter

    limiter = RateLimiter(3, 60.0)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("a", now=0.0) == pytest.approx(20.0)  # one token every 20 s
    assert limiter.allow("b", now=0.0) == 0.0, "another client has its own bucket"
    assert limiter.allow("a", now=20.0) == 0.0
    live = start_server({"GANLAB_RATE_UPLOADS_PER_HOUR": "2", "GANLAB_RATE_RENDERS_PER_MIN": "3",
                         "GANLAB_SG3_DEMO": "tiny", "GANLAB_DEVICE": "cpu"})
    try:
        raw = {"Content-Type": "application/octet-stream"}
        statuses = [raw_http(live, "POST", "/api/stylegan3/models?filename=x.pkl", raw, b"x")[0] for _ in range(3)]
        assert statuses[:2] != [429, 429] and statuses[2] == 429
        status, body = raw_http(live, "POST", "/api/stylegan3/models?filename=x.pkl", raw, b"x")
        assert status == 429 and b"GANLAB_RATE_UPLOADS_PER_HOUR" in body
        js = {"Content-Type": "application/json"}
        renders = [raw_http(live, "POST", "/api/stylegan3/generate", js, b'{"seed": -1}')[0] for _ in range(4)]
        assert renders == [422, 422, 422, 429]
        assert raw_http(live, "GET", "/api/stylegan3/models")[0] == 200  # reads are not limited
    finally:
        live.stop()
