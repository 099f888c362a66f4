"""What can go wrong with a download, said plainly, with what to do about it.

`DownloadError.kind` is a stable slug (tests, the UI and the CLI key on it, never on the text):
`url`, `dns`, `refused`, `timeout`, `tls`, `http`, `cut`, `too_large`, `disk_full`,
`not_network`, `cancelled`, `busy`.
"""

from __future__ import annotations

import socket
import ssl
import urllib.error
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_RETRY_KINDS = {"cut", "timeout"}


class DownloadError(Exception):
    """A download that did not complete: `kind`, a `message` and a `hint` for people."""

    def __init__(self, kind: str, message: str, hint: str = "", retry: bool = False):
        super().__init__(message)
        self.kind, self.message, self.hint, self.retry = kind, message, hint, retry
        self.kept_bytes = 0  # bytes of a partial file kept for resuming

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def kept(self, done: int, total: int | None) -> DownloadError:
        """This error after the last retry: the partial file stays, and the message says so."""
        share = f" ({done / total:.0%})" if total else ""
        kept = DownloadError(self.kind, self.message, self.hint)
        if done:
            kept.hint = (
                f"{done / 1e6:,.1f} MB{share} are kept: download again to resume from there. {self.hint}"
            ).strip()
            kept.kept_bytes = done
        return kept

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "hint": self.hint, "kept_bytes": self.kept_bytes}


def retryable(error: DownloadError) -> bool:
    return error.retry or error.kind in _RETRY_KINDS


def check_url(url: str, redirected: bool = False) -> str:
    """https anywhere, plain http only to this machine; anything else raises DownloadError('url')."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    where = "was redirected to" if redirected else "is"
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return url
    raise DownloadError(
        "url",
        f"The address {where} {url!r}: only https:// URLs are downloaded (plain http only from this machine).",
        "Give the https:// address of a .pkl or .safetensors network file.",
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def http_error(code: int, url: str) -> DownloadError:
    """An HTTP error status as a DownloadError; 429 and 5xx are worth retrying."""
    if code == 404:
        return DownloadError(
            "http",
            f"{url} was not found (HTTP 404).",
            "Check the address; for a catalog model, the catalog may be out of date: get the file "
            "from its model page by hand and put it in the models folder.",
        )
    if code in (401, 403):
        return DownloadError(
            "http",
            f"{_host(url)} refused access to the file (HTTP {code}).",
            "The link may need a login or may have expired: open it in a browser, download the file "
            "there and put it in the models folder (or upload it in the tab).",
        )
    if code == 429 or code >= 500:
        return DownloadError(
            "http", f"{_host(url)} is busy or failing (HTTP {code}).", "Try again in a few minutes.", retry=True
        )
    return DownloadError("http", f"{url} answered HTTP {code}.", "Check the address.")


def network_error(error: BaseException, url: str, timeout_s: float, mid_file: bool = False) -> DownloadError:
    """A socket-level failure (DNS, refused, timeout, TLS, reset) in words."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    host = _host(url)
    if isinstance(reason, socket.gaierror):
        return DownloadError(
            "dns",
            f"Could not look up {host}: the name does not resolve.",
            "Check that this computer is online and that the address is right (behind a proxy, set https_proxy).",
        )
    if isinstance(reason, TimeoutError | socket.timeout):
        return DownloadError(
            "timeout",
            f"{host} sent nothing for {timeout_s:g} s.",
            "Check the connection and try again (a slow link may need a larger GANLAB_HUB_TIMEOUT_S).",
        )
    if isinstance(reason, ssl.SSLError | ssl.CertificateError):
        return DownloadError(
            "tls",
            f"The secure connection to {host} failed ({reason}).",
            "Check the computer's clock and certificates, or a proxy that intercepts https.",
        )
    if isinstance(reason, ConnectionRefusedError) and not mid_file:
        return DownloadError("refused", f"{host} refused the connection.", "Try again later.")
    return DownloadError(
        "cut",
        f"The connection to {host} was cut{' in the middle of the file' if mid_file else ''} ({reason}).",
        "Check the connection and try again.",
        retry=True,
    )
