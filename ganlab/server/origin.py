"""Who may talk to the server: Host and Origin checks, once for every route, as ASGI middleware.

Two attacks shape it:

- **Cross-site requests.** Any web page can make the browser POST to 127.0.0.1 (even with
  `fetch(..., {mode: "no-cors"})`) or open a websocket to it. Browsers always send `Origin`
  on those, so every state-changing request (POST, PUT, PATCH, DELETE) and every websocket
  must come from the server's own origin or one listed in `GANLAB_ALLOWED_ORIGINS`.
  Requests without `Origin` (curl, scripts, the test client) are not from a web page and pass.
- **DNS rebinding.** A page on `evil.example` whose DNS later points at 127.0.0.1 is, to the
  browser, same-origin with itself: Origin and Host agree. So the Host itself must be one of
  ours: loopback names and addresses, the bound address, and `GANLAB_ALLOWED_HOSTS`.

Refusals: a bad Host is HTTP 400, a foreign Origin 403, a missing access token 401 (see
access.py, which also supplies the security headers added to every response); a websocket
is closed with 1008 (policy violation) before it is accepted, which the client sees as 403.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ganlab.config import Settings
from ganlab.server import access, ratelimit

CLOSE_POLICY = 1008  # websocket close code: origin or host refused
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})


def host_name(host: str) -> str:
    """The name part of a Host header, lower-case: `[::1]:8000` -> `::1`, `Lab.Example.:80` -> `lab.example`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _machine_names() -> set[str]:
    """When bound to every interface, this machine's own names and addresses are ours too."""
    names: set[str] = set()
    try:
        hostname = socket.gethostname()
        names |= {hostname, socket.getfqdn(hostname)}
        names |= {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except OSError:
        pass
    return {host_name(n) for n in names if n}


def allowed_host_names(settings: Settings) -> frozenset[str]:
    """Host names (besides loopback ones) this server answers to."""
    names = {host_name(h) for h in settings.allowed_hosts if h.strip() != "*"}
    if settings.host in WILDCARD_BINDS:
        names |= _machine_names()
    else:
        names.add(host_name(settings.host))
    return frozenset(names)


def host_allowed(host: str | None, settings: Settings, names: frozenset[str] | None = None) -> bool:
    if "*" in (h.strip() for h in settings.allowed_hosts):
        return True
    if not host:
        return False  # HTTP/1.1 requires Host; every browser sends it
    name = host_name(host)
    return is_loopback(name) or name in (names if names is not None else allowed_host_names(settings))


def origin_allowed(request, settings: Settings) -> bool:
    """Our own page (Origin matches Host) or a configured origin; no Origin means no web page.
    `request` is anything with `.headers` (a WebSocket, a Request, starlette Headers' holder)."""
    headers = request.headers
    origin = headers.get("origin")
    if origin is None:
        return True
    if origin.rstrip("/") in (o.rstrip("/") for o in settings.allowed_origins):
        return True
    host = headers.get("host", "")
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host != "" and parts.netloc.lower() == host.lower()


class _HeaderView:
    def __init__(self, headers: Headers):
        self.headers = headers


def refusal(scope: Scope, settings: Settings, names: frozenset[str]) -> tuple[int, str] | None:
    """(HTTP status, reason) if this request or websocket must be refused, else None."""
    headers = Headers(scope=scope)
    host = headers.get("host")
    if not host_allowed(host, settings, names):
        shown = (host or "")[:100]
        return 400, f"Host {shown!r} is not served here; add it to GANLAB_ALLOWED_HOSTS if it is this server"
    is_socket = scope["type"] == "websocket"
    if is_socket or scope.get("method", "GET").upper() in STATE_CHANGING:
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "cross-site request refused"
        if not origin_allowed(_HeaderView(headers), settings):
            shown = (headers.get("origin") or "")[:100]
            return 403, f"origin {shown!r} is not allowed; add it to GANLAB_ALLOWED_ORIGINS if you trust it"
    return None


class GuardMiddleware:
    """Applies `refusal` and the access token to every HTTP request and websocket before any route
    sees it, and adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, settings: Settings, token: str | None = None):
        self.app = app
        self.settings = settings
        self.names = allowed_host_names(settings)
        self.token = token
        self.limits = ratelimit.limiters(settings.rate_renders_per_min, settings.rate_uploads_per_hour)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refused = refusal(scope, self.settings, self.names)
        if refused is None and self.token is not None:
            refused = await self._check_token(scope, send)
            if refused == "answered":
                return
        if refused is None:
            refused = self._rate_limited(scope)
        if refused is not None:
            await self._refuse(scope, send, *refused)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        extra = access.security_headers(scope.get("path", ""))

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _rate_limited(self, scope: Scope) -> tuple[int, str, list] | None:
        kind = ratelimit.LIMITED.get((scope.get("method", ""), scope.get("path", "")))
        if kind is None:
            return None
        client = (scope.get("client") or ("unknown",))[0]
        wait_s = self.limits[kind].allow(client)
        if not wait_s:
            return None
        setting = "GANLAB_RATE_RENDERS_PER_MIN" if kind == "renders" else "GANLAB_RATE_UPLOADS_PER_HOUR"
        after = ratelimit.retry_after(wait_s)
        reason = f"too many {kind} from {client}: try again in {after} s ({setting})"
        return 429, reason, [(b"retry-after", after.encode())]

    async def _check_token(self, scope: Scope, send: Send):
        """None (pass), 'answered' (a redirect was sent) or a refusal."""
        assert self.token is not None
        path, query = scope.get("path", ""), scope.get("query_string", b"").decode("latin-1")
        verdict = access.token_verdict(self.token, path, query, Headers(scope=scope).get("cookie"))
        if verdict == "refuse":
            return 401, access.REFUSAL
        page = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and not path.startswith("/api/")
        if verdict == "adopt" and page:  # scripts calling the API may pass ?token= each time
            status, headers = access.adopt_response(self.token, path, query, scope.get("scheme") == "https")
            await send({"type": "http.response.start", "status": status,
                        "headers": [*headers, *access.security_headers(path)]})
            await send({"type": "http.response.body", "body": b""})
            return "answered"
        return None

    async def _refuse(self, scope: Scope, send: Send, status: int, reason: str, extra: tuple | list = ()) -> None:
        if scope["type"] == "websocket":
            short = reason.encode()[:120].decode(errors="ignore")  # a close reason holds 123 bytes
            await send({"type": "websocket.close", "code": CLOSE_POLICY, "reason": short})
            return
        body = json.dumps({"detail": reason}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, *access.security_headers(scope.get("path", ""))]})
        await send({"type": "http.response.body", "body": body})
