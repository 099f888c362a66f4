"""A teacher's server: the access token, and the security headers on every response.

**Token.** On loopback the machine's own user is the only one who can connect, so no token
is needed. Bound beyond loopback (`--host 0.0.0.0`), a class can reach the server, and so can
anyone else on the network: then every request needs the token, set by `GANLAB_TOKEN` or
made up at start and printed with the link to open. It is given once in the URL
(`/?token=...`); the server answers with a cookie and a redirect to the same page without it,
so the token does not stay in the address bar, the history or a shared link. `/healthz`
stays open for load balancers.

**Headers.** A strict Content-Security-Policy (only our own scripts, styles, images and
sockets; no framing), `nosniff`, no referrer (a token must not leak through links) and
same-origin opener and resource policies. The API docs page loads Swagger UI from its CDN
and gets a policy that allows exactly that.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from ganlab.config import Settings

COOKIE = "ganlab_token"
OPEN_PATHS = frozenset({"/healthz"})
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_loopback_bind(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access_token(settings: Settings) -> str | None:
    """The token every request must carry: GANLAB_TOKEN, or a fresh one when bound beyond loopback."""
    if settings.token:
        return settings.token
    return None if is_loopback_bind(settings.host) else secrets.token_urlsafe(18)


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    csp = DOCS_CSP if path in ("/docs", "/redoc") or path.startswith("/docs/") else APP_CSP
    return [(b"content-security-policy", csp.encode()), *COMMON_HEADERS]


def _cookie_token(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def token_verdict(token: str, path: str, query: str, cookie_header: str | None) -> str:
    """'ok' (cookie or query token right), 'adopt' (right token in the URL of a page: set the
    cookie and drop it from the URL) or 'refuse'."""
    if path in OPEN_PATHS:
        return "ok"
    given = _cookie_token(cookie_header)
    if given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return "ok"
    in_query = dict(parse_qsl(query)).get("token")
    if in_query is not None and hmac.compare_digest(in_query.encode(), token.encode()):
        return "adopt"
    return "refuse"


def adopt_response(token: str, path: str, query: str, secure: bool) -> tuple[int, list[tuple[bytes, bytes]]]:
    """303 to the same URL without the token, setting the cookie that carries it from now on."""
    rest = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"])
    location = path + ("?" + rest if rest else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
    return 303, [(b"location", location.encode()), (b"set-cookie", cookie.encode()), (b"cache-control", b"no-store")]


REFUSAL = (
    "This ganlab server needs its access token. Open the link it printed when it started "
    "(http://HOST:PORT/?token=...), or ask whoever runs it. GANLAB_TOKEN sets the token."
)
